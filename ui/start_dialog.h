// StartDialog: shown when prefstudio starts without a project: recent projects, Open..., New...,
// and the labeler picker (the project's labelers, or a new name), remembered between starts.
// It only chooses; MainWindow opens.
#pragma once

#include <QDialog>

class QComboBox;
class QListWidget;
class QLabel;

namespace prefstudio::ui {

class StartDialog : public QDialog {
  Q_OBJECT

 public:
  explicit StartDialog(QWidget* parent = nullptr);
  QString projectPath() const { return path_; }
  QString labeler() const;

 private:
  void choose(const QString& path);
  void openFile();
  void newFile();

  QListWidget* recent_;
  QLabel* chosen_;
  QComboBox* labeler_;
  QString path_;
};

}  // namespace prefstudio::ui
