// While another connection holds a project's write lock (an import holds it for its whole file),
// the labeling reads and best-effort writes do not wait for it: DbError::busy() tells a held lock
// from other failures, ScopedBusyTimeout(0) fails at once, the queue hands out a prompt without its
// reservation, load_prompt leaves storing the card order to the answer, and a known labeler opens
// read-only.
#include <gtest/gtest.h>

#include <chrono>

#include "db/label_queue.h"
#include "db/label_store.h"
#include "db/schema.h"
#include "db_test_util.h"

namespace prefstudio::db {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A project of three prompts with two completions each and labeler "ann"; returns the path.
std::string make_project(const test::TempDir& dir) {
  std::string path = dir.file("held.sqlite");
  Database db = open_project(path);
  LabelStore store(db);
  store.get_or_create_labeler("ann");
  ProjectSettings settings = store.settings();
  settings.overlap = 1;  // reservations on
  store.save_settings(settings);
  for (int p = 0; p < 3; ++p) {
    db.prepare("INSERT INTO prompts (text) VALUES (?)")
        .bind(1, "prompt " + std::to_string(p))
        .run();
    int64_t prompt = db.last_insert_rowid();
    for (int c = 0; c < 2; ++c)
      db.prepare("INSERT INTO completions (prompt_id, text) VALUES (?, ?)")
          .bind(1, prompt)
          .bind(2, "answer " + std::to_string(c))
          .run();
  }
  return path;
}

class HeldLock : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = make_project(dir_);
    db_ = std::make_unique<Database>(open_project(path_));
    holder_ = std::make_unique<Database>(path_, false);
    holder_->exec("BEGIN IMMEDIATE");
  }
  void TearDown() override { holder_->exec("ROLLBACK"); }

  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<Database> db_;      // the labeler's connection (busy timeout 10 s)
  std::unique_ptr<Database> holder_;  // the import's
};

TEST_F(HeldLock, NoWaitFailsAtOnceAndSaysBusy) {
  ScopedBusyTimeout no_wait(*db_, 0);
  const auto start = Clock::now();
  try {
    Transaction transaction(*db_);
    FAIL() << "BEGIN IMMEDIATE succeeded under another connection's lock";
  } catch (const DbError& error) {
    EXPECT_TRUE(error.busy()) << error.what();
  }
  EXPECT_LT(ms_since(start), 50);
}

TEST_F(HeldLock, ScopedBusyTimeoutRestoresTheTimeout) {
  {
    ScopedBusyTimeout no_wait(*db_, 0);
    EXPECT_EQ(db_->busy_timeout_ms(), 0);
  }
  EXPECT_EQ(db_->busy_timeout_ms(), 10000);
}

TEST_F(HeldLock, OtherErrorsAreNotBusy) {
  try {
    db_->exec("INSERT INTO no_such_table VALUES (1)");
    FAIL();
  } catch (const DbError& error) {
    EXPECT_FALSE(error.busy()) << error.what();
  }
}

TEST_F(HeldLock, QueueHandsOutAPromptWithoutItsReservation) {
  LabelStore store(*db_);
  int64_t ann = store.get_or_create_labeler("ann");
  LabelQueue queue(*db_, ann, store.settings());
  const auto start = Clock::now();
  std::optional<int64_t> next = queue.next();
  const double waited = ms_since(start);
  ASSERT_TRUE(next.has_value());
  EXPECT_LT(waited, 1000) << "waited for the lock instead of going on unreserved";
  EXPECT_EQ(test::count_rows(*db_, "queue_reservations"), 0);
  // Once the lock frees, handing out reserves again.
  holder_->exec("ROLLBACK");
  next = queue.next();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(test::count_rows(*db_, "queue_reservations"), 1);
  holder_->exec("BEGIN IMMEDIATE");  // for TearDown
}

TEST_F(HeldLock, LoadPromptShowsTheSameShuffleWithoutStoringIt) {
  LabelStore store(*db_);
  int64_t ann = store.get_or_create_labeler("ann");
  const auto start = Clock::now();
  PromptForLabeling shown = store.load_prompt(1, ann);
  EXPECT_LT(ms_since(start), 1000);
  EXPECT_EQ(test::count_rows(*db_, "card_orders"), 0);
  holder_->exec("ROLLBACK");
  PromptForLabeling again = store.load_prompt(1, ann);  // stored now
  EXPECT_EQ(test::count_rows(*db_, "card_orders"), 1);
  ASSERT_EQ(shown.cards.size(), again.cards.size());
  for (size_t i = 0; i < shown.cards.size(); ++i) EXPECT_EQ(shown.cards[i].id, again.cards[i].id);
  holder_->exec("BEGIN IMMEDIATE");
}

TEST_F(HeldLock, TheAnswerStoresTheCardOrderShownUnderTheLock) {
  LabelStore store(*db_);
  int64_t ann = store.get_or_create_labeler("ann");
  PromptForLabeling shown = store.load_prompt(2, ann);
  holder_->exec("ROLLBACK");
  RankingSubmission answer;
  answer.prompt_id = 2;
  answer.labeler_id = ann;
  std::string expected = "[";
  for (size_t i = 0; i < shown.cards.size(); ++i) {
    answer.ranks.emplace_back(shown.cards[i].id, static_cast<int>(i));
    expected += (i ? "," : "") + std::to_string(shown.cards[i].id);
  }
  store.submit_ranking(answer);
  Statement order = db_->prepare("SELECT order_json FROM card_orders WHERE prompt_id = 2");
  ASSERT_TRUE(order.step());
  EXPECT_EQ(order.column_text(0), expected + "]");
  holder_->exec("BEGIN IMMEDIATE");
}

TEST_F(HeldLock, AKnownLabelerOpensWithoutTheLock) {
  LabelStore store(*db_);
  const auto start = Clock::now();
  EXPECT_GT(store.get_or_create_labeler("ann"), 0);
  EXPECT_LT(ms_since(start), 1000);
}

}  // namespace
}  // namespace prefstudio::db
