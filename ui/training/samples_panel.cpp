// SamplesPanel (see samples_panel.h).
#include "ui/training/samples_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>

#include "db/database.h"
#include "db/run_browser.h"

namespace prefstudio::ui {

namespace {

enum Column { kStep, kReward, kKl, kTrueScore, kEnd, kPrompt, kCompletion, kColumns };

QString optionalNumber(const std::optional<double>& value) {
  return value ? QString::number(*value, 'f', 3) : QString();
}

}  // namespace

SamplesPanel::SamplesPanel(const QString& projectPath, QWidget* parent)
    : QWidget(parent), project_(projectPath) {
  table_ = new QTableWidget(0, kColumns, this);
  table_->setObjectName("samplesTable");
  table_->setHorizontalHeaderLabels(
      {tr("Step"), tr("Reward"), tr("KL"), tr("True score"), tr("End"), tr("Prompt"), tr("Completion")});
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->hide();
  send_ = new QPushButton(tr("Send to labeling queue"), this);
  send_->setObjectName("sendToQueue");
  send_->setToolTip(tr("Add the selected samples as new completions of their prompts, to be ranked"));
  status_ = new QLabel(this);
  status_->setObjectName("samplesStatus");
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(send_);
  buttons->addWidget(status_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(table_, 1);
  layout->addLayout(buttons);
  connect(send_, &QPushButton::clicked, this, [this] {
    QList<int> rows;
    for (const QModelIndex& index : table_->selectionModel()->selectedRows()) rows << index.row();
    sendRows(rows);
  });
}

int SamplesPanel::rowCount() const { return table_->rowCount(); }

void SamplesPanel::addSamples(qint64 runId, const QVector<RunSampleRow>& samples, bool reset) {
  if (reset || runId != runId_) samples_.clear();
  runId_ = runId;
  for (const RunSampleRow& sample : samples) samples_.prepend(sample);  // newest first
  std::stable_sort(samples_.begin(), samples_.end(),
                   [](const RunSampleRow& a, const RunSampleRow& b) { return a.step > b.step; });
  if (samples_.size() > kMaxRows) samples_.resize(kMaxRows);
  table_->setRowCount(samples_.size());
  for (int row = 0; row < samples_.size(); ++row) fillRow(row, samples_[row]);
}

void SamplesPanel::fillRow(int row, const RunSampleRow& sample) {
  const QStringList cells{QString::number(sample.step), optionalNumber(sample.reward),
                          optionalNumber(sample.kl),    optionalNumber(sample.trueScore),
                          sample.finishReason,         sample.prompt.simplified(),
                          sample.completion.simplified()};
  for (int column = 0; column < kColumns; ++column) {
    auto* item = new QTableWidgetItem(cells[column]);
    if (column >= kPrompt) item->setToolTip(column == kPrompt ? sample.prompt : sample.completion);
    table_->setItem(row, column, item);
  }
}

int SamplesPanel::sendRows(const QList<int>& rows) {
  int added = 0, known = 0;
  QStringList errors;
  try {
    db::Database db(project_.toStdString(), /*create=*/false);
    for (int row : rows) {
      if (row < 0 || row >= samples_.size()) continue;
      try {
        bool created = false;
        db::send_sample_to_queue(db, runId_, samples_[row].id, &created);
        ++(created ? added : known);
      } catch (const std::exception& error) {
        errors << QString::fromUtf8(error.what());
      }
    }
  } catch (const std::exception& error) {
    errors << QString::fromUtf8(error.what());
  }
  QString text = tr("%n new completion(s) in the labeling queue", "", added);
  if (known > 0) text += tr("; %n already a completion of its prompt", "", known);
  status_->setText(errors.isEmpty() ? text : errors.join("; "));
  if (added > 0) Q_EMIT sentToQueue(added);
  return added;
}

}  // namespace prefstudio::ui
