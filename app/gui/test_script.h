// TestScript: a test hook, active only when PREFSTUDIO_TEST_SCRIPT is set. "submit:5" ranks the
// shown prompts by posting real key events to the ranking view (K..1, then Enter) and prints
// "submitted <ranking id>" to stdout, flushed, after each committed submit, then idles so a test
// can kill the process (tests/ui/test_kill_labeling.cpp). "keys:3=1" only types those keys (for
// screenshots of a ranking in progress). Nothing else uses it. Compiled into the test build's
// prefstudio-scripted only, never into the shipped prefstudio (app/CMakeLists.txt).
#pragma once

#include <QObject>
#include <QString>

namespace prefstudio::ui {
class LabelingPage;
}

namespace prefstudio::gui {

class TestScript : public QObject {
  Q_OBJECT

 public:
  // Parses the script; returns nullptr when the variable is unset.
  static TestScript* fromEnvironment(prefstudio::ui::LabelingPage* page);
  void start();

 private:
  TestScript(prefstudio::ui::LabelingPage* page, int submits, const QString& keys);
  void rankShownPrompt();
  void typeKeys();

  prefstudio::ui::LabelingPage* page_;
  int submits_;
  QString keys_;
  int done_ = 0;
};

}  // namespace prefstudio::gui
