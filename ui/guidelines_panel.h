// GuidelinesPanel: the project's labeling instructions as Markdown, with an Edit mode for the
// project owner. Emits the new text; LabelingController saves it.
#pragma once

#include <QWidget>

class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTextBrowser;

namespace prefstudio::ui {

class GuidelinesPanel : public QWidget {
  Q_OBJECT

 public:
  explicit GuidelinesPanel(QWidget* parent = nullptr);
  void setMarkdown(const QString& markdown);
  QString markdown() const { return markdown_; }

 Q_SIGNALS:
  void saveRequested(QString markdown);

 private:
  QString markdown_;
  QStackedWidget* stack_;
  QTextBrowser* view_;
  QPlainTextEdit* editor_;
  QPushButton* edit_;
};

}  // namespace prefstudio::ui
