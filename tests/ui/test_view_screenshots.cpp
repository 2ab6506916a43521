// The agreement and data tabs on a simulated labeling team: five labelers rank four completions of
// 150 prompts from a hidden quality plus their own noise; "dana" favours the first card shown and
// "eli" the longer text. The test checks the views expose exactly those two biases, and when
// PREFSTUDIO_SCREENSHOT_DIR is set it saves agreement_view.png and data_view.png there (the
// README's screenshots: PREFSTUDIO_SCREENSHOT_DIR=docs/screenshots
// build/tests/ui/ui_test_view_screenshots).
#include <QDir>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <numeric>
#include <random>

#include "db/schema.h"
#include "ui/agreement_view.h"
#include "ui/data_table_model.h"
#include "ui/data_view.h"

using namespace prefstudio;

namespace {

const char* kTasks[] = {"Explain %s to a ten-year-old.", "Write a short poem about %s.",
                        "List three common mistakes people make with %s.",
                        "Summarize the history of %s in two sentences.",
                        "What are the pros and cons of %s?"};
const char* kTopics[] = {"photosynthesis",
                         "compound interest",
                         "the water cycle",
                         "sourdough bread",
                         "black holes",
                         "vaccines",
                         "the printing press",
                         "recursion",
                         "plate tectonics",
                         "jazz improvisation",
                         "the immune system",
                         "solar panels",
                         "the French Revolution",
                         "machine translation",
                         "coral reefs",
                         "public-key cryptography",
                         "marathon training",
                         "the Roman aqueducts",
                         "honeybees",
                         "inflation",
                         "tidal energy",
                         "the human heart",
                         "origami",
                         "volcanoes",
                         "chess openings",
                         "the Silk Road",
                         "climate models",
                         "sleep",
                         "electric cars",
                         "the periodic table"};
const char* kSentences[] = {"It starts with a simple idea that builds on itself.",
                            "Think of it like a recipe where each step depends on the last.",
                            "Scientists first described it carefully in the nineteenth century.",
                            "The key point is that small changes add up over time.",
                            "Most people get this wrong because the effect is slow at first.",
                            "A good example is something you can see in everyday life.",
                            "There are trade-offs, and the best choice depends on what you value.",
                            "In short: energy goes in, something useful comes out.",
                            "I am not sure, but it might be related to the moon.",
                            "Here is a quick summary with the main facts only."};

struct Labeler {
  const char* name;
  double noise;     // sd of the labeler's judgement noise
  double position;  // utility bonus per place earlier on screen
  double length;    // utility bonus per 100 characters
};

void buildTeamProject(const std::string& path) {
  const Labeler team[] = {{"ana", 0.35, 0, 0},
                          {"ben", 1.1, 0, 0},
                          {"chen", 0.45, 0, 0},
                          {"dana", 0.45, 0.8, 0},
                          {"eli", 0.45, 0, 1.4}};
  std::mt19937 rng(20261126);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  db::Database db = db::open_project(path);
  db::Transaction transaction(db);
  for (const auto& labeler : team)
    db.prepare("INSERT INTO labelers (name) VALUES (?1)").bind(1, labeler.name).run();
  db::Statement prompt = db.prepare("INSERT INTO prompts (text) VALUES (?1)");
  db::Statement completion =
      db.prepare("INSERT INTO completions (prompt_id, text) VALUES (?1, ?2)");
  db::Statement ranking =
      db.prepare("INSERT INTO rankings (prompt_id, labeler_id, seconds_spent) VALUES (?1, ?2, ?3)");
  db::Statement entry = db.prepare(
      "INSERT INTO ranking_entries (ranking_id, completion_id, rank) VALUES (?1, ?2, ?3)");
  db::Statement order =
      db.prepare("INSERT INTO card_orders (prompt_id, labeler_id, order_json) VALUES (?1, ?2, ?3)");
  for (int p = 0; p < 150; ++p) {
    std::string text = kTasks[p % 5];
    text.replace(text.find("%s"), 2, kTopics[p / 5]);
    prompt.bind(1, text).run();
    int64_t prompt_id = db.last_insert_rowid();
    std::vector<int64_t> ids;
    std::vector<double> quality, length;
    for (int c = 0; c < 4; ++c) {
      std::string answer;
      int sentences = 1 + static_cast<int>(uniform(rng) * 5);
      for (int s = 0; s < sentences; ++s)
        answer += std::string(kSentences[(p * 7 + c * 3 + s) % 10]) + " ";
      answer += "(" + std::to_string(c + 1) + ")";
      completion.bind(1, prompt_id).bind(2, answer).run();
      ids.push_back(db.last_insert_rowid());
      quality.push_back(normal(rng));
      length.push_back(answer.size() / 100.0);
    }
    for (int l = 0; l < 5; ++l) {
      if (uniform(rng) > 0.55) continue;
      std::vector<int> shown(4);
      std::iota(shown.begin(), shown.end(), 0);
      std::shuffle(shown.begin(), shown.end(), rng);
      std::vector<double> utility(4);
      for (int place = 0; place < 4; ++place) {
        int c = shown[place];
        utility[c] = quality[c] + team[l].noise * normal(rng) + team[l].position * (3 - place) +
                     team[l].length * length[c];
      }
      std::vector<int> best(4);
      std::iota(best.begin(), best.end(), 0);
      std::sort(best.begin(), best.end(), [&](int a, int b) { return utility[a] > utility[b]; });
      ranking.bind(1, prompt_id).bind(2, l + 1).bind(3, 20.0 + 40.0 * uniform(rng)).run();
      int64_t ranking_id = db.last_insert_rowid();
      int rank = 0;
      for (int i = 0; i < 4; ++i) {
        // Near-equal utilities become ties, as labelers press "=".
        if (i > 0 && utility[best[i - 1]] - utility[best[i]] > 0.1) rank = i;
        entry.bind(1, ranking_id).bind(2, ids[best[i]]).bind(3, rank).run();
      }
      std::string json = "[";
      for (int place = 0; place < 4; ++place)
        json += (place ? "," : "") + std::to_string(ids[shown[place]]);
      order.bind(1, prompt_id).bind(2, l + 1).bind(3, json + "]").run();
    }
  }
  db.exec(
      "INSERT INTO ranking_flags (ranking_id, flag) SELECT id, 'hallucination' FROM rankings "
      "WHERE id % 23 = 0");
  transaction.commit();
}

double rate(const db::PairAgreement& pairs) { return pairs.rate(); }

}  // namespace

class TestViewScreenshots : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    path_ = dir_.filePath("team.sqlite");
    buildTeamProject(path_.toStdString());
    out_ = qEnvironmentVariable("PREFSTUDIO_SCREENSHOT_DIR");
    if (!out_.isEmpty()) QVERIFY(QDir().mkpath(out_));
  }

  void agreementViewShowsTheTeamsBiases() {
    ui::AgreementView view(path_);
    view.resize(980, 720);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy done(&view, &ui::AgreementView::refreshed);
    view.refresh();
    QVERIFY(done.wait(20000));
    const auto& labelers = view.report().labelers;
    QCOMPARE(labelers.size(), size_t(5));
    QCOMPARE(labelers[3].name, std::string("dana"));
    QVERIFY(rate(labelers[3].position) > 0.65);  // favours the first card
    QVERIFY(rate(labelers[4].length) > 0.65);    // favours the longer text
    QVERIFY(std::abs(rate(labelers[0].position) - 0.5) < 0.1);
    QVERIFY(rate(labelers[1].with_consensus) < rate(labelers[0].with_consensus));  // noisy ben
    QVERIFY(view.labelers()->item(3, 3)->background().color().alpha() > 0);  // dana highlighted
    save(view, "agreement_view.png");
  }

  void dataViewScreenshot() {
    ui::DataView view(path_);
    view.resize(980, 620);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(view.model()->rowCount(), 150);
    view.table()->selectRow(2);
    QTest::qWait(50);
    save(view, "data_view.png");
  }

 private:
  void save(QWidget& widget, const char* name) {
    if (out_.isEmpty()) return;
    QTest::qWait(50);  // let queued layout and paint settle
    QVERIFY(widget.grab().save(QDir(out_).filePath(name)));
  }

  QTemporaryDir dir_;
  QString path_, out_;
};

QTEST_MAIN(TestViewScreenshots)
#include "test_view_screenshots.moc"
