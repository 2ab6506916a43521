// Project merge: matching by content across different ids, merging twice changes nothing,
// conflicts resolved by the documented rule and reported, fast-forwards are not conflicts, and a
// failing merge leaves the target byte-for-byte as it was (compared by a dump of every table).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "db/project_merge.h"
#include "tests/db/db_test_util.h"
#include "db/schema.h"

namespace prefstudio::db {
namespace {

namespace fs = std::filesystem;

// Every row of every table as text, sorted: equal dumps mean equal projects.
std::string dump(Database& db) { return test::dump_rows(db); }

class MergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("prefstudio_merge_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) { return (dir_ / name).string(); }
  Database project(const std::string& name, const std::string& sql) {
    Database db = open_project(path(name));
    db.exec(sql);
    return db;
  }
  // The target: "What is 2+2?" with "Four" (1) and "4" (2); "Name a colour"; bob ranked
  // Four > 4 on 2026-01-01.
  Database target() {
    return project("target.sqlite", R"sql(
      INSERT INTO prompts (id, text) VALUES (1, 'What is 2+2?'), (2, 'Name a colour');
      INSERT INTO completions (id, prompt_id, text) VALUES (1, 1, 'Four'), (2, 1, '4'),
        (3, 2, 'Red'), (4, 2, 'Blue');
      INSERT INTO labelers (id, name) VALUES (1, 'bob');
      INSERT INTO rankings (id, prompt_id, labeler_id, created_at) VALUES
        (1, 1, 1, '2026-01-01T00:00:00.000Z');
      INSERT INTO ranking_entries VALUES (1, 1, 0), (1, 2, 1);
    )sql");
  }
  // Ranks of one labeler's current ranking of `prompt`, as (completion text, rank).
  std::vector<std::pair<std::string, int>> current(Database& db, const std::string& labeler,
                                                   const std::string& prompt) {
    Statement rows = db.prepare(
        "SELECT c.text, e.rank FROM rankings r JOIN labelers l ON l.id = r.labeler_id "
        "JOIN prompts p ON p.id = r.prompt_id JOIN ranking_entries e ON e.ranking_id = r.id "
        "JOIN completions c ON c.id = e.completion_id "
        "WHERE l.name = ?1 AND p.text = ?2 AND r.is_current = 1 ORDER BY e.rank, c.text");
    rows.bind(1, labeler).bind(2, prompt);
    std::vector<std::pair<std::string, int>> result;
    while (rows.step()) result.emplace_back(rows.column_text(0), rows.column_int(1));
    return result;
  }
  fs::path dir_;
};

TEST_F(MergeTest, MatchesByContentAndMergingTwiceChangesNothing) {
  Database into = target();
  // The source numbers everything differently and holds bob's same version (copied from the
  // target earlier) plus alice's work, one new completion, a flag, a comment and a card order.
  project("alice.sqlite", R"sql(
    INSERT INTO prompts (id, text) VALUES (1, 'Write a haiku'), (2, 'What is 2+2?');
    INSERT INTO completions (id, prompt_id, text) VALUES (1, 1, 'Leaves fall'),
      (2, 1, 'Snow melts'), (3, 2, '4'), (4, 2, 'Four'), (5, 2, 'Five');
    INSERT INTO labelers (id, name) VALUES (1, 'alice'), (2, 'bob');
    INSERT INTO rankings (id, prompt_id, labeler_id, comment, created_at) VALUES
      (1, 2, 2, NULL, '2026-01-01T00:00:00.000Z'),
      (2, 2, 1, 'five is wrong', '2026-01-03T00:00:00.000Z'),
      (3, 1, 1, NULL, '2026-01-03T00:01:00.000Z');
    INSERT INTO ranking_entries VALUES (1, 4, 0), (1, 3, 1), (2, 3, 0), (2, 4, 1), (2, 5, 2),
      (3, 1, 0), (3, 2, 1);
    INSERT INTO ranking_flags VALUES (2, 5, 'hallucination');
    INSERT INTO card_orders VALUES (2, 1, '[5, 4, 3]');
  )sql");

  MergeReport report = merge_project(into, path("alice.sqlite"));
  EXPECT_EQ(report.prompts_added, 1);
  EXPECT_EQ(report.completions_added, 3);
  EXPECT_EQ(report.labelers_added, 1);
  EXPECT_EQ(report.versions_added, 2);
  EXPECT_EQ(report.versions_present, 1);
  EXPECT_EQ(report.card_orders_added, 1);
  EXPECT_TRUE(report.conflicts.empty());
  EXPECT_EQ(current(into, "alice", "What is 2+2?"),
            (std::vector<std::pair<std::string, int>>{{"4", 0}, {"Four", 1}, {"Five", 2}}));
  EXPECT_EQ(current(into, "bob", "What is 2+2?"),
            (std::vector<std::pair<std::string, int>>{{"Four", 0}, {"4", 1}}));
  Statement flag = into.prepare(
      "SELECT c.text, r.comment FROM ranking_flags f JOIN completions c ON c.id = f.completion_id "
      "JOIN rankings r ON r.id = f.ranking_id");
  ASSERT_TRUE(flag.step());
  EXPECT_EQ(flag.column_text(0), "Five");
  EXPECT_EQ(flag.column_text(1), "five is wrong");
  auto id_of = [&](const char* text) {
    Statement find = into.prepare("SELECT id FROM completions WHERE text = ?1");
    find.bind(1, text).step();
    return std::to_string(find.column_int(0));
  };
  Statement order = into.prepare("SELECT order_json FROM card_orders");
  ASSERT_TRUE(order.step());  // alice saw Five, Four, 4: rewritten into the target's ids
  EXPECT_EQ(order.column_text(0),
            "[" + id_of("Five") + "," + id_of("Four") + "," + id_of("4") + "]");

  std::string before = dump(into);
  MergeReport again = merge_project(into, path("alice.sqlite"));
  EXPECT_FALSE(again.changed());
  EXPECT_EQ(again.versions_present, 3);
  EXPECT_EQ(dump(into), before);
}

TEST_F(MergeTest, LaterConflictingRankingWinsAndTheOtherIsKept) {
  Database into = target();
  project("bob.sqlite", R"sql(
    INSERT INTO prompts (id, text) VALUES (1, 'What is 2+2?');
    INSERT INTO completions (id, prompt_id, text) VALUES (1, 1, '4'), (2, 1, 'Four');
    INSERT INTO labelers (id, name) VALUES (1, 'bob');
    INSERT INTO rankings (id, prompt_id, labeler_id, created_at) VALUES
      (1, 1, 1, '2026-01-02T00:00:00.000Z');
    INSERT INTO ranking_entries VALUES (1, 1, 0), (1, 2, 1);
  )sql");
  MergeReport report = merge_project(into, path("bob.sqlite"));
  ASSERT_EQ(report.conflicts.size(), 1u);
  EXPECT_EQ(report.conflicts[0].labeler, "bob");
  EXPECT_EQ(report.conflicts[0].prompt_excerpt, "What is 2+2?");
  EXPECT_TRUE(report.conflicts[0].source_won);
  EXPECT_EQ(current(into, "bob", "What is 2+2?"),
            (std::vector<std::pair<std::string, int>>{{"4", 0}, {"Four", 1}}));
  Statement versions = into.prepare("SELECT count(*), max(version) FROM rankings");
  versions.step();
  EXPECT_EQ(versions.column_int(0), 2);  // the target's ranking stays as version 1
  EXPECT_EQ(versions.column_int(1), 2);

  std::string before = dump(into);
  MergeReport again = merge_project(into, path("bob.sqlite"));
  EXPECT_TRUE(again.conflicts.empty());
  EXPECT_EQ(dump(into), before);
}

TEST_F(MergeTest, EarlierConflictingRankingIsStoredButNotCurrent) {
  Database into = target();
  project("bob.sqlite", R"sql(
    INSERT INTO prompts (id, text) VALUES (1, 'What is 2+2?');
    INSERT INTO completions (id, prompt_id, text) VALUES (1, 1, '4'), (2, 1, 'Four');
    INSERT INTO labelers (id, name) VALUES (1, 'bob');
    INSERT INTO rankings (id, prompt_id, labeler_id, created_at) VALUES
      (1, 1, 1, '2025-12-31T00:00:00.000Z');
    INSERT INTO ranking_entries VALUES (1, 1, 0), (1, 2, 1);
  )sql");
  MergeReport report = merge_project(into, path("bob.sqlite"));
  ASSERT_EQ(report.conflicts.size(), 1u);
  EXPECT_FALSE(report.conflicts[0].source_won);
  EXPECT_EQ(report.versions_added, 1);
  EXPECT_EQ(current(into, "bob", "What is 2+2?"),
            (std::vector<std::pair<std::string, int>>{{"Four", 0}, {"4", 1}}));
}

TEST_F(MergeTest, EditOfTheTargetsOwnRankingIsAFastForward) {
  Database into = target();
  project("bob.sqlite", R"sql(
    INSERT INTO prompts (id, text) VALUES (1, 'What is 2+2?');
    INSERT INTO completions (id, prompt_id, text) VALUES (1, 1, 'Four'), (2, 1, '4');
    INSERT INTO labelers (id, name) VALUES (1, 'bob');
    INSERT INTO rankings (id, prompt_id, labeler_id, version, is_current, created_at) VALUES
      (1, 1, 1, 1, 0, '2026-01-01T00:00:00.000Z'), (2, 1, 1, 2, 1, '2026-01-05T00:00:00.000Z');
    INSERT INTO ranking_entries VALUES (1, 1, 0), (1, 2, 1), (2, 1, 0), (2, 2, 0);
  )sql");
  MergeReport report = merge_project(into, path("bob.sqlite"));
  EXPECT_TRUE(report.conflicts.empty());
  EXPECT_EQ(report.versions_added, 1);
  EXPECT_EQ(current(into, "bob", "What is 2+2?"),
            (std::vector<std::pair<std::string, int>>{{"4", 0}, {"Four", 0}}));
}

TEST_F(MergeTest, FailureLeavesTheTargetUnchanged) {
  Database into = target();
  project("alice.sqlite", R"sql(
    INSERT INTO prompts (id, text) VALUES (1, 'New prompt');
    INSERT INTO completions (id, prompt_id, text) VALUES (1, 1, 'a'), (2, 1, 'b');
    INSERT INTO labelers (id, name) VALUES (1, 'alice');
    INSERT INTO rankings (id, prompt_id, labeler_id) VALUES (1, 1, 1);
    INSERT INTO ranking_entries VALUES (1, 1, 0), (1, 2, 1);
    INSERT INTO ranking_flags VALUES (1, NULL, 'harmful');
  )sql");
  // Make the last step (copying the flag) fail after prompts, completions and the ranking went in.
  into.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON ranking_flags BEGIN "
      "SELECT RAISE(ABORT, 'refused by test'); END;");
  std::string before = dump(into);
  EXPECT_THROW(merge_project(into, path("alice.sqlite")), DbError);
  EXPECT_EQ(dump(into), before);
}

TEST_F(MergeTest, MergesASourceStillAtSchemaVersion1) {
  Database into = target();
  {
    Database old(path("old.sqlite"));
    migrate(old, 1);  // no card_orders, no strength column
    old.exec(R"sql(
      INSERT INTO prompts (id, text) VALUES (1, 'Name a colour');
      INSERT INTO completions (id, prompt_id, text) VALUES (1, 1, 'Blue'), (2, 1, 'Red');
      INSERT INTO labelers (id, name) VALUES (1, 'old');
      INSERT INTO rankings (id, prompt_id, labeler_id) VALUES (1, 1, 1);
      INSERT INTO ranking_entries VALUES (1, 1, 0), (1, 2, 1);
    )sql");
  }
  MergeReport report = merge_project(into, path("old.sqlite"));
  EXPECT_EQ(report.versions_added, 1);
  EXPECT_EQ(report.completions_added, 0);
  EXPECT_EQ(current(into, "old", "Name a colour"),
            (std::vector<std::pair<std::string, int>>{{"Blue", 0}, {"Red", 1}}));
  Database reopened(path("old.sqlite"), false);
  EXPECT_EQ(reopened.user_version(), 1);  // the source is only read, never migrated
}

TEST_F(MergeTest, CarriesFinishReasonsOfNewCompletions) {
  Database into = target();
  project("sampled.sqlite", R"sql(
    INSERT INTO prompts (id, text) VALUES (1, 'Name a colour');
    INSERT INTO completions (id, prompt_id, text, finish_reason) VALUES (1, 1, 'Green', 'eos'),
      (2, 1, 'Yellow and then some more', 'length'), (3, 1, 'Red', 'eos');
  )sql");
  MergeReport report = merge_project(into, path("sampled.sqlite"));
  EXPECT_EQ(report.completions_added, 2);
  Statement rows = into.prepare(
      "SELECT text, coalesce(finish_reason, 'NULL') FROM completions WHERE prompt_id = 2 "
      "ORDER BY text");
  std::vector<std::string> got;
  while (rows.step()) got.push_back(rows.column_text(0) + "=" + rows.column_text(1));
  // Red was already in the target (imported, reason unknown): the target's row stands.
  EXPECT_EQ(got, (std::vector<std::string>{"Blue=NULL", "Green=eos", "Red=NULL",
                                           "Yellow and then some more=length"}));
}

TEST_F(MergeTest, RefusesMissingForeignAndSelfSources) {
  Database into = target();
  EXPECT_THROW(merge_project(into, path("missing.sqlite")), DbError);
  EXPECT_THROW(merge_project(into, path("target.sqlite")), DbError);
  { Database empty(path("empty.sqlite")); }
  try {
    merge_project(into, path("empty.sqlite"));
    FAIL() << "expected DbError";
  } catch (const DbError& e) {
    EXPECT_NE(std::string(e.what()).find("not a Preference Studio project"), std::string::npos);
  }
}

}  // namespace
}  // namespace prefstudio::db
