// LabelQueue: order (imported, seeded random, lowest margin under one score source), skipped counts
// as done, overlap, a prompt that gains a completion coming back to those who ranked it, counts and
// pace (seconds per prompt, breaks left out), and that the per-candidate lookups are index
// searches, never scans.
#include <gtest/gtest.h>

#include <cmath>

#include "db/completion_store.h"
#include "db/label_queue.h"
#include "db/schema.h"
#include "db/score_store.h"

using namespace prefstudio::db;

namespace {

class LabelQueueTest : public ::testing::Test {
 protected:
  Database db_ = open_project(":memory:");
  LabelStore store_{db_};
  std::vector<int64_t> prompts_;
  std::vector<std::vector<int64_t>> completions_;
  int64_t alice_ = store_.get_or_create_labeler("alice");
  int64_t bob_ = store_.get_or_create_labeler("bob");
  int64_t carol_ = store_.get_or_create_labeler("carol");

  void SetUp() override {
    for (int p = 0; p < 6; ++p) {
      db_.prepare("INSERT INTO prompts (text) VALUES (?)")
          .bind(1, "prompt " + std::to_string(p))
          .run();
      prompts_.push_back(db_.last_insert_rowid());
      completions_.emplace_back();
      for (int c = 0; c < 3; ++c) {
        db_.prepare("INSERT INTO completions (prompt_id, text) VALUES (?, ?)")
            .bind(1, prompts_.back())
            .bind(2, "c" + std::to_string(c))
            .run();
        completions_.back().push_back(db_.last_insert_rowid());
      }
    }
  }

  int64_t rank(size_t p, int64_t labeler) {
    RankingSubmission submission;
    submission.prompt_id = prompts_[p];
    submission.labeler_id = labeler;
    for (int c = 0; c < 3; ++c) submission.ranks.emplace_back(completions_[p][c], c);
    return store_.submit_ranking(submission);
  }

  // Ranks every completion the prompt has now, in id order.
  int64_t rank_all(size_t p, int64_t labeler) {
    RankingSubmission submission;
    submission.prompt_id = prompts_[p];
    submission.labeler_id = labeler;
    Statement ids = db_.prepare("SELECT id FROM completions WHERE prompt_id = ? ORDER BY id");
    ids.bind(1, prompts_[p]);
    for (int rank = 0; ids.step(); ++rank) submission.ranks.emplace_back(ids.column_int(0), rank);
    return store_.submit_ranking(submission);
  }

  // Sets a ranking's time to `seconds` after a fixed start.
  void set_time(int64_t ranking_id, double seconds) {
    db_.prepare(
           "UPDATE rankings SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', "
           "'2026-01-05T09:00:00', ? || ' seconds') WHERE id = ?")
        .bind(1, "+" + std::to_string(seconds))
        .bind(2, ranking_id)
        .run();
  }

  ProjectSettings settings(const std::string& order, int overlap) {
    ProjectSettings settings;
    settings.queue_order = order;
    settings.overlap = overlap;
    settings.queue_seed = 7;
    return settings;
  }
};

TEST_F(LabelQueueTest, AsImportedSkipsOwnRankingsAndSkips) {
  rank(0, alice_);
  store_.skip(
      {prompts_[1], alice_, {}, {}, "", 1});  // a skip takes the prompt out of alice's queue too
  LabelQueue queue(db_, alice_, settings("as_imported", 0));
  EXPECT_EQ(queue.next(), prompts_[2]);
  EXPECT_EQ(queue.next(), prompts_[2]);  // stays until done
  rank(2, alice_);
  queue.mark_done(prompts_[2]);
  EXPECT_EQ(queue.next(), prompts_[3]);
  // Undo of prompt 0 in this session: the walk wraps around and offers it again at the end.
  store_.undo_submit(store_.current_ranking(prompts_[0], alice_)->id);
  queue.mark_undone(prompts_[0]);
  for (size_t p = 3; p < 6; ++p) {
    EXPECT_EQ(queue.next(), prompts_[p]);
    rank(p, alice_);
    queue.mark_done(prompts_[p]);
  }
  EXPECT_EQ(queue.next(), prompts_[0]);
  rank(0, alice_);
  queue.mark_done(prompts_[0]);
  EXPECT_FALSE(queue.next().has_value());
}

TEST_F(LabelQueueTest, PromptsWithoutTwoCompletionsAreNotOffered) {
  db_.prepare("DELETE FROM completions WHERE prompt_id = ? AND id != ?")
      .bind(1, prompts_[0])
      .bind(2, completions_[0][0])
      .run();
  db_.prepare("DELETE FROM completions WHERE prompt_id = ?").bind(1, prompts_[1]).run();
  LabelQueue queue(db_, alice_, settings("as_imported", 0));
  EXPECT_EQ(queue.next(), prompts_[2]);
}

TEST_F(LabelQueueTest, RankingsFromAnotherProgramAreSeenWithoutMarkDone) {
  LabelQueue queue(db_, alice_, settings("as_imported", 0));
  EXPECT_EQ(queue.next(), prompts_[0]);
  rank(0, alice_);  // e.g. a second copy of the program as the same labeler
  EXPECT_EQ(queue.next(), prompts_[1]);
}

TEST_F(LabelQueueTest, OverlapLimitsLabelersPerPromptAndSkipsDoNotCount) {
  rank(0, bob_);
  rank(0, carol_);
  rank(1, bob_);
  store_.skip({prompts_[2], bob_, {}, {}, "", 1});
  store_.skip({prompts_[2], carol_, {}, {}, "", 1});
  LabelQueue two(db_, alice_, settings("as_imported", 2));
  EXPECT_EQ(two.next(), prompts_[1]);  // prompt 0 has its two labelers
  LabelQueue one(db_, alice_, settings("as_imported", 1));
  EXPECT_EQ(one.next(), prompts_[2]);  // prompt 1 has bob; prompt 2 only skips
  LabelQueue unlimited(db_, alice_, settings("as_imported", 0));
  EXPECT_EQ(unlimited.next(), prompts_[0]);
}

TEST_F(LabelQueueTest, RandomOrderIsASeededPermutation) {
  LabelQueue a(db_, alice_, settings("random", 1));
  LabelQueue b(db_, bob_, settings("random", 1));
  EXPECT_EQ(a.order(), b.order());  // same seed, same project order
  EXPECT_NE(a.order(), prompts_);
  EXPECT_TRUE(std::is_permutation(a.order().begin(), a.order().end(), prompts_.begin()));
  ProjectSettings other = settings("random", 1);
  other.queue_seed = 8;
  EXPECT_NE(LabelQueue(db_, alice_, other).order(), a.order());
  EXPECT_EQ(a.next(), a.order()[0]);
}

TEST_F(LabelQueueTest, LowMarginPutsHardestPromptsFirst) {
  // Scores per prompt: margins 0.5 (p0), 0.01 (p3), 2.0 (p5); the rest unscored.
  std::vector<std::pair<int64_t, double>> scores;
  auto score = [&](size_t p, std::vector<double> s) {
    for (size_t c = 0; c < s.size(); ++c) scores.emplace_back(completions_[p][c], s[c]);
  };
  score(0, {1.0, 0.5, -1});
  score(3, {0.3, 0.31, 0.0});
  score(5, {3.0, 1.0, 0.0});
  ScoreStore(db_).store_scores("rm", "reward model", "/rm", scores);
  LabelQueue queue(db_, alice_, settings("low_margin", 1));
  std::vector<int64_t> expected = {prompts_[3], prompts_[0], prompts_[5],
                                   prompts_[1], prompts_[2], prompts_[4]};
  EXPECT_EQ(queue.order(), expected);
}

// Two reward models' scores never mix: the newest source decides unless the settings name one.
TEST_F(LabelQueueTest, LowMarginUsesOneSourceNewestByDefault) {
  ScoreStore scores(db_);
  // "old" finds p1 hardest (margin 0.1), "new" finds p4 hardest (margin 0.2) and p1 easy.
  scores.store_scores("old", "", "", {{completions_[1][0], 1.0}, {completions_[1][1], 0.9}});
  scores.store_scores("new", "", "",
                      {{completions_[4][0], 0.0},
                       {completions_[4][1], 0.2},
                       {completions_[1][0], 5.0},
                       {completions_[1][1], 0.0}});
  db_.exec("UPDATE score_sources SET scored_at = '2000-01-01T00:00:00.000Z' WHERE source = 'old'");
  db_.exec("UPDATE score_sources SET scored_at = '2000-01-02T00:00:00.000Z' WHERE source = 'new'");
  LabelQueue newest(db_, alice_, settings("low_margin", 1));
  EXPECT_EQ(newest.order(), (std::vector<int64_t>{prompts_[4], prompts_[1], prompts_[0],
                                                  prompts_[2], prompts_[3], prompts_[5]}));
  ProjectSettings pinned = settings("low_margin", 1);
  pinned.queue_score_source = "old";
  store_.save_settings(pinned);
  EXPECT_EQ(store_.settings().queue_score_source, "old");
  LabelQueue chosen(db_, alice_, store_.settings());
  EXPECT_EQ(chosen.order(), (std::vector<int64_t>{prompts_[1], prompts_[0], prompts_[2],
                                                  prompts_[3], prompts_[4], prompts_[5]}));
  // Scoring "old" again makes it the newest, so the default follows it too.
  scores.store_scores("old", "", "", {{completions_[1][0], 1.0}, {completions_[1][1], 0.9}});
  EXPECT_EQ(LabelQueue(db_, alice_, settings("low_margin", 1)).order()[0], prompts_[1]);
}

TEST_F(LabelQueueTest, LowMarginWithoutScoresKeepsTheImportedOrder) {
  EXPECT_EQ(LabelQueue(db_, alice_, settings("low_margin", 1)).order(), prompts_);
  ProjectSettings unknown = settings("low_margin", 1);
  unknown.queue_score_source = "no such model";
  ScoreStore(db_).store_scores("rm", "", "",
                               {{completions_[5][0], 1.0}, {completions_[5][1], 1.0}});
  EXPECT_EQ(LabelQueue(db_, alice_, unknown).order(), prompts_);
}

TEST_F(LabelQueueTest, CountsAndRemaining) {
  rank(0, alice_);
  rank(0, alice_);  // an edit: one prompt done, two submits
  store_.skip({prompts_[1], alice_, {}, {}, "", 1});
  rank(2, bob_);
  LabelQueue queue(db_, alice_, settings("as_imported", 1));
  QueueCounts counts = queue.counts();
  EXPECT_EQ(counts.done, 2);
  EXPECT_EQ(counts.total, 6);
  EXPECT_EQ(counts.remaining, 3);  // 3, 4 and 5: bob's ranking of 2 reaches the overlap of 1
  EXPECT_FALSE(counts.remaining_is_bound);
  // Three submits within a second or so: a pace, and the time left at that pace.
  ASSERT_TRUE(counts.seconds_per_prompt.has_value());
  EXPECT_LT(*counts.seconds_per_prompt, 60);
  ASSERT_TRUE(counts.seconds_left.has_value());
  EXPECT_DOUBLE_EQ(*counts.seconds_left, 3 * *counts.seconds_per_prompt);
  QueueCounts carol = LabelQueue(db_, carol_, settings("as_imported", 1)).counts();
  EXPECT_EQ(carol.done, 0);
  EXPECT_EQ(carol.remaining, 4);  // alice ranked 0 and bob 2; alice only skipped 1
  EXPECT_FALSE(carol.seconds_per_prompt.has_value());  // no submit yet
  EXPECT_FALSE(carol.seconds_left.has_value());
}

TEST_F(LabelQueueTest, PaceIsTheMedianGapBetweenSubmitsLeavingOutBreaks) {
  LabelQueue queue(db_, alice_, settings("as_imported", 0));
  set_time(rank(0, alice_), 0);
  // One ranking: no pace yet (the old "per hour" read "1 per hour" here).
  EXPECT_FALSE(queue.counts().seconds_per_prompt.has_value());
  set_time(rank(1, alice_), 10);
  queue.mark_done(prompts_[1]);  // as the labeling controller does after each submit
  EXPECT_DOUBLE_EQ(*queue.counts().seconds_per_prompt, 10);
  set_time(rank(2, alice_), 30);
  set_time(store_.skip({prompts_[3], alice_, {}, {}, "", 1}), 2000);  // after a 33-minute break
  set_time(rank(0, alice_), 2012);                                    // an edit is a submit too
  for (int i : {2, 3, 0}) queue.mark_done(prompts_[i]);
  // Gaps 10, 20, (1970: a break), 12: the median of 10, 12, 20.
  QueueCounts counts = queue.counts();
  EXPECT_DOUBLE_EQ(*counts.seconds_per_prompt, 12);
  EXPECT_EQ(counts.remaining, 2);  // prompts 4 and 5
  EXPECT_DOUBLE_EQ(*counts.seconds_left, 24);
  // An even number of gaps: the mean of the middle two (10, 12 | 20, 38).
  set_time(rank(4, alice_), 2050);
  queue.mark_done(prompts_[4]);
  counts = queue.counts();
  EXPECT_DOUBLE_EQ(*counts.seconds_per_prompt, 16);
  EXPECT_EQ(counts.remaining, 1);
  EXPECT_DOUBLE_EQ(*counts.seconds_left, 16);

  // Only breaks between the submits: no pace.
  set_time(rank(0, bob_), 0);
  set_time(rank(1, bob_), 700);
  EXPECT_FALSE(LabelQueue(db_, bob_, settings("as_imported", 0)).counts().seconds_per_prompt);
}

TEST_F(LabelQueueTest, PaceFollowsTheLatestSubmits) {
  // 110 slow submits (100 s apart), then kPaceGaps + 1 quick ones (5 s apart): today's pace is 5 s
  // although most of all gaps are 100 s.
  double at = 0;
  for (int i = 0; i < 110; ++i, at += 100) set_time(rank(0, carol_), at);
  for (int i = 0; i <= LabelQueue::kPaceGaps; ++i, at += 5) set_time(rank(0, carol_), at);
  EXPECT_DOUBLE_EQ(*LabelQueue(db_, carol_, settings("as_imported", 0)).counts().seconds_per_prompt,
                   5);
}

TEST_F(LabelQueueTest, APromptThatGainsACompletionComesBackToThoseWhoRankedIt) {
  rank(0, alice_);
  store_.mark_all_bad({prompts_[1], alice_, {}, {}, "", 1});
  store_.skip({prompts_[2], alice_, {}, {}, "", 1});
  for (size_t p = 3; p < 6; ++p) rank(p, alice_);
  LabelQueue open_before(db_, alice_, settings("as_imported", 0));
  EXPECT_FALSE(open_before.next().has_value());  // alice has answered everything
  // The answers are older than what comes next (created_at has millisecond resolution).
  db_.exec("UPDATE rankings SET created_at = '2000-01-01T00:00:00.000Z'");
  CompletionStore completions(db_);
  for (size_t p = 0; p < 3; ++p)
    ASSERT_TRUE(completions.add_completion(prompts_[p], "from the policy", std::nullopt, "", ""));

  // A queue opened before the completions notices them; so does one opened after.
  LabelQueue opened_after(db_, alice_, settings("as_imported", 0));
  EXPECT_EQ(open_before.next(), prompts_[0]);  // ranked without the new completion
  EXPECT_EQ(opened_after.next(), prompts_[0]);
  rank_all(0, alice_);  // a new version over all four
  open_before.mark_done(prompts_[0]);
  EXPECT_EQ(open_before.next(), prompts_[1]);  // all bad before the new completion came
  store_.mark_all_bad({prompts_[1], alice_, {}, {}, "", 1});
  open_before.mark_done(prompts_[1]);
  EXPECT_FALSE(open_before.next().has_value());  // the skip of prompt 2 stays a skip
  EXPECT_FALSE(LabelQueue(db_, alice_, settings("as_imported", 0)).next().has_value());

  // With an overlap of 1 the prompt stays with alice: her old ranking still counts for others.
  store_.skip({prompts_[2], bob_, {}, {}, "", 1});  // bob has nothing else open
  ASSERT_TRUE(completions.add_completion(prompts_[4], "newer still", std::nullopt, "", ""));
  LabelQueue bob(db_, bob_, settings("as_imported", 1));
  EXPECT_FALSE(bob.next().has_value());
  LabelQueue alice(db_, alice_, settings("as_imported", 1));
  EXPECT_EQ(alice.next(), prompts_[4]);
}

// Every statement run per Enter must be an index SEARCH: a SCAN of rankings or prompts would grow
// with the project.
TEST_F(LabelQueueTest, PerSubmitQueriesUseIndexes) {
  auto plan = [&](const std::string& sql) {
    Statement explain = db_.prepare("EXPLAIN QUERY PLAN " + sql);
    std::string text;
    while (explain.step()) text += explain.column_text(3) + "\n";
    return text;
  };
  std::vector<std::string> per_submit = {
      // The queue's own check: a current ranking that did judge every completion.
      "SELECT 1 FROM rankings r WHERE r.prompt_id = 1 AND r.labeler_id = 1 AND r.is_current = 1 "
      "AND NOT ((r.status = 'ranked' AND EXISTS (SELECT 1 FROM completions c WHERE c.prompt_id = "
      "r.prompt_id AND NOT EXISTS (SELECT 1 FROM ranking_entries e WHERE e.ranking_id = r.id AND "
      "e.completion_id = c.id))) OR (r.status = 'all_bad' AND EXISTS (SELECT 1 FROM completions "
      "c WHERE c.prompt_id = r.prompt_id AND c.created_at > r.created_at)))",
      "SELECT coalesce(max(id), 0) FROM completions",
      "SELECT prompt_id FROM completions WHERE id > 5",
      "SELECT julianday(created_at) * 86400.0 FROM rankings WHERE labeler_id = 1 ORDER BY "
      "created_at DESC LIMIT 101",
      "SELECT count(*) FROM rankings WHERE prompt_id = 1 AND is_current = 1 AND status != "
      "'skipped' AND labeler_id != 1",
      "SELECT count(*) FROM rankings WHERE labeler_id = 1 AND is_current = 1",
      "SELECT coalesce(max(version), 0) FROM rankings WHERE prompt_id = 1 AND labeler_id = 1",
      "SELECT id, text FROM completions WHERE prompt_id = 1 ORDER BY id",
      "SELECT count(*) FROM (SELECT 1 FROM completions WHERE prompt_id = 1 LIMIT 2)",
      "SELECT order_json FROM card_orders WHERE prompt_id = 1 AND labeler_id = 1",
      "SELECT id FROM rankings WHERE prompt_id = 1 AND labeler_id = 1 AND is_current = 1",
  };
  for (const std::string& sql : per_submit) {
    std::string text = plan(sql);
    // A SCAN of a subquery's own (at most two) rows is fine; a SCAN of a table is not.
    std::string tables_scanned = text;
    for (size_t at; (at = tables_scanned.find("SCAN (subquery")) != std::string::npos;)
      tables_scanned.erase(at, 4);
    EXPECT_EQ(tables_scanned.find("SCAN"), std::string::npos) << sql << "\n" << text;
    EXPECT_NE(text.find("SEARCH"), std::string::npos) << sql << "\n" << text;
    EXPECT_EQ(text.find("TEMP B-TREE"), std::string::npos) << sql << "\n" << text;  // no sort
  }
}

}  // namespace

TEST_F(LabelQueueTest, ConcurrentLabelersGetDifferentPromptsUntilTheReservationExpires) {
  // Two labelers at the same pace, overlap 1: a handed-out prompt is reserved, so the second
  // labeler gets the next one instead of the same.
  LabelQueue alice(db_, alice_, settings("as_imported", 1));
  LabelQueue bob(db_, bob_, settings("as_imported", 1));
  EXPECT_EQ(alice.next(), prompts_[0]);
  EXPECT_EQ(bob.next(), prompts_[1]);
  EXPECT_EQ(alice.next(), prompts_[0]);  // still hers: asking again renews, never moves on
  rank(0, alice_);
  alice.mark_done(prompts_[0]);
  EXPECT_EQ(alice.next(), prompts_[2]);  // bob holds prompt 1
  // A skip releases the prompt to others; bob's skip of prompt 1 lets alice have it later.
  store_.skip({prompts_[1], bob_, {}, {}, "", 1});
  bob.mark_done(prompts_[1]);
  EXPECT_EQ(bob.next(), prompts_[3]);
  // An expired reservation holds nothing: bob walked away from prompt 3.
  db_.exec("UPDATE queue_reservations SET expires_at = '2000-01-01T00:00:00.000Z'");
  LabelQueue carol(db_, carol_, settings("as_imported", 1));
  EXPECT_EQ(carol.next(), prompts_[1]);  // skipped by bob: open again
  rank(1, carol_);
  carol.mark_done(prompts_[1]);
  EXPECT_EQ(carol.next(), prompts_[2]);  // alice's reservation of prompt 2 expired too
  // With no overlap limit nothing is reserved.
  LabelQueue free_for_all(db_, carol_, settings("as_imported", 0));
  auto reservations = [&] {
    Statement select = db_.prepare("SELECT count(*) FROM queue_reservations");
    select.step();
    return select.column_int(0);
  };
  int64_t before = reservations();
  free_for_all.next();
  EXPECT_EQ(reservations(), before);
}
