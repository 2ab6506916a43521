// ProgressPanel: the labeler's progress bar with counts and pace per hour. Display only.
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

 private:
  QProgressBar* bar_;
  QLabel* label_;
};

}  // namespace prefstudio::ui
