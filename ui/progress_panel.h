// ProgressPanel: the labeler's progress bar with counts, pace (seconds per prompt) and the time
// left for the rest of the queue at that pace, e.g. "alice: 12 of 52 prompts done · 12 s per
// prompt · about 8 min left for 40 prompts". The figures come from LabelQueue::counts() (db/).
// Beside them, while answers wait for another program's lock (LabelWriter), a line in amber says
// how many, so the labeler sees that they are not lost and not yet saved. Display only.
#pragma once

#include <QWidget>

#include "db/label_queue.h"

class QLabel;
class QProgressBar;

namespace prefstudio::ui {

class ProgressPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ProgressPanel(QWidget* parent = nullptr);
  // nothingLeft: the queue has no prompt for this labeler; the text then says why the count is
  // short of the total (others reached the overlap, or prompts wait for completions).
  void setCounts(const db::QueueCounts& counts, const QString& labeler, bool nothingLeft = false);
  QString text() const;
  // Changes written by this labeler that wait for the database; 0 hides the line.
  void setWaiting(int count);
  QString waitingText() const;

 private:
  // " · 12 s per prompt · about 8 min left for 40 prompts"; only what the counts support (no pace
  // before two answers; no time left when nothing is left).
  QString paceText(const db::QueueCounts& counts, bool nothingLeft) const;

  QProgressBar* bar_;
  QLabel* label_;
  QLabel* waiting_;
};

}  // namespace prefstudio::ui
