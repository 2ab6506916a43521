// DataTableModel (see data_table_model.h). Every page is read by keyset from the page index; rows
// added since the index was built show up on refresh().
#include "ui/data_table_model.h"

#include <QBrush>
#include <QColor>
#include <QLocale>
#include <QMetaObject>
#include <climits>
#include <cstdlib>

namespace prefstudio::ui {

DataTableModel::DataTableModel(db::Database& db, QObject* parent)
    : QAbstractTableModel(parent), db_(db) {
  setFilter({});
}

void DataTableModel::setFilter(const db::BrowseFilter& filter) {
  beginResetModel();
  filter_ = filter;
  pages_.clear();
  error_reported_ = false;
  try {
    index_ = db::CompletionBrowser(db_).page_index(filter, kPageSize);
    count_ = static_cast<int>(std::min<int64_t>(INT_MAX, index_.count));
  } catch (const std::exception& e) {
    count_ = 0;
    index_ = {};
    Q_EMIT errorOccurred(QString::fromStdString(e.what()));
  }
  endResetModel();
}

const std::vector<db::BrowseRow>& DataTableModel::page(int number) const {
  auto found = pages_.find(number);
  if (found != pages_.end()) return found->second;
  std::vector<db::BrowseRow> rows;
  try {
    db::CompletionBrowser browser(db_);
    if (number >= 0 && static_cast<size_t>(number) < index_.page_starts.size())
      rows = browser.fetch_after(filter_, index_.page_starts[number] - 1, kPageSize);
    ++pages_loaded_;
  } catch (const std::exception& e) {
    if (!error_reported_) {
      error_reported_ = true;
      QString message = QString::fromStdString(e.what());
      // Queued: data() runs inside painting, where a synchronous message box would re-enter it.
      auto* self = const_cast<DataTableModel*>(this);
      QMetaObject::invokeMethod(
          self, [self, message] { Q_EMIT self->errorOccurred(message); }, Qt::QueuedConnection);
    }
  }
  while (static_cast<int>(pages_.size()) >= kPagesKept) {
    // Drop the page farthest from the one wanted: the view scrolls away from it.
    auto farthest = pages_.begin();
    for (auto it = pages_.begin(); it != pages_.end(); ++it)
      if (std::abs(it->first - number) > std::abs(farthest->first - number)) farthest = it;
    pages_.erase(farthest);
  }
  return pages_.emplace(number, std::move(rows)).first->second;
}

const db::BrowseRow* DataTableModel::row(int index) const {
  if (index < 0 || index >= count_) return nullptr;
  const auto& rows = page(index / kPageSize);
  size_t offset = static_cast<size_t>(index % kPageSize);
  return offset < rows.size() ? &rows[offset] : nullptr;
}

qint64 DataTableModel::promptId(int index) const {
  const db::BrowseRow* found = row(index);
  return found ? found->prompt_id : -1;
}

int DataTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : count_;
}

int DataTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant DataTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  if (role == Qt::TextAlignmentRole)
    return index.column() == kId || index.column() == kCompletions
               ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
               : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole && role != Qt::ForegroundRole) return {};
  const db::BrowseRow* found = row(index.row());
  if (!found) return {};
  if (role == Qt::ForegroundRole)
    return index.column() == kFlagged ? QVariant(QBrush(QColor(0xc6, 0x28, 0x28))) : QVariant();
  switch (index.column()) {
    case kId:
      return QVariant::fromValue<qlonglong>(found->prompt_id);
    case kPrompt:
      return QString::fromStdString(found->excerpt).simplified();
    case kCompletions:
      return QVariant::fromValue<qlonglong>(found->completions);
    case kLabeledBy:
      return QString::fromStdString(found->labeled_by);
    case kFlagged:
      return QString::fromStdString(found->flags);
  }
  return {};
}

QVariant DataTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (role != Qt::DisplayRole) return {};
  if (orientation == Qt::Vertical) return QLocale().toString(section + 1);
  switch (section) {
    case kId:
      return tr("ID");
    case kPrompt:
      return tr("Prompt");
    case kCompletions:
      return tr("Completions");
    case kLabeledBy:
      return tr("Labeled by");
    case kFlagged:
      return tr("Flags");
  }
  return {};
}

}  // namespace prefstudio::ui
