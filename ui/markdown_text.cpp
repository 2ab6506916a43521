// markdownWithHardBreaks (see markdown_text.h): two trailing spaces make a CommonMark hard break.
#include "ui/markdown_text.h"

#include <QStringList>

namespace prefstudio::ui {

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

}  // namespace prefstudio::ui
