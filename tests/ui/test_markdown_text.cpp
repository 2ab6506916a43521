// markdownWithHardBreaks: single newlines become line breaks, code fences and paragraphs untouched,
// and the rendered document really keeps the poem's three lines.
#include <QTextDocument>
#include <QtTest>

#include "ui/markdown_text.h"

using prefstudio::ui::markdownWithHardBreaks;

class TestMarkdownText : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void singleNewlinesBreak() {
    QCOMPARE(markdownWithHardBreaks("a\nb\nc"), QString("a  \nb  \nc"));
  }
  void paragraphsAndFencesUntouched() {
    QString text = "para one\n\npara two\n```\nint x;\nint y;\n```\nafter";
    QCOMPARE(markdownWithHardBreaks(text), text);
  }
  void renderedPoemKeepsItsLines() {
    QTextDocument document;
    document.setMarkdown(markdownWithHardBreaks("Down the loss we walk\nsmall steps\nat dusk"));
    QCOMPARE(
        document.toPlainText().count(QChar::LineSeparator) + document.toPlainText().count('\n'), 2);
  }
};

QTEST_MAIN(TestMarkdownText)
#include "test_markdown_text.moc"
