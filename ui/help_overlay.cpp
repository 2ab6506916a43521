// HelpOverlay (see help_overlay.h). Follows its parent's size through an event filter.
#include "ui/help_overlay.h"

#include <QEvent>
#include <QKeyEvent>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

namespace prefstudio::ui {

HelpOverlay::HelpOverlay(QWidget* parent) : QWidget(parent) {
  setObjectName("helpOverlay");
  auto* layout = new QVBoxLayout(this);
  text_ = new QLabel(shortcutsHtml(), this);
  text_->setObjectName("helpText");
  text_->setTextFormat(Qt::RichText);
  text_->setAlignment(Qt::AlignCenter);
  layout->addWidget(text_, 0, Qt::AlignCenter);
  parent->installEventFilter(this);
  setGeometry(parent->rect());
  hide();
}

QString HelpOverlay::shortcutsHtml() {
  const char* rows[][2] = {
      {"1 .. 9", "place that card next (best first); the card shows its place"},
      {"=", "the next card ties with the one before"},
      {"Backspace", "take back the last pick"},
      {"Enter", "submit (the last card is placed for you)"},
      {"S", "skip this prompt"},
      {"X", "all bad: none of these can be ranked"},
      {"F", "flags (harmful, hallucination, ...)"},
      {"C", "comment"},
      {"Ctrl+Z", "undo the last submit"},
      {"Escape", "back to the queue, changing nothing (on a prompt reopened from the history)"},
      {"R", "show the raw text / rendered Markdown (for the whole project)"},
      {"\u2191 \u2193 PgUp PgDn Home End", "scroll the cards (with Shift: the page of cards)"},
      {"\u2190 / \u2192",
       "pairwise (K = 2): choose how much better, or the tie in the middle; otherwise scroll "
       "the cards sideways"},
      {"?", "this help (any key closes it)"},
      {"Mouse", "drag a card onto the ranking bar to place it; onto a card to tie"},
  };
  QString html = "<h2>Shortcuts</h2><table cellspacing='6'>";
  for (const auto& row : rows)
    html += QString("<tr><td align='right'><b>%1</b></td><td>%2</td></tr>")
                .arg(QString::fromUtf8(row[0]).toHtmlEscaped(), QString::fromUtf8(row[1]));
  return html + "</table>";
}

void HelpOverlay::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), QColor(36, 41, 47, 110));  // dims the cards behind the sheet
}

void HelpOverlay::mousePressEvent(QMouseEvent*) { hide(); }
void HelpOverlay::keyPressEvent(QKeyEvent*) { hide(); }

bool HelpOverlay::eventFilter(QObject* watched, QEvent* event) {
  if (watched == parent() && event->type() == QEvent::Resize)
    setGeometry(static_cast<QWidget*>(watched)->rect());
  return QWidget::eventFilter(watched, event);
}

}  // namespace prefstudio::ui
