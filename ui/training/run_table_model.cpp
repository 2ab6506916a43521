// RunTableModel (see run_table_model.h).
#include "ui/training/run_table_model.h"

#include <QBrush>
#include <QColor>
#include <algorithm>

namespace prefstudio::ui {

QString RunTableModel::duration(double seconds) {
  const qint64 s = static_cast<qint64>(std::max(0.0, seconds) + 0.5);
  if (s < 60) return QStringLiteral("%1 s").arg(s);
  if (s < 3600) return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
  return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

namespace {

QColor stateColor(const QString& state) {
  if (state == QLatin1String("running")) return QColor(0x1b, 0x7f, 0x3b);
  if (state == QLatin1String("failed") || state == QLatin1String("gone")) return QColor(0xb0, 0x20, 0x20);
  if (state == QLatin1String("stopped")) return QColor(0x9a, 0x6a, 0x00);
  return QColor(0x40, 0x40, 0x40);
}

}  // namespace

RunTableModel::RunTableModel(QObject* parent) : QAbstractTableModel(parent) {}

QString RunTableModel::headlineMetric(const QString& kind, bool* higherIsBetter) {
  const bool sft = kind == QLatin1String("sft");
  if (higherIsBetter) *higherIsBetter = !sft;
  if (sft) return QStringLiteral("loss_val");
  if (kind == QLatin1String("reward")) return QStringLiteral("accuracy_val");
  return QStringLiteral("eval/true_score");  // a policy: the task's own score on held-out prompts
}

void RunTableModel::setRuns(const QVector<RunInfo>& runs) {
  if (runs.size() != runs_.size()) {
    beginResetModel();
    runs_ = runs;
    endResetModel();
    return;
  }
  runs_ = runs;  // same rows (runs are never deleted while shown): refresh their cells only
  if (!runs_.isEmpty()) Q_EMIT dataChanged(index(0, 0), index(runs_.size() - 1, kColumns - 1));
}

void RunTableModel::setBest(qint64 runId, double value) {
  best_[runId] = value;
  const int row = rowOf(runId);
  if (row >= 0) Q_EMIT dataChanged(index(row, kBest), index(row, kBest));
}

const RunInfo* RunTableModel::run(int row) const {
  return row >= 0 && row < runs_.size() ? &runs_[row] : nullptr;
}

const RunInfo* RunTableModel::runById(qint64 id) const { return run(rowOf(id)); }

int RunTableModel::rowOf(qint64 runId) const {
  for (int row = 0; row < runs_.size(); ++row)
    if (runs_[row].id == runId) return row;
  return -1;
}

int RunTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : runs_.size();
}

int RunTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumns;
}

QVariant RunTableModel::data(const QModelIndex& index, int role) const {
  const RunInfo* info = run(index.row());
  if (!info) return {};
  if (role == Qt::ForegroundRole && index.column() == kState) return QBrush(stateColor(info->state));
  if (role == Qt::ToolTipRole) return info->message.isEmpty() ? QVariant() : info->message;
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case kId: return info->id;
    case kKind: return info->kind;
    case kName: return info->name;
    case kState: return info->state;
    case kParent: return info->parentRunId ? QVariant(*info->parentRunId) : QVariant();
    case kDuration: return info->lastStep >= 0 ? duration(info->lastWallTime) : QString();
    case kStep: return info->lastStep >= 0 ? QVariant(info->lastStep) : QVariant();
    case kBest: {
      auto it = best_.find(info->id);
      if (it == best_.end()) return {};
      return QStringLiteral("%1 %2").arg(headlineMetric(info->kind)).arg(*it, 0, 'g', 4);
    }
  }
  return {};
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const kNames[kColumns] = {"Run", "Kind", "Name", "State",
                                                "Parent", "Duration", "Step", "Best"};
  return tr(kNames[section]);
}

}  // namespace prefstudio::ui
