// DataView: the project's data tab. A search box (debounced), a state filter (all, labeled,
// unlabeled, flagged), a labeler filter, the lazy prompt table (DataTableModel) and, for the
// selected prompt, its full text and completions. Opens its own read connection to the project
// (GUI thread); leaves editing to the labeling view.
#pragma once

#include <QWidget>
#include <memory>

#include "db/database.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTextBrowser;
class QTimer;

namespace prefstudio::ui {

class DataTableModel;

class DataView : public QWidget {
  Q_OBJECT

 public:
  // Throws db::DbError if the project cannot be opened.
  explicit DataView(const QString& projectPath, QWidget* parent = nullptr);
  ~DataView() override;

  DataTableModel* model() const { return model_; }
  QLineEdit* searchEdit() const { return search_; }
  QComboBox* stateBox() const { return state_; }
  QComboBox* labelerBox() const { return labeler_; }
  QTableView* table() const { return table_; }
  QTextBrowser* details() const { return details_; }

 public Q_SLOTS:
  // Reloads labelers and counts, e.g. after an import or merge.
  void refresh();
  // Applies the search box and filters now (the search box itself waits kSearchDelayMs).
  void applyFilter();

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  void setUpTable();
  void connectSignals();
  void reloadLabelers();
  void showPrompt(qint64 promptId);
  void updateCount();

  static constexpr int kSearchDelayMs = 250;
  std::unique_ptr<db::Database> db_;
  bool stale_ = false;  // the project changed while the tab was hidden: re-read rows on show
  DataTableModel* model_ = nullptr;
  QLineEdit* search_ = nullptr;
  QComboBox* state_ = nullptr;
  QComboBox* labeler_ = nullptr;
  QLabel* count_ = nullptr;
  QTableView* table_ = nullptr;
  QTextBrowser* details_ = nullptr;
  QTimer* search_timer_ = nullptr;
};

}  // namespace prefstudio::ui
