// HistoryPanel: this labeler's current rankings, newest first; activating one asks to reopen that
// prompt for a change (which the store saves as a new version). Display only.
#pragma once

#include <QWidget>
#include <vector>

#include "db/label_store.h"

class QListWidget;

namespace prefstudio::ui {

class HistoryPanel : public QWidget {
  Q_OBJECT

 public:
  explicit HistoryPanel(QWidget* parent = nullptr);
  void setEntries(const std::vector<db::HistoryEntry>& entries);
  QListWidget* list() const { return list_; }

 Q_SIGNALS:
  void reopenRequested(qint64 promptId);
  // Emitted when the panel becomes visible: the list is only kept fresh while it is seen.
  void refreshRequested();

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  QListWidget* list_;
};

}  // namespace prefstudio::ui
