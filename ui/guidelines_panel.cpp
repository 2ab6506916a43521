// GuidelinesPanel (see guidelines_panel.h).
#include "ui/guidelines_panel.h"

#include <QPlainTextEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextCursor>
#include <QVBoxLayout>
#include <algorithm>

namespace prefstudio::ui {

GuidelinesPanel::GuidelinesPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  stack_ = new QStackedWidget(this);
  view_ = new QTextBrowser(stack_);
  view_->setObjectName("guidelinesText");
  view_->setOpenExternalLinks(true);
  editor_ = new QPlainTextEdit(stack_);
  stack_->addWidget(view_);
  stack_->addWidget(editor_);
  edit_ = new QPushButton(tr("Edit guidelines"), this);
  edit_->setFocusPolicy(Qt::NoFocus);
  layout->addWidget(stack_, 1);
  layout->addWidget(edit_, 0, Qt::AlignRight);
  connect(edit_, &QPushButton::clicked, this, [this] {
    if (stack_->currentWidget() == view_) {
      editor_->setPlainText(markdown_);
      stack_->setCurrentWidget(editor_);
      edit_->setText(tr("Save guidelines"));
    } else {
      Q_EMIT saveRequested(editor_->toPlainText());
    }
  });
}

void GuidelinesPanel::setMarkdown(const QString& markdown) {
  markdown_ = markdown;
  view_->setMarkdown(markdown.isEmpty() ? tr("*No guidelines yet. The project owner can add them "
                                             "with Edit.*")
                                        : markdown);
  // Markdown headings come out poster-sized in a side panel: scale them to the body text.
  qreal base = std::max<qreal>(view_->font().pointSizeF(), 9);
  for (QTextBlock block = view_->document()->begin(); block.isValid(); block = block.next()) {
    int level = block.blockFormat().headingLevel();
    if (level == 0) continue;
    QTextCursor cursor(block);
    cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
    QTextCharFormat format;
    format.setProperty(QTextFormat::FontSizeAdjustment, 0);  // the importer's 4 - level
    format.setFontPointSize(base + std::max(0, 4 - level));
    cursor.mergeCharFormat(format);
  }
  stack_->setCurrentWidget(view_);
  edit_->setText(tr("Edit guidelines"));
}

}  // namespace prefstudio::ui
