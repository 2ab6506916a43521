// bench_labeling: time from Enter (submit) to the next prompt fully shown, in a project of
// 1,000,000 completions (250,000 prompts x 4), and peak memory. Offscreen Qt, the real
// LabelingPage + controller + SQLite file. "Fully shown" = the submit's key event handled, pending
// events processed (layout, update requests) and the whole page rendered with grab().
// Usage: bench_labeling [PROJECT.sqlite] [--submits N] [--regenerate]
#include <sys/resource.h>

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QKeyEvent>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "db/schema.h"
#include "ui/app_style.h"
#include "ui/labeling_controller.h"
#include "ui/labeling_page.h"
#include "ui/ranking_view.h"

namespace {

constexpr int kPrompts = 250000;
constexpr int kPerPrompt = 4;
constexpr double kFrameMs = 1000.0 / 60.0;

// Markdown-ish completions of 250-600 characters, distinct per prompt and completion.
std::string completionText(int prompt, int completion) {
  std::string text =
      "Answer " + std::to_string(completion) + " to question " + std::to_string(prompt) + ".\n\n";
  static const char* kSentences[] = {
      "Write-ahead logging keeps readers and the writer out of each other's way. ",
      "A checkpoint copies committed pages back into the database file. ",
      "Use `PRAGMA journal_mode = WAL` once; it is persistent. ",
      "- each transaction appends frames\n- readers see a snapshot\n",
      "```sql\nBEGIN IMMEDIATE;\nINSERT INTO t VALUES (1);\nCOMMIT;\n```\n"};
  for (int s = 0; s < 3 + (prompt + completion) % 5; ++s)
    text += kSentences[(prompt + s * completion + s) % 5];
  return text;
}

void generate(const std::string& path) {
  std::remove(path.c_str());
  std::remove((path + "-wal").c_str());
  std::remove((path + "-shm").c_str());
  auto start = std::chrono::steady_clock::now();
  prefstudio::db::Database db = prefstudio::db::open_project(path);
  prefstudio::db::Transaction transaction(db);
  prefstudio::db::Statement prompt = db.prepare("INSERT INTO prompts (id, text) VALUES (?, ?)");
  prefstudio::db::Statement completion =
      db.prepare("INSERT INTO completions (prompt_id, text) VALUES (?, ?)");
  for (int p = 1; p <= kPrompts; ++p) {
    prompt.bind(1, p)
        .bind(2, "Question " + std::to_string(p) +
                     ": how does SQLite's **WAL mode** keep a label safe when the "
                     "program is killed?")
        .run();
    for (int c = 0; c < kPerPrompt; ++c) completion.bind(1, p).bind(2, completionText(p, c)).run();
  }
  transaction.commit();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("generated %d prompts x %d = %d completions in %.1f s\n", kPrompts, kPerPrompt,
              kPrompts * kPerPrompt, seconds);
}

int64_t completionCount(const std::string& path) {
  if (!QFileInfo::exists(QString::fromStdString(path))) return 0;
  prefstudio::db::Database db(path, false);
  prefstudio::db::Statement count = db.prepare("SELECT count(*) FROM completions");
  count.step();
  return count.column_int(0);
}

void sendKey(QWidget* target, int key, const QString& text = QString()) {
  QKeyEvent press(QEvent::KeyPress, key, Qt::NoModifier, text);
  QCoreApplication::sendEvent(target, &press);
}

double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(q * (values.size() - 1) + 0.5)];
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  prefstudio::ui::applyCalmStyle(app);
  std::string path = "/tmp/prefstudio_bench_labeling.sqlite";
  int submits = 200;
  bool regenerate = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--submits" && i + 1 < argc)
      submits = std::stoi(argv[++i]);
    else if (arg == "--regenerate")
      regenerate = true;
    else
      path = arg;
  }
  if (regenerate || completionCount(path) != int64_t(kPrompts) * kPerPrompt) generate(path);
  // Each run labels as a fresh labeler, so repeated runs start from the same queue position.
  QString labeler = QString("bench-%1").arg(QDateTime::currentMSecsSinceEpoch());

  QElapsedTimer open;
  open.start();
  prefstudio::ui::LabelingPage page(
      new prefstudio::ui::LabelingController(QString::fromStdString(path), labeler));
  page.resize(1360, 860);
  page.show();
  QCoreApplication::processEvents();
  (void)page.grab();
  std::printf("open project + first prompt shown: %.1f ms\n", open.nsecsElapsed() / 1e6);

  prefstudio::ui::RankingView* view = page.view();
  std::vector<double> ms, handler_ms;
  const int warmup = 5;
  for (int i = 0; i < submits + warmup; ++i) {
    int k = static_cast<int>(view->completionIds().size());
    qint64 before = view->promptId();
    for (int card = k; card >= 2; --card) sendKey(view, Qt::Key_0 + card, QString::number(card));
    QCoreApplication::processEvents();
    QElapsedTimer timer;
    timer.start();
    sendKey(view, Qt::Key_Return);  // commit, next prompt from the queue, swap the cards
    double handled = timer.nsecsElapsed() / 1e6;
    QCoreApplication::processEvents();
    (void)page.grab();  // layout and paint of everything on the page
    double elapsed = timer.nsecsElapsed() / 1e6;
    if (view->promptId() == before) {
      std::fprintf(stderr, "submit %d did not advance\n", i);
      return 1;
    }
    if (i >= warmup) {
      ms.push_back(elapsed);
      handler_ms.push_back(handled);
    }
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  double median = percentile(ms, 0.5), p95 = percentile(ms, 0.95);
  std::printf("Enter -> next prompt shown over %d submits (1,000,000 completions):\n", submits);
  std::printf("  median %.2f ms  p95 %.2f ms  max %.2f ms\n", median, p95,
              *std::max_element(ms.begin(), ms.end()));
  std::printf(
      "  of which the key handler (SQLite commit, queue, load, widgets updated): median "
      "%.2f ms  p95 %.2f ms; the rest is layout and paint\n",
      percentile(handler_ms, 0.5), percentile(handler_ms, 0.95));
  std::printf("  vs the 60 Hz frame budget %.1f ms: median %.2fx, p95 %.2fx\n", kFrameMs,
              median / kFrameMs, p95 / kFrameMs);
  std::printf("  peak RSS %.1f MiB\n", usage.ru_maxrss / 1024.0);
  return 0;
}
