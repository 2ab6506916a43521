// HistoryPanel (see history_panel.h). Items carry the prompt id in Qt::UserRole.
#include "ui/history_panel.h"

#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>

namespace prefstudio::ui {

HistoryPanel::HistoryPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  auto* hint = new QLabel(tr("Double-click to reopen and change a ranking."), this);
  hint->setWordWrap(true);
  hint->setObjectName("hint");
  list_ = new QListWidget(this);
  list_->setObjectName("historyList");
  list_->setWordWrap(true);  // the prompt on its own line(s): enough of it to recognise
  list_->setSpacing(2);
  layout->addWidget(hint);
  layout->addWidget(list_, 1);
  connect(list_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
    Q_EMIT reopenRequested(item->data(Qt::UserRole).toLongLong());
  });
}

void HistoryPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  Q_EMIT refreshRequested();
}

void HistoryPanel::setEntries(const std::vector<db::HistoryEntry>& entries) {
  list_->setUpdatesEnabled(false);
  list_->clear();
  for (const db::HistoryEntry& entry : entries) {
    QString when = QString::fromStdString(entry.created_at).mid(11, 5);  // HH:MM (UTC)
    QString preview = QString::fromStdString(entry.prompt_preview).simplified();
    auto* item = new QListWidgetItem(
        QString("%1  %2%3\n%4")
            .arg(when, QString::fromStdString(entry.status),
                 entry.version > 1 ? QString(" v%1").arg(entry.version) : QString(), preview),
        list_);
    item->setData(Qt::UserRole, static_cast<qlonglong>(entry.prompt_id));
    item->setToolTip(preview);
  }
  list_->setUpdatesEnabled(true);
}

}  // namespace prefstudio::ui
