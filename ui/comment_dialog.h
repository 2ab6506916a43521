// CommentDialog: a labeler's free-text comment on one prompt's answer. It opens on the comment
// already given (so OK never erases it by accident); Ctrl+Enter saves, like OK, and Escape
// cancels. Plain text: the comment is stored as typed.
#pragma once

#include <QDialog>
#include <optional>

class QPlainTextEdit;

namespace prefstudio::ui {

class CommentDialog : public QDialog {
  Q_OBJECT

 public:
  explicit CommentDialog(const QString& current, QWidget* parent = nullptr);
  QString text() const;
  QPlainTextEdit* editor() const { return edit_; }
  // Opens the dialog; nullopt when cancelled.
  static std::optional<QString> ask(QWidget* parent, const QString& current);

 private:
  QPlainTextEdit* edit_;
};

}  // namespace prefstudio::ui
