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
  QCommandLineOption viewOption("view", "Open on VIEW: label, data, agreement or training.", "VIEW",
                                "label");
  QCommandLineOption runsOption("runs", "In the Training tab, select these runs (e.g. 2,3,4, or all).",
                                "IDS");
  QCommandLineOption delayOption("screenshot-delay", "Wait MS before the screenshot.", "MS", "1200");
  parser.addOption(labelerOption);
  parser.addOption(screenshotOption);
  parser.addOption(viewOption);
  parser.addOption(runsOption);
  parser.addOption(delayOption);
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
  if (!window.showView(parser.value(viewOption))) {
    std::fprintf(stderr, "unknown view '%s': label, data, agreement or training\n",
                 qPrintable(parser.value(viewOption)));
    return 2;
  }
  if (parser.isSet(runsOption)) {
    QVector<qint64> runs;  // empty: all
    if (parser.value(runsOption) != "all")
      for (const QString& id : parser.value(runsOption).split(',', Qt::SkipEmptyParts))
        runs << id.toLongLong();
    window.selectTrainingRuns(runs);
  }
  window.show();
#ifdef PREFSTUDIO_TEST_HOOKS
  // Test builds only (prefstudio-scripted): a script of key presses from the environment.
  if (auto* script = prefstudio::gui::TestScript::fromEnvironment(window.labelingPage()))
    script->start();
#endif
  if (parser.isSet(screenshotOption)) {
    QString file = parser.value(screenshotOption);
    QTimer::singleShot(parser.value(delayOption).toInt(), &window, [&window, file] {
      bool saved = window.grab().save(file);
      std::fprintf(saved ? stdout : stderr, "%s %s\n", saved ? "saved" : "cannot save",
                   qPrintable(file));
      QApplication::exit(saved ? 0 : 1);
    });
  }
  return app.exec();
}
