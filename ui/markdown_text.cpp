// renderModelText and helpers (see markdown_text.h). Entities: Qt's Markdown importer hands every
// entity md4c finds to its HTML parser, even with MarkdownNoHTML. So each '&' is swapped for a
// character the text does not contain before parsing and swapped back after: md4c never sees an
// entity, and code spans and blocks keep their '&' as well.
#include "ui/markdown_text.h"

#include <QBrush>
#include <QColor>
#include <QFontDatabase>
#include <QStringList>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>

namespace prefstudio::ui {

namespace {

constexpr QChar kBackstop{0xE000};  // first of the Private Use Area, tried upwards

QChar unusedCharacter(const QString& text) {
  QChar candidate = kBackstop;
  while (text.contains(candidate)) candidate = QChar(candidate.unicode() + 1);
  return candidate;
}

void restoreAmpersands(QTextDocument* document, QChar stand_in) {
  QTextCursor cursor(document);
  while (!(cursor = document->find(QString(stand_in), cursor, QTextDocument::FindCaseSensitively))
              .isNull())
    cursor.insertText("&", cursor.charFormat());  // keeps the code or emphasis format around it
}

// Code blocks come in as non-breakable lines: keep them so (the card scrolls sideways), in the
// fixed font, on a grey background so they read as code.
void styleCodeBlocks(QTextDocument* document) {
  const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  for (QTextBlock block = document->begin(); block.isValid(); block = block.next()) {
    if (!block.blockFormat().nonBreakableLines()) continue;
    QTextCursor cursor(block);
    QTextBlockFormat format = block.blockFormat();
    format.setBackground(QColor("#f0f3f6"));
    format.setLeftMargin(4);
    cursor.setBlockFormat(format);
    cursor.select(QTextCursor::BlockUnderCursor);
    QTextCharFormat chars;
    chars.setFontFamilies({fixed.family()});
    chars.setFontFixedPitch(true);
    cursor.mergeCharFormat(chars);
  }
}

}  // namespace

QString markdownWithHardBreaks(const QString& text) {
  QStringList lines = text.split('\n');
  bool inFence = false;
  for (int i = 0; i + 1 < lines.size(); ++i) {
    QString trimmed = lines[i].trimmed();
    if (trimmed.startsWith("```") || trimmed.startsWith("~~~")) {
      inFence = !inFence;
      continue;
    }
    // A break only between two lines of text: not inside code, not before a blank line or fence.
    QString next = lines[i + 1].trimmed();
    if (!inFence && !trimmed.isEmpty() && !next.isEmpty() && !next.startsWith("```") &&
        !lines[i].endsWith("  "))
      lines[i] += "  ";
  }
  return lines.join('\n');
}

void renderModelText(QTextDocument* document, const QString& text, bool raw) {
  if (raw) {
    document->setPlainText(text);
    return;
  }
  const bool hasAmpersand = text.contains('&');
  const QChar standIn = hasAmpersand ? unusedCharacter(text) : kBackstop;
  QString source = hasAmpersand ? QString(text).replace('&', standIn) : text;
  document->setMarkdown(markdownWithHardBreaks(source),
                        QTextDocument::MarkdownFeatures(QTextDocument::MarkdownDialectGitHub |
                                                        QTextDocument::MarkdownNoHTML));
  if (hasAmpersand) restoreAmpersands(document, standIn);
  styleCodeBlocks(document);
}

QString renderedText(const QTextDocument* document) {
  QString text = document->toRawText();
  text.replace(QChar::ParagraphSeparator, '\n').replace(QChar::LineSeparator, '\n');
  return text;
}

}  // namespace prefstudio::ui
