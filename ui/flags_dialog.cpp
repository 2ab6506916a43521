// FlagsDialog (see flags_dialog.h). The check boxes show the chosen set for the target picked in
// the combo box; a flag given earlier that the project no longer offers is listed too.
#include "ui/flags_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QListWidget>
#include <algorithm>

namespace prefstudio::ui {

FlagsDialog::FlagsDialog(const QStringList& flags, int cardCount, const FlagChoice& current,
                         QWidget* parent)
    : QDialog(parent) {
  setWindowTitle(tr("Flags"));
  for (const auto& choice : current)
    if (!chosen_.contains(choice)) chosen_.append(choice);
  std::stable_sort(chosen_.begin(), chosen_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  auto* layout = new QFormLayout(this);
  target_ = new QComboBox(this);
  target_->addItem(tr("The whole set"), -1);
  for (int card = 0; card < cardCount; ++card) target_->addItem(tr("Card %1").arg(card + 1), card);
  QStringList names = flags;
  for (const auto& choice : chosen_)
    if (!names.contains(choice.second)) names << choice.second;
  list_ = new QListWidget(this);
  for (const QString& flag : names) {
    auto* item = new QListWidgetItem(flag, list_);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(Qt::Unchecked);
  }
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(target_, &QComboBox::currentIndexChanged, this, &FlagsDialog::showTarget);
  connect(list_, &QListWidget::itemChanged, this, &FlagsDialog::onItemChanged);
  layout->addRow(tr("Applies to"), target_);
  layout->addRow(tr("Flags"), list_);
  layout->addRow(buttons);
  showTarget();
}

void FlagsDialog::showTarget() {
  int card = target_->currentData().toInt();
  filling_ = true;
  for (int i = 0; i < list_->count(); ++i) {
    QListWidgetItem* item = list_->item(i);
    item->setCheckState(chosen_.contains({card, item->text()}) ? Qt::Checked : Qt::Unchecked);
  }
  filling_ = false;
}

void FlagsDialog::onItemChanged(QListWidgetItem* item) {
  if (filling_) return;
  QPair<int, QString> flag(target_->currentData().toInt(), item->text());
  chosen_.removeAll(flag);
  if (item->checkState() == Qt::Checked) {
    auto after = std::find_if(chosen_.begin(), chosen_.end(),
                              [&](const auto& other) { return other.first > flag.first; });
    chosen_.insert(after, flag);
  }
}

}  // namespace prefstudio::ui
