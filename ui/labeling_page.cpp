// LabelingPage (see labeling_page.h).
#include "ui/labeling_page.h"

#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

#include "ui/guidelines_panel.h"
#include "ui/history_panel.h"
#include "ui/labeling_controller.h"
#include "ui/progress_panel.h"
#include "ui/ranking_view.h"

namespace prefstudio::ui {

LabelingPage::LabelingPage(LabelingController* controller, QWidget* parent)
    : QWidget(parent), controller_(controller) {
  controller_->setParent(this);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  progress_ = new ProgressPanel(this);
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  view_ = new RankingView(splitter);
  auto* side = new QTabWidget(splitter);
  side->setObjectName("sideTabs");
  guidelines_ = new GuidelinesPanel(side);
  history_ = new HistoryPanel(side);
  side->addTab(guidelines_, tr("Guidelines"));
  side->addTab(history_, tr("History"));
  splitter->addWidget(view_);
  splitter->addWidget(side);
  splitter->setStretchFactor(0, 4);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({1000, 300});
  layout->addWidget(progress_);
  layout->addWidget(splitter, 1);
  controller_->attach(view_, progress_, history_, guidelines_);
  view_->setFocus();
}

}  // namespace prefstudio::ui
