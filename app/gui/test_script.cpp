// TestScript (see test_script.h).
#include "test_script.h"

#include <QCoreApplication>
#include <QKeyEvent>
#include <QTimer>
#include <cstdio>

#include "ui/labeling_controller.h"
#include "ui/labeling_page.h"
#include "ui/ranking_view.h"

namespace prefstudio::gui {

TestScript* TestScript::fromEnvironment(prefstudio::ui::LabelingPage* page) {
  QString script = qEnvironmentVariable("PREFSTUDIO_TEST_SCRIPT");
  if (script.isEmpty() || !page) return nullptr;
  if (script.startsWith("submit:")) return new TestScript(page, script.mid(7).toInt(), QString());
  if (script.startsWith("keys:")) return new TestScript(page, 0, script.mid(5));
  std::fprintf(stderr, "PREFSTUDIO_TEST_SCRIPT: expected submit:N or keys:SEQ, got %s\n",
               qPrintable(script));
  return nullptr;
}

TestScript::TestScript(prefstudio::ui::LabelingPage* page, int submits, const QString& keys)
    : QObject(page), page_(page), submits_(submits), keys_(keys) {
  connect(page->controller(), &prefstudio::ui::LabelingController::submitted, this,
          [this](qint64 id) {
            std::printf("submitted %lld\n", static_cast<long long>(id));
            std::fflush(stdout);
            if (++done_ < submits_) QTimer::singleShot(0, this, &TestScript::rankShownPrompt);
          });
  connect(page->controller(), &prefstudio::ui::LabelingController::errorOccurred, this,
          [](QString message) {
            std::fprintf(stderr, "error %s\n", qPrintable(message));
            std::fflush(stderr);
          });
}

void TestScript::start() {
  if (keys_.isEmpty())
    QTimer::singleShot(0, this, &TestScript::rankShownPrompt);
  else
    QTimer::singleShot(0, this, &TestScript::typeKeys);
}

void TestScript::typeKeys() {
  for (QChar c : keys_) {
    int key = c == '=' ? Qt::Key_Equal : Qt::Key_0 + c.digitValue();
    if (c != '=' && !c.isDigit()) key = c.toUpper().unicode();  // letters map to Qt::Key_A..Z
    QCoreApplication::postEvent(page_->view(),
                                new QKeyEvent(QEvent::KeyPress, key, Qt::NoModifier, QString(c)));
  }
}

void TestScript::rankShownPrompt() {
  prefstudio::ui::RankingView* view = page_->view();
  int k = static_cast<int>(view->completionIds().size());
  if (k == 0) {
    std::printf("queue empty\n");
    std::fflush(stdout);
    return;
  }
  // Worst first: the reverse of the shown order, so the stored ranks are not the identity.
  for (int card = k; card >= 1; --card) {
    QCoreApplication::postEvent(view, new QKeyEvent(QEvent::KeyPress, Qt::Key_0 + card,
                                                    Qt::NoModifier, QString::number(card)));
  }
  QCoreApplication::postEvent(view,
                              new QKeyEvent(QEvent::KeyPress, Qt::Key_Return, Qt::NoModifier));
}

}  // namespace prefstudio::gui
