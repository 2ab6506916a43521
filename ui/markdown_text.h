// Markdown as labelers expect to read model output: a single newline is a line break (as in chat
// interfaces), not a space, so poems, addresses and step lists keep their lines. Code fences are
// left alone. A pure function; the widgets call it before QTextDocument::setMarkdown.
#pragma once

#include <QString>

namespace prefstudio::ui {

QString markdownWithHardBreaks(const QString& text);

}  // namespace prefstudio::ui
