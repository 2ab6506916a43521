// The calm look of the studio: Fusion with a light palette, a readable base font and a short
// stylesheet for the labeling cards. Applied once by the GUI's main (and the UI tests/bench).
#pragma once

class QApplication;

namespace prefstudio::ui {

void applyCalmStyle(QApplication& app);

}  // namespace prefstudio::ui
