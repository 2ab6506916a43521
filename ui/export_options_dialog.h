// ExportOptionsDialog: asks what to export (format, split, pair mode, validation share, seed) and
// where, and returns it as an ExportRequest for runExport. Only gathers choices; the export itself
// runs in runExport's background task. The output path is checked to be non-empty, nothing more.
#pragma once

#include <QDialog>
#include <optional>

#include "ui/import_dialog.h"

class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;

namespace prefstudio::ui {

class ExportOptionsDialog : public QDialog {
  Q_OBJECT

 public:
  explicit ExportOptionsDialog(const QString& suggestedOutput, QWidget* parent = nullptr);

  ExportRequest request() const;
  QComboBox* formatBox() const { return format_; }
  QComboBox* splitBox() const { return split_; }
  QComboBox* modeBox() const { return mode_; }
  QLineEdit* outputEdit() const { return output_; }

  // Shows the dialog; empty when the user cancels.
  static std::optional<ExportRequest> ask(QWidget* parent, const QString& suggestedOutput);

 private:
  void updateState();

  QComboBox* format_ = nullptr;
  QComboBox* split_ = nullptr;
  QComboBox* mode_ = nullptr;
  QDoubleSpinBox* validation_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QLineEdit* output_ = nullptr;
  QDialogButtonBox* buttons_ = nullptr;
};

}  // namespace prefstudio::ui
