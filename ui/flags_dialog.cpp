// FlagsDialog (see flags_dialog.h).
#include "ui/flags_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QListWidget>

namespace prefstudio::ui {

FlagsDialog::FlagsDialog(const QStringList& flags, int cardCount, QWidget* parent)
    : QDialog(parent) {
  setWindowTitle(tr("Flags"));
  auto* layout = new QFormLayout(this);
  target_ = new QComboBox(this);
  target_->addItem(tr("The whole set"), -1);
  for (int card = 0; card < cardCount; ++card) target_->addItem(tr("Card %1").arg(card + 1), card);
  list_ = new QListWidget(this);
  for (const QString& flag : flags) {
    auto* item = new QListWidgetItem(flag, list_);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(Qt::Unchecked);
  }
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addRow(tr("Applies to"), target_);
  layout->addRow(tr("Flags"), list_);
  layout->addRow(buttons);
}

FlagChoice FlagsDialog::choice() const {
  FlagChoice choice;
  int card = target_->currentData().toInt();
  for (int i = 0; i < list_->count(); ++i)
    if (list_->item(i)->checkState() == Qt::Checked) choice.append({card, list_->item(i)->text()});
  return choice;
}

}  // namespace prefstudio::ui
