// AgreementView (see agreement_view.h). Colors: agreement runs from red at chance (50%) to green at
// 100%; a bias cell turns orange past 5 points from 50% and red past 15.
#include "ui/agreement_view.h"

#include <QColor>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "db/schema.h"
#include "ui/background_task.h"
#include "ui/project_watcher.h"

namespace prefstudio::ui {

namespace {

constexpr int kStretchedRows = 10;

QColor agreementColor(double rate) {
  double t = std::clamp((rate - 0.5) / 0.5, 0.0, 1.0);  // chance .. full agreement
  return QColor::fromHsvF(static_cast<float>(t * 120.0 / 360.0), 0.42f, 0.97f);
}

QColor biasColor(double rate) {
  double off = std::abs(rate - 0.5);
  if (off > 0.15) return QColor(0xf4, 0xb4, 0xb4);
  if (off > 0.05) return QColor(0xfb, 0xdc, 0xa8);
  return QColor(Qt::transparent);
}

QString percent(double rate) { return QStringLiteral("%1%").arg(rate * 100.0, 0, 'f', 1); }

QTableWidgetItem* readOnly(const QString& text) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
  item->setTextAlignment(Qt::AlignCenter);
  return item;
}

// "78.3%  (230 pairs)" with the counts in the tooltip; "-" when nothing was compared.
QTableWidgetItem* rateItem(const db::PairAgreement& pairs, const QString& what, bool bias) {
  if (pairs.compared == 0) return readOnly(QStringLiteral("–"));
  auto* item =
      readOnly(QStringLiteral("%1  (%2 pairs)").arg(percent(pairs.rate())).arg(pairs.compared));
  item->setToolTip(
      QObject::tr("%1 of %2 pairs: %3").arg(pairs.agreeing).arg(pairs.compared).arg(what));
  QColor color = bias ? biasColor(pairs.rate()) : agreementColor(pairs.rate());
  if (color.alpha() > 0) item->setBackground(color);
  if (color.alpha() > 0) item->setForeground(QColor(0x20, 0x20, 0x20));
  return item;
}

}  // namespace

AgreementView::AgreementView(const QString& projectPath, QWidget* parent)
    : QWidget(parent), project_path_(projectPath) {
  summary_ = new QLabel(this);
  summary_->setWordWrap(true);
  refresh_button_ = new QPushButton(tr("Recompute"), this);
  matrix_ = new QTableWidget(this);
  matrix_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  matrix_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  matrix_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  matrix_->verticalHeader()->setMinimumSectionSize(2 * fontMetrics().height() + 10);
  labelers_ = new QTableWidget(0, 5, this);
  labelers_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  labelers_->setHorizontalHeaderLabels({tr("Labeler"), tr("Rankings"), tr("Agrees with consensus"),
                                        tr("First shown wins"), tr("Longer wins")});
  labelers_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  labelers_->verticalHeader()->hide();
  auto* note = new QLabel(
      tr("Agreement: of the completion pairs both labelers ordered strictly (ties left out), the "
         "share ordered the same way; 50% is chance. τ: Kendall's tau-b, mean over shared "
         "prompts. Consensus: ranked pairs (Tideman) over all labelers of a prompt. Bias columns: "
         "50% means none."),
      this);
  note->setWordWrap(true);
  note->setStyleSheet(QStringLiteral("color: #555;"));

  auto* top = new QHBoxLayout;
  top->addWidget(summary_, 1);
  top->addWidget(refresh_button_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(new QLabel(tr("<b>Pairwise agreement between labelers</b>"), this));
  layout->addWidget(matrix_, 3);
  layout->addWidget(new QLabel(tr("<b>Per labeler</b>"), this));
  layout->addWidget(labelers_, 2);
  layout->addWidget(note);
  connect(refresh_button_, &QPushButton::clicked, this, &AgreementView::refresh);
  // Rankings change (here, in another copy, by import): recompute while shown, else on showing.
  connect(new ProjectWatcher(projectPath, this), &ProjectWatcher::changed, this, [this] {
    if (isVisible())
      refresh();
    else
      stale_ = true;
  });
  setReport({});
}

AgreementView::~AgreementView() = default;

void AgreementView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (!stale_) return;
  stale_ = false;
  refresh();
}

void AgreementView::refresh() {
  if (task_ && task_->isRunning()) return;
  pending_ = std::make_shared<db::AgreementReport>();
  auto pending = pending_;
  const std::string path = project_path_.toStdString();
  task_ =
      std::make_unique<BackgroundTask>([pending, path](const BackgroundTask::Progress& progress) {
        db::Database db = db::open_project(path, /*create=*/false);
        *pending = db::compute_agreement(db, progress);
        return QString();
      });
  connect(task_.get(), &BackgroundTask::progressed, this, [this](qint64 done, qint64 total) {
    summary_->setText(tr("Computing agreement… %1 of %2 prompts").arg(done).arg(total));
  });
  connect(task_.get(), &BackgroundTask::finished, this,
          [this](bool ok, bool, const QString& message) {
            refresh_button_->setEnabled(true);
            if (!ok) {
              summary_->setText(tr("Cannot compute agreement: %1").arg(message));
              Q_EMIT failed(message);
              return;
            }
            setReport(*pending_);
            Q_EMIT refreshed();
          });
  refresh_button_->setEnabled(false);
  summary_->setText(tr("Computing agreement…"));
  task_->start();
}

void AgreementView::setReport(const db::AgreementReport& report) {
  report_ = report;
  if (report_.prompts_ranked == 0) {
    summary_->setText(tr("No ranked prompts yet."));
  } else {
    QString overall = report_.overall.compared ? tr("overall agreement %1 on %2 pairs")
                                                     .arg(percent(report_.overall.rate()))
                                                     .arg(report_.overall.compared)
                                               : tr("no prompt ranked by two labelers yet");
    summary_->setText(tr("%1 labelers, %2 ranked prompts, %3 ranked by two or more: %4.")
                          .arg(report_.labelers.size())
                          .arg(report_.prompts_ranked)
                          .arg(report_.prompts_shared)
                          .arg(overall));
  }
  fillMatrix();
  fillLabelers();
}

void AgreementView::fillMatrix() {
  const int n = static_cast<int>(report_.labelers.size());
  matrix_->clear();
  matrix_->setRowCount(n);
  matrix_->setColumnCount(n);
  QStringList names;
  for (const auto& labeler : report_.labelers) names << QString::fromStdString(labeler.name);
  matrix_->setHorizontalHeaderLabels(names);
  matrix_->setVerticalHeaderLabels(names);
  // A few labelers: rows share the height like a heat map; many: natural height and a scroll bar.
  matrix_->verticalHeader()->setSectionResizeMode(
      n <= kStretchedRows ? QHeaderView::Stretch : QHeaderView::ResizeToContents);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const db::LabelerPairStats& cell = report_.matrix[i][j];
      QTableWidgetItem* item = nullptr;
      if (i == j) {
        item = readOnly(QStringLiteral("—"));
        item->setBackground(QColor(0xee, 0xee, 0xee));
      } else if (cell.pairs.compared == 0) {
        item = readOnly(tr("no shared\nprompts"));
        item->setForeground(QColor(0x99, 0x99, 0x99));
      } else {
        QString tau = std::isnan(cell.tau_b_mean)
                          ? QStringLiteral("τ –")
                          : QStringLiteral("τ %1").arg(cell.tau_b_mean, 0, 'f', 2);
        item = readOnly(QStringLiteral("%1\n%2").arg(percent(cell.pairs.rate())).arg(tau));
        item->setBackground(agreementColor(cell.pairs.rate()));
        item->setForeground(QColor(0x20, 0x20, 0x20));
        item->setToolTip(tr("%1 and %2: %3 shared prompts; %4 of %5 pairs ordered alike; mean "
                            "Kendall tau-b %6 over %7 prompts")
                             .arg(names[i], names[j])
                             .arg(cell.shared_prompts)
                             .arg(cell.pairs.agreeing)
                             .arg(cell.pairs.compared)
                             .arg(cell.tau_b_mean, 0, 'f', 3)
                             .arg(cell.tau_b_prompts));
      }
      matrix_->setItem(i, j, item);
    }
}

void AgreementView::fillLabelers() {
  labelers_->setRowCount(static_cast<int>(report_.labelers.size()));
  for (int row = 0; row < labelers_->rowCount(); ++row) {
    const db::LabelerStats& stats = report_.labelers[row];
    labelers_->setItem(row, 0, readOnly(QString::fromStdString(stats.name)));
    labelers_->setItem(row, 1, readOnly(QString::number(stats.rankings)));
    labelers_->setItem(row, 2,
                       rateItem(stats.with_consensus, tr("ordered as the consensus"), false));
    labelers_->setItem(row, 3,
                       rateItem(stats.position, tr("the earlier-shown completion won"), true));
    labelers_->setItem(row, 4, rateItem(stats.length, tr("the longer completion won"), true));
  }
  // Up to kStretchedRows labelers the table is as tall as its rows and the matrix takes the rest.
  int rows = labelers_->rowCount();
  int height = labelers_->horizontalHeader()->sizeHint().height() + 2 * labelers_->frameWidth() +
               rows * labelers_->verticalHeader()->defaultSectionSize();
  labelers_->setMaximumHeight(rows <= kStretchedRows ? height : QWIDGETSIZE_MAX);
}

}  // namespace prefstudio::ui
