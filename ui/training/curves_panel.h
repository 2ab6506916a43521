// CurvesPanel: the Training tab's live curves. A checkable list of the metrics the watched runs
// have (the run kind's usual ones checked at first: loss and lr; a reward model's accuracy,
// margin and calibration error; DPO's chosen and rejected rewards, margins, accuracy and KL; online
// RL's score, KL, KL coefficient, entropy, clip fraction and value loss), and one MetricChart per
// checked metric with a series per run, so several runs overlay on one chart. Each run's events
// (warnings, GaLore projector refreshes, resumes, stops) are markers on every chart at their step;
// GaLore's optimizer memory is drawn beside AdamW's on one chart.
#pragma once

#include <QHash>
#include <QMap>
#include <QPointF>
#include <QSet>
#include <QString>
#include <QVector>
#include <QWidget>

#include "ui/training/run_snapshot.h"

class QListWidget;
class QListWidgetItem;
class QVBoxLayout;

namespace prefstudio::ui {

class MetricChart;

class CurvesPanel : public QWidget {
  Q_OBJECT

 public:
  explicit CurvesPanel(QWidget* parent = nullptr);

  // The runs shown, with their labels ("3 dpo-20261202"); others are removed from every chart.
  void setRuns(const QVector<RunInfo>& runs);
  // New points of a run (RunUpdate::metrics; `reset` replaces what the run had).
  void addPoints(qint64 runId, const QHash<QString, QVector<QPointF>>& metrics, bool reset);
  void setEvents(qint64 runId, const QVector<RunEventRow>& events);

  // The metrics every watched run's kind checks first.
  static QStringList defaultMetrics(const QString& kind);
  MetricChart* chart(const QString& metric) const { return charts_.value(metric); }
  QStringList checkedMetrics() const;
  void setMetricChecked(const QString& metric, bool checked);

 private:
  void refreshMetricList();
  void showChart(const QString& metric);
  void hideChart(const QString& metric);
  void feedChart(MetricChart* chart, const QString& metric);
  void markEvents(MetricChart* chart);
  void setSeries(MetricChart* chart, qint64 runId, const QString& metric, const QVector<double>& x,
                 const QVector<double>& y);
  QString seriesKey(qint64 runId, const QString& metric) const;
  QString seriesLabel(qint64 runId, const QString& metric) const;
  QStringList seriesMetrics(const QString& metric) const;  // the chart's metrics (memory: two)

  QListWidget* list_;
  QVBoxLayout* chartsLayout_;
  QMap<qint64, RunInfo> runs_;
  QHash<qint64, QHash<QString, QVector<QPointF>>> points_;
  QHash<qint64, QVector<RunEventRow>> events_;
  QMap<QString, MetricChart*> charts_;
  QSet<QString> unchecked_;  // metrics the user unticked: not checked again by default
};

}  // namespace prefstudio::ui
