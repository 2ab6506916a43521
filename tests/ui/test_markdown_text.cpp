// renderModelText: single newlines become line breaks, code fences and paragraphs untouched; raw
// HTML and character entities are shown as written, never interpreted; code blocks keep their
// lines in a fixed font on a background; raw mode is the stored text itself.
#include <QTextBlock>
#include <QTextDocument>
#include <QtTest>

#include "ui/markdown_text.h"

using prefstudio::ui::markdownWithHardBreaks;
using prefstudio::ui::renderedText;
using prefstudio::ui::renderModelText;

class TestMarkdownText : public QObject {
  Q_OBJECT

  static QString rendered(const QString& text, bool raw = false) {
    QTextDocument document;
    renderModelText(&document, text, raw);
    return renderedText(&document);
  }

 private Q_SLOTS:
  void singleNewlinesBreak() {
    QCOMPARE(markdownWithHardBreaks("a\nb\nc"), QString("a  \nb  \nc"));
  }
  void paragraphsAndFencesUntouched() {
    QString text = "para one\n\npara two\n```\nint x;\nint y;\n```\nafter";
    QCOMPARE(markdownWithHardBreaks(text), text);
  }
  void renderedPoemKeepsItsLines() {
    QCOMPARE(rendered("Down the loss we walk\nsmall steps\nat dusk"),
             QString("Down the loss we walk\nsmall steps\nat dusk"));
  }
  void htmlIsShownAsText() {
    QString prompt = "What does <b>x</b> mean? & <script>alert(1)</script>";
    QCOMPARE(rendered(prompt), prompt);
    QCOMPARE(rendered("<table><tr><td>cell</td></tr></table>"),
             QString("<table><tr><td>cell</td></tr></table>"));
    QCOMPARE(rendered("<div>\nblock\n</div>"), QString("<div>\nblock\n</div>"));
    QTextDocument document;
    renderModelText(&document, "What does <b>x</b> mean?", false);
    for (QTextBlock block = document.begin(); block.isValid(); block = block.next())
      for (auto it = block.begin(); !it.atEnd(); ++it)
        QVERIFY(it.fragment().charFormat().fontWeight() <= QFont::Normal);  // nothing made bold
  }
  void entitiesAreShownAsWritten() {
    QCOMPARE(rendered("&lt;b&gt; &amp; &#60; &copy; AT&T"),
             QString("&lt;b&gt; &amp; &#60; &copy; AT&T"));
    QCOMPARE(rendered("`a &lt; b` and\n```\nx &amp;& y\n```"),
             QString("a &lt; b and\nx &amp;& y"));
  }
  void markdownStillRenders() {
    QTextDocument document;
    renderModelText(&document, "explain **WAL** mode & more", false);
    QCOMPARE(renderedText(&document), QString("explain WAL mode & more"));
    QTextCursor cursor(&document);
    cursor.setPosition(renderedText(&document).indexOf("WAL") + 1);
    QCOMPARE(cursor.charFormat().fontWeight(), int(QFont::Bold));
  }
  void codeBlocksKeepTheirLines() {
    QTextDocument document;
    renderModelText(&document,
                    "Code:\n\n```cpp\nint a_very_long_name = compute(x, y) && other;\nreturn a;\n```",
                    false);
    int codeBlocks = 0;
    for (QTextBlock block = document.begin(); block.isValid(); block = block.next()) {
      if (!block.text().contains("a_very_long_name") && block.text() != "return a;") continue;
      ++codeBlocks;
      QVERIFY(block.blockFormat().nonBreakableLines());  // scrolls sideways, never wraps
      QVERIFY(block.blockFormat().background().style() != Qt::NoBrush);
      QVERIFY(block.begin().fragment().charFormat().fontFixedPitch());
    }
    QCOMPARE(codeBlocks, 2);
  }
  void rawModeIsTheStoredText() {
    QString text = "# Title\n\n**bold** <i>x</i> &lt;\n\n\n  indented";
    QCOMPARE(rendered(text, true), text);
  }
};

QTEST_MAIN(TestMarkdownText)
#include "test_markdown_text.moc"
