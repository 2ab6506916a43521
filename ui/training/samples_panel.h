// SamplesPanel: the completions a run's policy sampled at its evaluations, newest first, with the
// score the trainer gave them (reward model), their KL to the reference and the task's own score.
// "Send to labeling queue" adds the chosen ones as new completions of their prompts, so the next
// round of labels comes from the current policy (iterated online RLHF, as the HH paper did).
#pragma once

#include <QVector>
#include <QWidget>

#include "ui/training/run_snapshot.h"

class QLabel;
class QPushButton;
class QTableWidget;

namespace prefstudio::ui {

class SamplesPanel : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kMaxRows = 2000;  // the newest; older ones stay in the project

  explicit SamplesPanel(const QString& projectPath, QWidget* parent = nullptr);

  // Shows `runId`'s samples (replacing another run's) or adds new ones of the same run.
  void addSamples(qint64 runId, const QVector<RunSampleRow>& samples, bool reset);
  qint64 runId() const { return runId_; }
  int rowCount() const;
  // Sends the samples of these rows (a text its prompt already has is not added twice); returns
  // how many became new completions.
  int sendRows(const QList<int>& rows);

 Q_SIGNALS:
  void sentToQueue(int added);

 private:
  void fillRow(int row, const RunSampleRow& sample);

  QString project_;
  qint64 runId_ = -1;
  QVector<RunSampleRow> samples_;  // newest first, as the rows
  QTableWidget* table_;
  QPushButton* send_;
  QLabel* status_;
};

}  // namespace prefstudio::ui
