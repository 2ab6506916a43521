// DataView (see data_view.h). Fixed row heights matter here: with a million rows a resizing
// vertical header would measure every row.
#include "ui/data_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>
#include <map>

#include "db/completion_browser.h"
#include "db/schema.h"
#include "ui/data_table_model.h"
#include "ui/project_watcher.h"

namespace prefstudio::ui {

DataView::DataView(const QString& projectPath, QWidget* parent)
    : QWidget(parent),
      db_(std::make_unique<db::Database>(db::open_project(projectPath.toStdString(), false))) {
  search_ = new QLineEdit(this);
  search_->setPlaceholderText(tr("Search prompts and completions"));
  search_->setClearButtonEnabled(true);
  state_ = new QComboBox(this);
  state_->addItem(tr("All prompts"), static_cast<int>(db::BrowseFilter::State::kAll));
  state_->addItem(tr("Labeled"), static_cast<int>(db::BrowseFilter::State::kLabeled));
  state_->addItem(tr("Unlabeled"), static_cast<int>(db::BrowseFilter::State::kUnlabeled));
  state_->addItem(tr("Flagged"), static_cast<int>(db::BrowseFilter::State::kFlagged));
  labeler_ = new QComboBox(this);
  count_ = new QLabel(this);
  auto* refresh_button = new QPushButton(tr("Refresh"), this);

  model_ = new DataTableModel(*db_, this);
  table_ = new QTableView(this);
  setUpTable();
  details_ = new QTextBrowser(this);
  details_->setOpenLinks(false);
  details_->setPlaceholderText(tr("Select a prompt to read it and its completions."));

  auto* filters = new QHBoxLayout;
  filters->addWidget(search_, 1);
  filters->addWidget(state_);
  filters->addWidget(labeler_);
  filters->addWidget(count_);
  filters->addWidget(refresh_button);
  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(table_);
  splitter->addWidget(details_);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(filters);
  layout->addWidget(splitter, 1);

  search_timer_ = new QTimer(this);
  search_timer_->setSingleShot(true);
  search_timer_->setInterval(kSearchDelayMs);
  connect(refresh_button, &QPushButton::clicked, this, &DataView::refresh);
  connectSignals();
  reloadLabelers();
  // A labeler who ranks (here, in another copy, or by import) joins the filter without Refresh;
  // the rows are re-read when the tab is shown again (not under the reader's eyes).
  connect(new ProjectWatcher(projectPath, this), &ProjectWatcher::changed, this, [this] {
    reloadLabelers();
    if (!isVisible()) stale_ = true;
  });
  updateCount();
}

void DataView::setUpTable() {
  table_->setModel(model_);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setAlternatingRowColors(true);
  table_->setWordWrap(false);
  table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
  table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
  table_->verticalHeader()->hide();
  auto* header = table_->horizontalHeader();
  header->setSectionResizeMode(QHeaderView::Interactive);
  header->setSectionResizeMode(DataTableModel::kPrompt, QHeaderView::Stretch);
  table_->setColumnWidth(DataTableModel::kId, 70);
  table_->setColumnWidth(DataTableModel::kCompletions, 95);
  table_->setColumnWidth(DataTableModel::kLabeledBy, 180);
  table_->setColumnWidth(DataTableModel::kFlagged, 130);
}

void DataView::connectSignals() {
  connect(search_, &QLineEdit::textChanged, search_timer_, qOverload<>(&QTimer::start));
  connect(search_timer_, &QTimer::timeout, this, &DataView::applyFilter);
  connect(state_, qOverload<int>(&QComboBox::currentIndexChanged), this, &DataView::applyFilter);
  connect(labeler_, qOverload<int>(&QComboBox::currentIndexChanged), this, &DataView::applyFilter);
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            if (current.isValid()) showPrompt(model_->promptId(current.row()));
          });
  connect(model_, &DataTableModel::modelReset, this, [this] { details_->clear(); });
  connect(model_, &DataTableModel::errorOccurred, this,
          [this](const QString& message) { count_->setText(tr("Error: %1").arg(message)); });
}

DataView::~DataView() = default;

void DataView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (!stale_) return;
  stale_ = false;
  refresh();
}

void DataView::refresh() {
  reloadLabelers();
  applyFilter();
}

void DataView::reloadLabelers() {
  QVariant selected = labeler_->currentData();
  QSignalBlocker block(labeler_);
  labeler_->clear();
  labeler_->addItem(tr("Any labeler"));
  for (const auto& [id, name] : db::CompletionBrowser(*db_).labelers())
    labeler_->addItem(QString::fromStdString(name), QVariant::fromValue<qlonglong>(id));
  int index = selected.isValid() ? labeler_->findData(selected) : 0;
  labeler_->setCurrentIndex(index < 0 ? 0 : index);
}

void DataView::applyFilter() {
  search_timer_->stop();
  db::BrowseFilter filter;
  filter.state = static_cast<db::BrowseFilter::State>(state_->currentData().toInt());
  if (labeler_->currentData().isValid()) filter.labeler_id = labeler_->currentData().toLongLong();
  filter.search = search_->text().trimmed().toStdString();
  model_->setFilter(filter);
  updateCount();
}

void DataView::updateCount() {
  count_->setText(tr("%1 prompts").arg(QLocale().toString(model_->rowCount())));
}

namespace {

QString ordinal(int rank) {
  static const char* kSuffix[] = {"st", "nd", "rd"};
  return QString::number(rank + 1) + (rank < 3 ? kSuffix[rank] : "th");
}

}  // namespace

void DataView::showPrompt(qint64 promptId) {
  if (promptId < 0) return;
  try {
    db::CompletionBrowser browser(*db_);
    QString html = QStringLiteral("<h3>%1 %2</h3><p style='white-space: pre-wrap'>%3</p>")
                       .arg(tr("Prompt"))
                       .arg(promptId)
                       .arg(QString::fromStdString(browser.prompt_text(promptId)).toHtmlEscaped());
    // Who put each completion where: "ana 1st, ben 2nd".
    std::map<int64_t, QStringList> placed;
    QStringList unranked;
    for (const auto& ranking : browser.rankings(promptId)) {
      QString name = QString::fromStdString(ranking.labeler).toHtmlEscaped();
      if (ranking.status != "ranked")
        unranked << QStringLiteral("%1 (%2)").arg(name, QString::fromStdString(ranking.status));
      for (const auto& [completion, rank] : ranking.ranks)
        placed[completion] << QStringLiteral("%1 %2").arg(name, ordinal(rank));
    }
    if (!unranked.isEmpty())
      html += QStringLiteral("<p><i>%1 %2</i></p>").arg(tr("Not ranked by:"), unranked.join(", "));
    int number = 1;
    for (const auto& completion : browser.completions(promptId)) {
      QString model = completion.model.empty()
                          ? QString()
                          : QStringLiteral(" <i>(%1)</i>")
                                .arg(QString::fromStdString(completion.model).toHtmlEscaped());
      QString ranks = placed.count(completion.id)
                          ? QStringLiteral(" <span style='color:#2e6da4'>[%1]</span>")
                                .arg(placed[completion.id].join(", "))
                          : QString();
      html += QStringLiteral("<p><b>%1.</b>%2%3 <span style='white-space: pre-wrap'>%4</span></p>")
                  .arg(number++)
                  .arg(model, ranks)
                  .arg(QString::fromStdString(completion.text).toHtmlEscaped());
    }
    details_->setHtml(html);
  } catch (const std::exception& e) {
    details_->setPlainText(tr("Cannot read prompt %1: %2").arg(promptId).arg(e.what()));
  }
}

}  // namespace prefstudio::ui
