// RunTableModel: the runs list of the Training tab, one row per run of the project: id, kind,
// name, state (running, finished, failed, stopped, or gone: a running row whose process stopped
// beating), parent run, duration, last step and the run kind's headline metric at its best.
// Filled from RunPoller's lists; keeps the rows' order (by id) so a selection survives a refresh.
#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QVector>

#include "ui/training/run_snapshot.h"

namespace prefstudio::ui {

class RunTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kId, kKind, kName, kState, kParent, kDuration, kStep, kBest, kColumns };

  explicit RunTableModel(QObject* parent = nullptr);

  void setRuns(const QVector<RunInfo>& runs);
  // The best value so far of the run's headline metric (see headlineMetric), kept by the view as
  // updates arrive.
  void setBest(qint64 runId, double value);
  const RunInfo* run(int row) const;
  const RunInfo* runById(qint64 id) const;
  int rowOf(qint64 runId) const;

  // "42 s", "3 min 5 s", "2 h 10 min".
  static QString duration(double seconds);
  // The metric that says how a run of `kind` is doing, and whether higher is better.
  static QString headlineMetric(const QString& kind, bool* higherIsBetter = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  QVector<RunInfo> runs_;
  QHash<qint64, double> best_;
};

}  // namespace prefstudio::ui
