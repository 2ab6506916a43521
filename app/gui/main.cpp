// prefstudio: the GUI. `prefstudio PROJECT.sqlite --labeler NAME` opens straight into labeling as
// that labeler (created if new); without a project, the start dialog. --screenshot FILE saves the
// window after it is shown and quits (for the README screenshots). Only wiring lives here.
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>
#include <cstdio>

#ifdef PREFSTUDIO_TEST_HOOKS
#include "test_script.h"
#endif
#include "ui/app_style.h"
#include "ui/labeling_page.h"
#include "ui/main_window.h"
#include "ui/recent_projects.h"
#include "ui/start_dialog.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("PreferenceStudio");
  QApplication::setApplicationName("prefstudio");
  QApplication::setApplicationVersion("0.1.0");
  prefstudio::ui::applyCalmStyle(app);

  QCommandLineParser parser;
  parser.setApplicationDescription("Preference Studio: label, train reward models, PPO/DPO.");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("project", "The project file (.sqlite); created if new.");
  QCommandLineOption labelerOption("labeler", "Label as NAME (created if new).", "NAME");
  QCommandLineOption screenshotOption("screenshot", "Save the window to FILE and quit.", "FILE");
  parser.addOption(labelerOption);
  parser.addOption(screenshotOption);
  parser.process(app);

  QString project = parser.positionalArguments().value(0);
  QString labeler = parser.value(labelerOption);
  if (project.isEmpty()) {
    prefstudio::ui::StartDialog start;
    if (start.exec() != QDialog::Accepted) return 0;
    project = start.projectPath();
    labeler = start.labeler();
  }
  if (labeler.isEmpty()) labeler = prefstudio::ui::RecentProjects::lastLabeler();
  if (labeler.isEmpty()) labeler = qEnvironmentVariable("USER", "labeler");

  prefstudio::ui::MainWindow window;
  if (!window.openProject(project, labeler)) return 1;
  window.show();
#ifdef PREFSTUDIO_TEST_HOOKS
  // Test builds only (prefstudio-scripted): a script of key presses from the environment.
  if (auto* script = prefstudio::gui::TestScript::fromEnvironment(window.labelingPage()))
    script->start();
#endif
  if (parser.isSet(screenshotOption)) {
    QString file = parser.value(screenshotOption);
    QTimer::singleShot(1200, &window, [&window, file] {
      bool saved = window.grab().save(file);
      std::fprintf(saved ? stdout : stderr, "%s %s\n", saved ? "saved" : "cannot save",
                   qPrintable(file));
      QApplication::exit(saved ? 0 : 1);
    });
  }
  return app.exec();
}
