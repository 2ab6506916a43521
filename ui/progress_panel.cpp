// ProgressPanel (see progress_panel.h).
#include "ui/progress_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace prefstudio::ui {

ProgressPanel::ProgressPanel(QWidget* parent) : QWidget(parent) {
  auto* column = new QVBoxLayout(this);
  column->setContentsMargins(12, 6, 12, 0);
  column->setSpacing(2);
  auto* layout = new QHBoxLayout();
  column->addLayout(layout);
  label_ = new QLabel(this);
  label_->setObjectName("progressText");
  bar_ = new QProgressBar(this);
  bar_->setTextVisible(false);
  bar_->setMaximumHeight(8);
  waiting_ = new QLabel(this);
  waiting_->setObjectName("waitingText");
  waiting_->setStyleSheet("color: #a15c00; font-weight: 600;");  // amber: pending, not an error
  waiting_->setWordWrap(true);  // on its own line, wrapped: it must never widen the window
  waiting_->hide();
  layout->addWidget(label_);
  layout->addWidget(bar_, 1);
  column->addWidget(waiting_);
}

void ProgressPanel::setWaiting(int count) {
  waiting_->setVisible(count > 0);
  const QString what = count == 1 ? tr("1 change") : tr("%1 changes").arg(count);
  waiting_->setText(count <= 0 ? QString()
                               : tr("%1 waiting for the database (another program holds it, e.g. "
                                    "an import)\u2026 saved as soon as it is free.")
                                     .arg(what));
}

QString ProgressPanel::waitingText() const { return waiting_->text(); }

void ProgressPanel::setCounts(const db::QueueCounts& counts, const QString& labeler,
                              bool nothingLeft) {
  QLocale locale;
  // A 32-bit progress bar range is plenty: 2^31 prompts would not fit a project anyway.
  bar_->setRange(0, static_cast<int>(std::max<int64_t>(counts.total, 1)));
  bar_->setValue(static_cast<int>(std::min(counts.done, counts.total)));
  QString done = locale.toString(static_cast<qlonglong>(counts.done));
  QString pace = paceText(counts, nothingLeft);
  if (nothingLeft && counts.done < counts.total) {
    // Never "13 of 14 done" beside "nothing left": say where the rest went.
    bar_->setValue(bar_->maximum());
    label_->setText(
        tr("%1: %2 prompts done, nothing left for you (the other %3 have enough labelers or wait "
           "for completions)%4")
            .arg(labeler, done, locale.toString(static_cast<qlonglong>(counts.total - counts.done)),
                 pace));
    return;
  }
  label_->setText(
      tr("%1: %2 of %3 prompts done%4")
          .arg(labeler, done, locale.toString(static_cast<qlonglong>(counts.total)), pace));
}

QString ProgressPanel::paceText(const db::QueueCounts& counts, bool nothingLeft) const {
  if (!counts.seconds_per_prompt) return QString();
  QLocale locale;
  const QString separator = QStringLiteral("  \u00b7  ");
  QString text =
      separator +
      tr("%1 s per prompt")
          .arg(locale.toString(std::max(1.0, std::round(*counts.seconds_per_prompt)), 'f', 0));
  if (nothingLeft || counts.remaining <= 0 || !counts.seconds_left) return text;
  QString prompts =
      counts.remaining == 1
          ? tr("1 prompt")
          : tr("%1 prompts").arg(locale.toString(static_cast<qlonglong>(counts.remaining)));
  if (counts.remaining_is_bound) prompts = tr("at most %1").arg(prompts);
  const double seconds = *counts.seconds_left;
  if (seconds < 60) return text + separator + tr("less than a minute left for %1").arg(prompts);
  const qlonglong minutes = std::llround(seconds / 60);
  if (minutes < 60)
    return text + separator + tr("about %1 min left for %2").arg(QString::number(minutes), prompts);
  const QString hours = locale.toString(minutes / 60);
  if (minutes % 60 == 0) return text + separator + tr("about %1 h left for %2").arg(hours, prompts);
  return text + separator +
         tr("about %1 h %2 min left for %3").arg(hours, QString::number(minutes % 60), prompts);
}

QString ProgressPanel::text() const { return label_->text(); }

}  // namespace prefstudio::ui
