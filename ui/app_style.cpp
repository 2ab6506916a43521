// applyCalmStyle (see app_style.h). Colours: GitHub-like greys with one blue accent.
#include "ui/app_style.h"

#include <QApplication>
#include <QFont>
#include <QPalette>
#include <QStyleFactory>
#include <algorithm>

namespace prefstudio::ui {

void applyCalmStyle(QApplication& app) {
  app.setStyle(QStyleFactory::create("Fusion"));
  QPalette palette;
  palette.setColor(QPalette::Window, QColor("#f6f8fa"));
  palette.setColor(QPalette::WindowText, QColor("#24292f"));
  palette.setColor(QPalette::Base, QColor("#ffffff"));
  palette.setColor(QPalette::AlternateBase, QColor("#f0f3f6"));
  palette.setColor(QPalette::Text, QColor("#24292f"));
  palette.setColor(QPalette::Button, QColor("#ffffff"));
  palette.setColor(QPalette::ButtonText, QColor("#24292f"));
  palette.setColor(QPalette::Highlight, QColor("#2f6fdd"));
  palette.setColor(QPalette::HighlightedText, QColor("#ffffff"));
  palette.setColor(QPalette::ToolTipBase, QColor("#ffffff"));
  palette.setColor(QPalette::ToolTipText, QColor("#24292f"));
  app.setPalette(palette);
  QFont font = app.font();
  font.setPointSizeF(std::max(11.0, font.pointSizeF()));
  app.setFont(font);
  app.setStyleSheet(R"css(
    #rankingCard { background: #ffffff; border: 1px solid #d0d7de; border-radius: 8px; }
    #rankingCard[placed="true"] { border: 2px solid #2f6fdd; background: #f7faff; }
    #cardNumber { background: #eaeef2; border-radius: 15px; font-weight: bold; }
    #rankingCard[placed="true"] #cardNumber { background: #2f6fdd; color: white; }
    #cardPlace { color: #2f6fdd; font-weight: bold; }
    #cardFlags { color: #b35900; }
    #cardBody { background: transparent; }
    #promptText { background: #ffffff; border: 1px solid #d0d7de; border-radius: 8px;
                  padding: 4px; font-size: 13pt; }
    #errorBanner { background: #ffebe9; color: #82071e; border: 1px solid #ff8182;
                   border-radius: 6px; padding: 6px; }
    #note { color: #57606a; }
    #suggestion { color: #8a6d3b; background: #fff8c5; border-radius: 6px; padding: 4px 8px; }
    #viewMessage { color: #57606a; font-size: 15pt; }
    #helpText { background: #ffffff; border: 1px solid #d0d7de; border-radius: 10px;
                padding: 18px 28px; }
    #strengthStep:checked { background: #2f6fdd; color: white; }
  )css");
}

}  // namespace prefstudio::ui
