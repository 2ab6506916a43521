// CommentDialog (see comment_dialog.h). Ctrl+Enter is a window shortcut, so it works while the
// text field has the focus (Enter alone still makes a new line there).
#include "ui/comment_dialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QShortcut>
#include <QVBoxLayout>

namespace prefstudio::ui {

CommentDialog::CommentDialog(const QString& current, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Comment"));
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(tr("Comment on this prompt (Ctrl+Enter saves):"), this));
  edit_ = new QPlainTextEdit(current, this);
  edit_->setObjectName("commentText");
  edit_->moveCursor(QTextCursor::End);
  layout->addWidget(edit_, 1);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
  for (QKeySequence keys : {QKeySequence(Qt::CTRL | Qt::Key_Return),
                            QKeySequence(Qt::CTRL | Qt::Key_Enter)}) {
    auto* shortcut = new QShortcut(keys, this);
    shortcut->setContext(Qt::WindowShortcut);
    connect(shortcut, &QShortcut::activated, this, &QDialog::accept);
  }
  resize(460, 220);
  edit_->setFocus();
}

QString CommentDialog::text() const { return edit_->toPlainText(); }

std::optional<QString> CommentDialog::ask(QWidget* parent, const QString& current) {
  CommentDialog dialog(current, parent);
  if (dialog.exec() != QDialog::Accepted) return std::nullopt;
  return dialog.text();
}

}  // namespace prefstudio::ui
