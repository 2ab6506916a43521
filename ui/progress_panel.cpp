// ProgressPanel (see progress_panel.h).
#include "ui/progress_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>

namespace prefstudio::ui {

ProgressPanel::ProgressPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(12, 6, 12, 0);
  label_ = new QLabel(this);
  label_->setObjectName("progressText");
  bar_ = new QProgressBar(this);
  bar_->setTextVisible(false);
  bar_->setMaximumHeight(8);
  layout->addWidget(label_);
  layout->addWidget(bar_, 1);
}

void ProgressPanel::setCounts(const db::QueueCounts& counts, const QString& labeler,
                              bool nothingLeft) {
  QLocale locale;
  // A 32-bit progress bar range is plenty: 2^31 prompts would not fit a project anyway.
  bar_->setRange(0, static_cast<int>(std::max<int64_t>(counts.total, 1)));
  bar_->setValue(static_cast<int>(std::min(counts.done, counts.total)));
  QString done = locale.toString(static_cast<qlonglong>(counts.done));
  QString perHour = QString::number(counts.per_hour, 'f', 0);
  if (nothingLeft && counts.done < counts.total) {
    // Never "13 of 14 done" beside "nothing left": say where the rest went.
    bar_->setValue(bar_->maximum());
    label_->setText(
        tr("%1: %2 prompts done, nothing left for you (the other %3 have enough labelers or wait "
           "for completions)  \u00b7  %4 per hour")
            .arg(labeler, done,
                 locale.toString(static_cast<qlonglong>(counts.total - counts.done)), perHour));
    return;
  }
  label_->setText(tr("%1: %2 of %3 prompts done  \u00b7  %4 per hour")
                      .arg(labeler, done, locale.toString(static_cast<qlonglong>(counts.total)),
                           perHour));
}

QString ProgressPanel::text() const { return label_->text(); }

}  // namespace prefstudio::ui
