// How model text (prompts and completions) is put on screen, so that what a labeler judges is what
// the model wrote. Markdown is rendered, but raw HTML is shown as text and character entities
// (&lt; &amp; &#60;) as written: neither is ever interpreted. A single newline is a line break (as
// in chat interfaces). Code blocks keep their lines (monospace, a background, sideways scroll).
// Raw mode shows the stored text unchanged. Pure functions on a QTextDocument; no widgets.
#pragma once

#include <QString>

class QTextDocument;

namespace prefstudio::ui {

// Two trailing spaces (a CommonMark hard break) on every line followed by a line of text, outside
// code fences. Used by renderModelText; exposed for its tests.
QString markdownWithHardBreaks(const QString& text);

// Fills `document` with `text`: Markdown without HTML and without entities, or, when `raw`, the
// text itself (plain, wrapped).
void renderModelText(QTextDocument* document, const QString& text, bool raw);

// The document's characters as a labeler reads them: paragraph and line separators as '\n',
// nothing else changed (unlike QTextDocument::toPlainText, which turns a no-break space into a
// space). Tests compare it with the stored text.
QString renderedText(const QTextDocument* document);

}  // namespace prefstudio::ui
