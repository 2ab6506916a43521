// LabelStore on an in-memory project: versions on edit, undo, skip, all-bad, flags, comments,
// the stored card shuffle, suggestions behind their setting, settings round trip, bad input.
#include <gtest/gtest.h>

#include "db/label_store.h"
#include "db/schema.h"

using namespace prefstudio::db;

namespace {

// Inserts a prompt with `k` completions; returns the prompt id. Completion ids are returned in
// `completions` in insertion order.
int64_t add_prompt(Database& db, const std::string& text, int k,
                   std::vector<int64_t>* completions = nullptr) {
  db.prepare("INSERT INTO prompts (text) VALUES (?)").bind(1, text).run();
  int64_t prompt_id = db.last_insert_rowid();
  for (int i = 0; i < k; ++i) {
    db.prepare("INSERT INTO completions (prompt_id, text) VALUES (?, ?)")
        .bind(1, prompt_id)
        .bind(2, text + " answer " + std::to_string(i))
        .run();
    if (completions) completions->push_back(db.last_insert_rowid());
  }
  return prompt_id;
}

int64_t count(Database& db, const std::string& sql) {
  Statement statement = db.prepare(sql);
  statement.step();
  return statement.column_int(0);
}

class LabelStoreTest : public ::testing::Test {
 protected:
  Database db_ = open_project(":memory:");
  LabelStore store_{db_};
  std::vector<int64_t> completions_;
  int64_t prompt_ = add_prompt(db_, "Explain WAL", 4, &completions_);
  int64_t alice_ = store_.get_or_create_labeler("alice");

  RankingSubmission ranking(std::vector<int> ranks) {
    RankingSubmission submission;
    submission.prompt_id = prompt_;
    submission.labeler_id = alice_;
    for (size_t i = 0; i < ranks.size(); ++i)
      submission.ranks.emplace_back(completions_[i], ranks[i]);
    submission.seconds_spent = 12.5;
    return submission;
  }
};

TEST_F(LabelStoreTest, LabelerIsCreatedOnceAndNamed) {
  EXPECT_EQ(store_.get_or_create_labeler("alice"), alice_);
  int64_t bob = store_.get_or_create_labeler("bob");
  EXPECT_NE(bob, alice_);
  EXPECT_EQ(store_.labeler_names(), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_THROW(store_.get_or_create_labeler(""), DbError);
}

TEST_F(LabelStoreTest, SubmitStoresRanksWithTiesFlagsComment) {
  RankingSubmission submission = ranking({1, 0, 2, 1});
  submission.flags.push_back({completions_[2], "hallucination"});
  submission.flags.push_back({std::nullopt, "harmful"});
  submission.comment = "close call";
  int64_t id = store_.submit_ranking(submission);
  RankingRecord record = store_.ranking(id);
  EXPECT_EQ(record.status, "ranked");
  EXPECT_EQ(record.version, 1);
  EXPECT_TRUE(record.is_current);
  EXPECT_EQ(record.comment, "close call");
  EXPECT_DOUBLE_EQ(record.seconds_spent, 12.5);
  ASSERT_EQ(record.ranks.size(), 4u);
  EXPECT_EQ(record.ranks[0], std::make_pair(completions_[1], 0));
  EXPECT_EQ(record.ranks[1].second, 1);
  EXPECT_EQ(record.ranks[2].second, 1);  // the tie
  EXPECT_EQ(record.ranks[3], std::make_pair(completions_[2], 2));
  ASSERT_EQ(record.flags.size(), 2u);
  EXPECT_EQ(record.flags[0].completion_id, completions_[2]);
  EXPECT_FALSE(record.flags[1].completion_id.has_value());
}

TEST_F(LabelStoreTest, EditAddsVersionAndKeepsOld) {
  int64_t first = store_.submit_ranking(ranking({0, 1, 2, 3}));
  int64_t second = store_.submit_ranking(ranking({3, 2, 1, 0}));
  EXPECT_FALSE(store_.ranking(first).is_current);
  EXPECT_EQ(store_.ranking(second).version, 2);
  EXPECT_EQ(store_.current_ranking(prompt_, alice_)->id, second);
  EXPECT_EQ(count(db_, "SELECT count(*) FROM rankings"), 2);
  EXPECT_EQ(count(db_, "SELECT count(*) FROM ranking_entries"), 8);
}

TEST_F(LabelStoreTest, UndoDeletesVersionAndRestoresPrevious) {
  int64_t first = store_.submit_ranking(ranking({0, 1, 2, 3}));
  int64_t second = store_.submit_ranking(ranking({3, 2, 1, 0}));
  EXPECT_EQ(store_.undo_submit(second), prompt_);
  EXPECT_EQ(store_.current_ranking(prompt_, alice_)->id, first);
  EXPECT_EQ(count(db_, "SELECT count(*) FROM ranking_entries"), 4);
  EXPECT_THROW(store_.undo_submit(second), DbError);  // gone
  store_.undo_submit(first);
  EXPECT_FALSE(store_.current_ranking(prompt_, alice_).has_value());
  // With every version undone the prompt is fresh again: numbering restarts at 1.
  int64_t third = store_.submit_ranking(ranking({0, 0, 1, 1}));
  EXPECT_EQ(store_.ranking(third).version, 1);
}

TEST_F(LabelStoreTest, UndoRefusesARankingChangedSince) {
  int64_t first = store_.submit_ranking(ranking({0, 1, 2, 3}));
  store_.submit_ranking(ranking({1, 0, 2, 3}));
  EXPECT_THROW(store_.undo_submit(first), DbError);
}

TEST_F(LabelStoreTest, SkipAndAllBadAreVersionsWithoutEntries) {
  int64_t skipped = store_.skip({prompt_, alice_, {}, {}, "", 3});
  EXPECT_EQ(store_.ranking(skipped).status, "skipped");
  RankingSubmission bad = ranking({0, 1, 2, 3});
  bad.flags.push_back({std::nullopt, "unreadable"});
  int64_t all_bad = store_.mark_all_bad(bad);
  RankingRecord record = store_.ranking(all_bad);
  EXPECT_EQ(record.status, "all_bad");
  EXPECT_TRUE(record.ranks.empty());
  EXPECT_EQ(record.flags.size(), 1u);
  EXPECT_EQ(record.version, 2);
}

TEST_F(LabelStoreTest, FlagAndCommentAnnotateTheCurrentRankingInPlace) {
  int64_t first = store_.submit_ranking(ranking({0, 1, 2, 3}));
  store_.add_flag(first, {completions_[0], "harmful"});
  store_.set_comment(first, "second thoughts");
  RankingRecord record = store_.ranking(first);
  EXPECT_EQ(record.comment, "second thoughts");
  ASSERT_EQ(record.flags.size(), 1u);
  EXPECT_EQ(record.flags[0].flag, "harmful");
  store_.submit_ranking(ranking({1, 0, 2, 3}));
  EXPECT_THROW(store_.add_flag(first, {std::nullopt, "harmful"}), DbError);
  EXPECT_THROW(store_.set_comment(first, "x"), DbError);
}

TEST_F(LabelStoreTest, EachFlagIsStoredOnceAndSetFlagsReplacesThem) {
  RankingSubmission submission = ranking({0, 1, 2, 3});
  submission.flags = {{std::nullopt, "harmful"}, {std::nullopt, "harmful"}, {completions_[1], "x"}};
  int64_t id = store_.submit_ranking(submission);
  EXPECT_EQ(store_.ranking(id).flags.size(), 2u);
  store_.add_flag(id, {std::nullopt, "harmful"});  // already there: nothing added
  store_.add_flag(id, {completions_[1], "x"});
  EXPECT_EQ(count(db_, "SELECT count(*) FROM ranking_flags"), 2);
  store_.set_flags(id, {{completions_[2], "unreadable"}, {completions_[2], "unreadable"}});
  RankingRecord record = store_.ranking(id);
  ASSERT_EQ(record.flags.size(), 1u);
  EXPECT_EQ(record.flags[0].flag, "unreadable");
  EXPECT_EQ(record.flags[0].completion_id, completions_[2]);
  store_.set_flags(id, {});  // all removed
  EXPECT_EQ(count(db_, "SELECT count(*) FROM ranking_flags"), 0);
  store_.submit_ranking(ranking({1, 0, 2, 3}));
  EXPECT_THROW(store_.set_flags(id, {}), DbError);  // no longer current
}

TEST_F(LabelStoreTest, BadSubmissionsAreRefusedAndLeaveNothing) {
  EXPECT_THROW(store_.submit_ranking(ranking({0, 1, 2})), DbError);  // one missing
  RankingSubmission twice = ranking({0, 1, 2, 3});
  twice.ranks[1].first = completions_[0];
  EXPECT_THROW(store_.submit_ranking(twice), DbError);
  std::vector<int64_t> other;
  add_prompt(db_, "Other prompt", 2, &other);
  RankingSubmission foreign = ranking({0, 1, 2, 3});
  foreign.ranks[3].first = other[0];
  try {
    store_.submit_ranking(foreign);
    FAIL() << "a foreign completion was accepted";
  } catch (const DbError& error) {
    EXPECT_NE(std::string(error.what()).find("not one of its completions"), std::string::npos);
  }
  RankingSubmission strong = ranking({0, 1, 2, 3});
  strong.strength = 7;
  EXPECT_THROW(store_.submit_ranking(strong), DbError);
  EXPECT_EQ(count(db_, "SELECT count(*) FROM rankings"), 0);
}

TEST_F(LabelStoreTest, PairwiseStrengthIsStored) {
  std::vector<int64_t> pair;
  int64_t prompt = add_prompt(db_, "Pairwise", 2, &pair);
  RankingSubmission submission;
  submission.prompt_id = prompt;
  submission.labeler_id = alice_;
  submission.ranks = {{pair[1], 0}, {pair[0], 1}};
  submission.strength = 3;
  EXPECT_EQ(store_.ranking(store_.submit_ranking(submission)).strength, 3);
}

TEST_F(LabelStoreTest, CardOrderIsShuffledStoredAndStable) {
  std::vector<int64_t> many;
  int64_t prompt = add_prompt(db_, "Nine", 9, &many);
  PromptForLabeling first = store_.load_prompt(prompt, alice_);
  ASSERT_EQ(first.cards.size(), 9u);
  std::vector<int64_t> shown;
  for (const auto& card : first.cards) shown.push_back(card.id);
  EXPECT_NE(shown, many) << "nine cards came back in imported order";
  EXPECT_TRUE(std::is_permutation(shown.begin(), shown.end(), many.begin()));
  EXPECT_EQ(count(db_, "SELECT count(*) FROM card_orders"), 1);
  // Another connection-independent read gives the same order, and bob gets his own.
  PromptForLabeling again = store_.load_prompt(prompt, alice_);
  for (size_t i = 0; i < 9; ++i) EXPECT_EQ(again.cards[i].id, shown[i]);
  int64_t bob = store_.get_or_create_labeler("bob");
  PromptForLabeling bobs = store_.load_prompt(prompt, bob);
  std::vector<int64_t> bob_shown;
  for (const auto& card : bobs.cards) bob_shown.push_back(card.id);
  EXPECT_NE(bob_shown, shown);
  EXPECT_EQ(first.cards[0].text.rfind("Nine answer", 0), 0u);
}

TEST_F(LabelStoreTest, SuggestionsOnlyWhenEnabled) {
  db_.prepare("INSERT INTO suggested_rankings (prompt_id, source, ranking_json) VALUES (?, ?, ?)")
      .bind(1, prompt_)
      .bind(2, "import")
      .bind(3, "[" + std::to_string(completions_[2]) + "," + std::to_string(completions_[0]) + "," +
                   std::to_string(completions_[1]) + "," + std::to_string(completions_[3]) + "]")
      .run();
  EXPECT_TRUE(store_.load_prompt(prompt_, alice_).suggestions.empty());
  ProjectSettings settings = store_.settings();
  settings.show_suggestions = true;
  store_.save_settings(settings);
  auto suggestions = store_.load_prompt(prompt_, alice_).suggestions;
  ASSERT_EQ(suggestions.size(), 1u);
  EXPECT_EQ(suggestions[0].source, "import");
  EXPECT_EQ(suggestions[0].completion_ids.front(), completions_[2]);
}

TEST_F(LabelStoreTest, SettingsRoundTripAndValidation) {
  ProjectSettings settings;
  settings.guidelines = "# Rank by helpfulness";
  settings.queue_order = "random";
  settings.queue_seed = 42;
  settings.overlap = 3;
  settings.custom_flags = {"off-topic", "copies the prompt"};
  store_.save_settings(settings);
  ProjectSettings back = store_.settings();
  EXPECT_EQ(back.guidelines, settings.guidelines);
  EXPECT_EQ(back.queue_order, "random");
  EXPECT_EQ(back.queue_seed, 42);
  EXPECT_EQ(back.overlap, 3);
  EXPECT_EQ(back.custom_flags, settings.custom_flags);
  settings.queue_order = "alphabetical";
  EXPECT_THROW(store_.save_settings(settings), DbError);
  db_.exec("UPDATE project_settings SET value = 'many' WHERE key = 'overlap'");
  try {
    store_.settings();
    FAIL() << "a bad overlap was read";
  } catch (const DbError& error) {
    EXPECT_NE(std::string(error.what()).find("overlap"), std::string::npos);
  }
}

TEST_F(LabelStoreTest, HistoryListsCurrentRankingsNewestFirst) {
  std::vector<int64_t> second_completions;
  int64_t second_prompt = add_prompt(db_, "Second prompt", 2, &second_completions);
  store_.submit_ranking(ranking({0, 1, 2, 3}));
  store_.skip({second_prompt, alice_, {}, {}, "", 1});
  store_.submit_ranking(ranking({1, 0, 2, 3}));  // an edit: still one entry for the prompt
  auto history = store_.history(alice_);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].prompt_id, prompt_);
  EXPECT_EQ(history[0].version, 2);
  EXPECT_EQ(history[1].status, "skipped");
  EXPECT_EQ(history[1].prompt_preview, "Second prompt");
}

}  // namespace
