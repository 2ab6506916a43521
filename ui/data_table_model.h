// DataTableModel: one row per prompt of a project (id, prompt excerpt, completions, labeled by,
// flags), read lazily through db::CompletionBrowser in pages of kPageSize around what the view
// asks for, with at most kPagesKept pages in memory. A filter change reads the matching ids once
// (db::PageIndex); after that any page, jumped to or scrolled to, is one keyset query, so a project
// of a million completions scrolls smoothly. Borrows the Database (GUI thread
// only); a failing query shows as empty rows and is reported once through errorOccurred.
#pragma once

#include <QAbstractTableModel>
#include <map>
#include <vector>

#include "db/completion_browser.h"

namespace prefstudio::ui {

class DataTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kId, kPrompt, kCompletions, kLabeledBy, kFlagged, kColumnCount };
  static constexpr int kPageSize = 200;  // rows per query: a few screens
  static constexpr int kPagesKept = 50;  // 10,000 rows cached at most

  explicit DataTableModel(db::Database& db, QObject* parent = nullptr);

  // Re-counts and drops the cache; the view goes back to the top.
  void setFilter(const db::BrowseFilter& filter);
  const db::BrowseFilter& filter() const { return filter_; }
  void refresh() { setFilter(filter_); }
  qint64 promptId(int row) const;                    // -1 when the row cannot be read
  int pagesLoaded() const { return pages_loaded_; }  // queries run so far, for tests

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 Q_SIGNALS:
  void errorOccurred(const QString& message);

 private:
  const db::BrowseRow* row(int index) const;
  const std::vector<db::BrowseRow>& page(int number) const;

  db::Database& db_;
  db::BrowseFilter filter_;
  int count_ = 0;
  db::PageIndex index_;  // where each page starts: every page is read by keyset
  mutable std::map<int, std::vector<db::BrowseRow>> pages_;
  mutable int pages_loaded_ = 0;
  mutable bool error_reported_ = false;
};

}  // namespace prefstudio::ui
