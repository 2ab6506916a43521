// StartDialog (see start_dialog.h). The labelers of a chosen project are read with a short-lived
// read-only connection; a failure to read them is shown and leaves the name field free.
#include "ui/start_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>

#include "db/label_store.h"
#include "db/schema.h"
#include "ui/recent_projects.h"

namespace prefstudio::ui {

StartDialog::StartDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Preference Studio"));
  resize(560, 420);
  auto* layout = new QFormLayout(this);
  recent_ = new QListWidget(this);
  for (const QString& path : RecentProjects::projects()) recent_->addItem(path);
  auto* buttons = new QHBoxLayout;
  auto* open = new QPushButton(tr("Open project..."), this);
  auto* create = new QPushButton(tr("New project..."), this);
  buttons->addWidget(open);
  buttons->addWidget(create);
  buttons->addStretch(1);
  chosen_ = new QLabel(tr("No project chosen"), this);
  chosen_->setWordWrap(true);
  labeler_ = new QComboBox(this);
  labeler_->setEditable(true);
  labeler_->setEditText(RecentProjects::lastLabeler());
  auto* box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  box->button(QDialogButtonBox::Ok)->setText(tr("Start labeling"));
  layout->addRow(tr("Recent projects"), recent_);
  layout->addRow(QString(), buttons);
  layout->addRow(tr("Project"), chosen_);
  layout->addRow(tr("Labeler"), labeler_);
  layout->addRow(box);
  connect(recent_, &QListWidget::currentTextChanged, this, &StartDialog::choose);
  connect(open, &QPushButton::clicked, this, &StartDialog::openFile);
  connect(create, &QPushButton::clicked, this, &StartDialog::newFile);
  connect(box, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(box, &QDialogButtonBox::accepted, this, [this] {
    if (path_.isEmpty()) {
      chosen_->setText(tr("Choose or create a project first."));
    } else if (labeler().isEmpty()) {
      chosen_->setText(tr("Type your labeler name."));
    } else {
      RecentProjects::setLastLabeler(labeler());
      accept();
    }
  });
  if (recent_->count() > 0) recent_->setCurrentRow(0);
}

QString StartDialog::labeler() const { return labeler_->currentText().trimmed(); }

void StartDialog::choose(const QString& path) {
  path_ = path;
  chosen_->setText(path);
  QString typed = labeler();
  labeler_->clear();
  try {
    db::Database db = db::open_project(path.toStdString());
    for (const auto& name : db::LabelStore(db).labeler_names())
      labeler_->addItem(QString::fromStdString(name));
  } catch (const std::exception& error) {
    chosen_->setText(tr("%1\ncannot be read: %2").arg(path, QString::fromUtf8(error.what())));
    path_.clear();
  }
  labeler_->setEditText(typed.isEmpty() ? RecentProjects::lastLabeler() : typed);
}

void StartDialog::openFile() {
  QString path = QFileDialog::getOpenFileName(this, tr("Open project"), QString(),
                                              tr("Projects (*.sqlite *.db);;All files (*)"));
  if (!path.isEmpty()) choose(path);
}

void StartDialog::newFile() {
  QString path = QFileDialog::getSaveFileName(this, tr("New project"), "project.sqlite",
                                              tr("Projects (*.sqlite)"));
  if (!path.isEmpty()) choose(path);  // open_project creates and migrates it
}

}  // namespace prefstudio::ui
