// ExportOptionsDialog (see export_options_dialog.h). The combo boxes carry the CLI's words as item
// data, so the request reads exactly like `prefstudio-cli export --format ... --split ...`.
#include "ui/export_options_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace prefstudio::ui {

ExportOptionsDialog::ExportOptionsDialog(const QString& suggestedOutput, QWidget* parent)
    : QDialog(parent) {
  setWindowTitle(tr("Export dataset"));
  format_ = new QComboBox(this);
  format_->addItem(tr("Preference pairs (TRL: prompt, chosen, rejected)"), "pairs");
  format_->addItem(tr("Rankings (this program's import format)"), "rankings");
  format_->addItem(tr("SFT (prompt, best completion)"), "sft");
  split_ = new QComboBox(this);
  split_->addItem(tr("All prompts"), "all");
  split_->addItem(tr("Training split"), "train");
  split_->addItem(tr("Validation split"), "validation");
  mode_ = new QComboBox(this);
  mode_->addItem(tr("Each labeler's pairs"), "per_labeler");
  mode_->addItem(tr("Consensus of the labelers"), "consensus");
  validation_ = new QDoubleSpinBox(this);
  validation_->setRange(0.0, 1.0);
  validation_->setSingleStep(0.05);
  validation_->setValue(0.1);
  seed_ = new QSpinBox(this);
  seed_->setRange(0, 1 << 30);
  output_ = new QLineEdit(suggestedOutput, this);
  auto* browse = new QPushButton(tr("Browse…"), this);
  auto* output_row = new QHBoxLayout;
  output_row->addWidget(output_, 1);
  output_row->addWidget(browse);

  auto* form = new QFormLayout(this);
  form->addRow(tr("Format"), format_);
  form->addRow(tr("Prompts"), split_);
  form->addRow(tr("Labelers"), mode_);
  form->addRow(tr("Validation share"), validation_);
  form->addRow(tr("Split seed"), seed_);
  form->addRow(tr("Output file"), output_row);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("Export"));
  form->addRow(buttons_);

  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(browse, &QPushButton::clicked, this, [this] {
    QString path = QFileDialog::getSaveFileName(this, tr("Export to"), output_->text(),
                                                tr("JSON Lines (*.jsonl)"));
    if (!path.isEmpty()) output_->setText(path);
  });
  connect(output_, &QLineEdit::textChanged, this, &ExportOptionsDialog::updateState);
  connect(split_, qOverload<int>(&QComboBox::currentIndexChanged), this,
          &ExportOptionsDialog::updateState);
  connect(format_, qOverload<int>(&QComboBox::currentIndexChanged), this,
          &ExportOptionsDialog::updateState);
  updateState();
}

void ExportOptionsDialog::updateState() {
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(!output_->text().trimmed().isEmpty());
  bool split = split_->currentData().toString() != "all";
  validation_->setEnabled(split);
  seed_->setEnabled(split);
  mode_->setEnabled(format_->currentData().toString() != "rankings");  // always per labeler
}

ExportRequest ExportOptionsDialog::request() const {
  ExportRequest request;
  request.format = format_->currentData().toString();
  request.split = split_->currentData().toString();
  request.mode = mode_->currentData().toString();
  request.validationFraction = validation_->value();
  request.seed = static_cast<quint64>(seed_->value());
  request.output = output_->text().trimmed();
  return request;
}

std::optional<ExportRequest> ExportOptionsDialog::ask(QWidget* parent,
                                                      const QString& suggestedOutput) {
  ExportOptionsDialog dialog(suggestedOutput, parent);
  if (dialog.exec() != QDialog::Accepted) return std::nullopt;
  return dialog.request();
}

}  // namespace prefstudio::ui
