// RunBrowser against an in-memory project: the runs list by kind with heartbeat age and progress,
// metrics_from's overlap rule and NaN, events, checkpoints, evaluation kinds and latest reports,
// that a poll's metric reads are index searches, and send_sample_to_queue (a new completion of the
// sample's prompt, idempotent, a clear DbError for a sample without a project prompt).
#include <gtest/gtest.h>

#include <cmath>

#include "db/completion_store.h"
#include "db/label_queue.h"
#include "db/run_browser.h"
#include "db/schema.h"

namespace prefstudio::db {
namespace {

class RunBrowserTest : public ::testing::Test {
 protected:
  Database db_ = open_project(":memory:");
  RunStore store_{db_};
  RunBrowser browser_{db_};

  int64_t scalar(const std::string& sql) {
    Statement select = db_.prepare(sql);
    EXPECT_TRUE(select.step()) << sql;
    return select.column_int(0);
  }
};

TEST_F(RunBrowserTest, RunsByKindWithHeartbeatAgeAndProgress) {
  int64_t sft = store_.create_run("sft", "warmup", R"({"steps": 3})");
  int64_t reward = store_.create_run("reward", "rm", "{}");
  int64_t ppo = store_.create_run("ppo", "", "{}", reward);
  store_.append_metrics(sft, 1, {{"loss", 2.0}, {"lr", 1e-3}}, 0.5);
  store_.append_metrics(sft, 3, {{"loss", 1.0}}, 2.5);
  store_.append_metrics(sft, 2, {{"lr", 2e-3}}, 1.5);
  store_.finish_run(sft, "finished");
  store_.heartbeat(ppo, 777);
  db_.prepare(
         "UPDATE runs SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-90 seconds') "
         "WHERE id = ?")
      .bind(1, ppo)
      .run();

  std::vector<RunListRow> all = browser_.runs();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].run.id, sft);
  EXPECT_EQ(all[1].run.id, reward);
  EXPECT_EQ(all[2].run.id, ppo);

  const RunListRow& done = all[0];
  EXPECT_EQ(done.run.kind, "sft");
  EXPECT_EQ(done.run.name, "warmup");
  EXPECT_EQ(done.run.status, "finished");
  EXPECT_EQ(done.run.config, R"({"steps": 3})");
  EXPECT_EQ(done.started_at.size(), 24u);  // e.g. 2026-11-26T09:12:21.123Z
  EXPECT_EQ(done.finished_at.size(), 24u);
  EXPECT_GE(done.finished_at, done.started_at);
  EXPECT_FALSE(done.heartbeat_age_s.has_value());
  EXPECT_EQ(done.last_step, 3);
  EXPECT_DOUBLE_EQ(done.last_wall_time, 2.5);

  const RunListRow& idle = all[1];  // no metrics, no heartbeat, still running
  EXPECT_EQ(idle.finished_at, "");
  EXPECT_EQ(idle.run.status, "running");
  EXPECT_EQ(idle.last_step, -1);
  EXPECT_DOUBLE_EQ(idle.last_wall_time, 0.0);
  EXPECT_FALSE(idle.heartbeat_age_s.has_value());

  const RunListRow& live = all[2];
  EXPECT_EQ(live.run.parent_run_id, std::optional<int64_t>(reward));
  EXPECT_EQ(live.run.pid, std::optional<int64_t>(777));
  ASSERT_TRUE(live.heartbeat_age_s.has_value());
  EXPECT_NEAR(*live.heartbeat_age_s, 90.0, 5.0);  // SQLite's clock on both sides

  std::vector<RunListRow> ppo_runs = browser_.runs("ppo");
  ASSERT_EQ(ppo_runs.size(), 1u);
  EXPECT_EQ(ppo_runs[0].run.id, ppo);
  EXPECT_TRUE(browser_.runs("dpo").empty());

  std::optional<RunListRow> one = browser_.run(sft);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->run.name, "warmup");
  EXPECT_EQ(one->last_step, 3);
  EXPECT_FALSE(browser_.run(ppo + 100).has_value());
}

TEST_F(RunBrowserTest, MetricsFromIncludesTheStepAlreadyReadAndGivesNaN) {
  int64_t run = store_.create_run("ppo", "", "{}");
  int64_t other = store_.create_run("ppo", "", "{}");
  store_.append_metrics(run, 10, {{"loss", 1.5}, {"kl", 0.1}}, 5.0);
  store_.append_metrics(run, 20, {{"loss", std::nan("")}, {"kl", 0.2}}, 10.0);
  store_.append_metrics(other, 20, {{"loss", 9.0}}, 1.0);

  EXPECT_EQ(browser_.metric_names(run), (std::vector<std::string>{"kl", "loss"}));
  EXPECT_TRUE(browser_.metric_names(run + 100).empty());

  std::vector<MetricPoint> first = browser_.metrics_from(run, 0);
  ASSERT_EQ(first.size(), 4u);  // by name, then step
  EXPECT_EQ(first[0].name, "kl");
  EXPECT_EQ(first[0].step, 10);
  EXPECT_DOUBLE_EQ(first[0].value, 0.1);
  EXPECT_DOUBLE_EQ(first[0].wall_time, 5.0);
  EXPECT_EQ(first[1].name, "kl");
  EXPECT_EQ(first[1].step, 20);
  EXPECT_EQ(first[2].name, "loss");
  EXPECT_EQ(first[2].step, 10);
  EXPECT_DOUBLE_EQ(first[2].value, 1.5);
  EXPECT_EQ(first[3].name, "loss");
  EXPECT_EQ(first[3].step, 20);
  EXPECT_TRUE(std::isnan(first[3].value));  // stored as NULL

  // An evaluation at step 20 arrives after the viewer read step 20: asking again from the last step
  // it has (20, not 21) brings it, with step 20's other values again.
  store_.append_metrics(run, 20, {{"eval/reward", 0.75}}, 12.0);
  store_.append_metrics(run, 30, {{"loss", 1.0}}, 15.0);
  std::vector<MetricPoint> poll = browser_.metrics_from(run, 20);
  ASSERT_EQ(poll.size(), 4u);
  EXPECT_EQ(poll[0].name, "eval/reward");
  EXPECT_EQ(poll[0].step, 20);
  EXPECT_DOUBLE_EQ(poll[0].value, 0.75);
  EXPECT_EQ(poll[1].name, "kl");
  EXPECT_EQ(poll[1].step, 20);
  EXPECT_EQ(poll[2].name, "loss");
  EXPECT_EQ(poll[2].step, 20);
  EXPECT_EQ(poll[3].name, "loss");
  EXPECT_EQ(poll[3].step, 30);
  EXPECT_TRUE(browser_.metrics_from(run, 31).empty());
  EXPECT_EQ(browser_.run(run)->last_step, 30);
  EXPECT_DOUBLE_EQ(browser_.run(run)->last_wall_time, 15.0);
}

// A viewer polls every second or so: its metric reads must go by the primary key, one search per
// metric name, never a pass over all of a long run's points.
TEST_F(RunBrowserTest, MetricReadsAreIndexSearches) {
  int64_t run = store_.create_run("sft", "", "{}");
  for (int step = 0; step < 2000; ++step)
    store_.append_metrics(run, step, {{"a", 1.0}, {"b", 2.0}, {"c", 3.0}}, step);
  auto plan = [&](const std::string& sql) {
    Statement explain = db_.prepare("EXPLAIN QUERY PLAN " + sql);
    std::string text;
    while (explain.step()) text += explain.column_text(3) + "\n";
    return text;
  };
  const std::string names =
      "WITH RECURSIVE names(n) AS (SELECT min(name) FROM run_metrics WHERE run_id = 1 UNION ALL "
      "SELECT (SELECT min(name) FROM run_metrics WHERE run_id = 1 AND name > n) FROM names WHERE "
      "n IS NOT NULL) ";
  std::string text = plan(
      names +
      "SELECT m.name, m.step, m.value, m.wall_time FROM names JOIN run_metrics m ON m.run_id = 1 "
      "AND m.name = n AND m.step >= 1990 WHERE n IS NOT NULL ORDER BY m.name, m.step");
  EXPECT_NE(text.find("(run_id=? AND name=? AND step>?)"), std::string::npos) << text;
  EXPECT_NE(text.find("(run_id=? AND name>?)"), std::string::npos) << text;
  EXPECT_EQ(text.find("SCAN run_metrics"), std::string::npos) << text;
  // And the answers match a plain read.
  EXPECT_EQ(browser_.metrics_from(run, 1990).size(), 30u);
  EXPECT_EQ(browser_.metric_names(run), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(browser_.run(run)->last_step, 1999);
}

TEST_F(RunBrowserTest, EventsByStepThenInsertion) {
  int64_t run = store_.create_run("dpo", "", "{}");
  int64_t other = store_.create_run("dpo", "", "{}");
  store_.add_event(run, 5, "info", "second at 5");
  store_.add_event(run, 1, "info", "started");
  store_.add_event(run, 5, "warning", "third at 5");
  store_.add_event(other, 5, "info", "not this run");
  std::vector<RunEvent> events = browser_.events(run);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].step, 1);
  EXPECT_EQ(events[0].message, "started");
  EXPECT_EQ(events[1].message, "second at 5");
  EXPECT_EQ(events[2].kind, "warning");
  EXPECT_EQ(events[2].message, "third at 5");
  EXPECT_EQ(events[2].at.size(), 24u);
  std::vector<RunEvent> later = browser_.events(run, 5);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later[0].message, "second at 5");
}

TEST_F(RunBrowserTest, CheckpointsByStepAndAllNewestFirst) {
  int64_t a = store_.create_run("sft", "", "{}");
  int64_t b = store_.create_run("reward", "", "{}");
  int64_t a200 = store_.add_checkpoint(a, 200, "/ck/a200", "hash-a200");
  int64_t a100 = store_.add_checkpoint(a, 100, "/ck/a100", "");
  int64_t b50 = store_.add_checkpoint(b, 50, "/ck/b50", "hash-b50");
  db_.prepare("UPDATE checkpoints SET created_at = ? WHERE id = ?")
      .bind(1, "2026-01-01T00:00:02.000Z")
      .bind(2, a200)
      .run();
  db_.prepare("UPDATE checkpoints SET created_at = ? WHERE id = ?")
      .bind(1, "2026-01-01T00:00:01.000Z")
      .bind(2, a100)
      .run();
  db_.prepare("UPDATE checkpoints SET created_at = ? WHERE id = ?")
      .bind(1, "2026-01-01T00:00:03.000Z")
      .bind(2, b50)
      .run();

  std::vector<CheckpointRow> of_a = browser_.checkpoints(a);
  ASSERT_EQ(of_a.size(), 2u);
  EXPECT_EQ(of_a[0].id, a100);
  EXPECT_EQ(of_a[0].step, 100);
  EXPECT_EQ(of_a[0].path, "/ck/a100");
  EXPECT_EQ(of_a[0].content_hash, "");  // unknown
  EXPECT_EQ(of_a[0].run_id, std::optional<int64_t>(a));
  EXPECT_EQ(of_a[1].id, a200);
  EXPECT_EQ(of_a[1].content_hash, "hash-a200");
  EXPECT_EQ(of_a[1].created_at, "2026-01-01T00:00:02.000Z");

  // A deleted run leaves its checkpoints without a run; all_checkpoints still lists them.
  db_.prepare("DELETE FROM runs WHERE id = ?").bind(1, b).run();
  std::vector<CheckpointRow> all = browser_.all_checkpoints();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, b50);
  EXPECT_FALSE(all[0].run_id.has_value());
  EXPECT_EQ(all[1].id, a200);
  EXPECT_EQ(all[2].id, a100);
}

TEST_F(RunBrowserTest, EvaluationKindsAndTheLatestReportPerRun) {
  int64_t a = store_.create_run("reward", "", "{}");
  int64_t b = store_.create_run("reward", "", "{}");
  int64_t c = store_.create_run("ppo", "", "{}");
  store_.add_evaluation(a, 100, "reward_calibration", R"({"ece": 0.09})");
  store_.add_evaluation(a, 300, "reward_calibration", R"({"ece": 0.03})");
  store_.add_evaluation(a, 200, "reward_calibration", R"({"ece": 0.05})");
  store_.add_evaluation(a, 400, "policy", R"({"reward": 1})");
  store_.add_evaluation(b, 50, "reward_calibration", R"({"ece": 0.2})");
  store_.add_evaluation(c, 10, "policy", R"({"reward": 2})");

  EXPECT_EQ(browser_.evaluation_kinds(a),
            (std::vector<std::string>{"policy", "reward_calibration"}));
  EXPECT_EQ(browser_.evaluation_kinds(c), (std::vector<std::string>{"policy"}));
  EXPECT_TRUE(browser_.evaluation_kinds(c + 100).empty());

  auto latest = browser_.latest_evaluations("reward_calibration");
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest[0].run_id, a);
  EXPECT_EQ(latest[0].step, 300);  // the highest step, not the last written
  EXPECT_EQ(latest[0].report, R"({"ece": 0.03})");
  EXPECT_EQ(latest[1].run_id, b);
  EXPECT_EQ(latest[1].step, 50);
  auto policy = browser_.latest_evaluations("policy");
  ASSERT_EQ(policy.size(), 2u);
  EXPECT_EQ(policy[0].run_id, a);
  EXPECT_EQ(policy[0].step, 400);
  EXPECT_EQ(policy[1].run_id, c);
  EXPECT_EQ(policy[1].report, R"({"reward": 2})");
  EXPECT_TRUE(browser_.latest_evaluations("none").empty());
}

TEST_F(RunBrowserTest, SamplesCarryTheirId) {
  int64_t run = store_.create_run("ppo", "", "{}");
  RunSample sample;
  sample.prompt = "p";
  sample.completion = "one";
  store_.add_samples(run, 1, {sample});
  sample.completion = "two";
  store_.add_samples(run, 2, {sample});
  std::vector<RunSample> samples = store_.samples(run);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_GT(samples[0].id, 0);
  EXPECT_NE(samples[0].id, samples[1].id);
  EXPECT_EQ(scalar("SELECT step FROM run_samples WHERE rowid = " + std::to_string(samples[1].id)),
            2);
}

class SendSampleTest : public RunBrowserTest {
 protected:
  int64_t prompt_ = 0;
  int64_t run_ = 0;
  std::vector<RunSample> samples_;

  void SetUp() override {
    prompt_ = CompletionStore(db_).add_prompts({"Sort: cba\n"}).front();
    CompletionStore(db_).add_completion(prompt_, "abc", std::nullopt, "", "eos");
    CompletionStore(db_).add_completion(prompt_, "bca", std::nullopt, "", "eos");
    run_ = store_.create_run("ppo", "policy", "{}");
    RunSample fresh;  // a text the prompt does not have yet
    fresh.prompt_id = prompt_;
    fresh.prompt = "Sort: cba\n";
    fresh.completion = "acb";
    fresh.finish_reason = "length";
    RunSample known = fresh;  // the same text as an existing completion
    known.completion = "abc";
    RunSample stray;  // not a project prompt
    stray.prompt = "Sort: zyx\n";
    stray.completion = "xyz";
    store_.add_samples(run_, 40, {fresh, known, stray});
    samples_ = store_.samples(run_);
  }
};

TEST_F(SendSampleTest, BecomesACompletionOfItsPromptOnce) {
  int64_t id = send_sample_to_queue(db_, run_, samples_[0].id);
  EXPECT_EQ(CompletionStore(db_).completions_of(prompt_),
            (std::vector<std::string>{"abc", "bca", "acb"}));
  Statement row = db_.prepare(
      "SELECT c.prompt_id, c.text, c.finish_reason, c.sampling, m.name, m.content_hash IS NULL "
      "FROM completions c JOIN models m ON m.id = c.model_id WHERE c.id = ?");
  row.bind(1, id);
  ASSERT_TRUE(row.step());
  EXPECT_EQ(row.column_int(0), prompt_);
  EXPECT_EQ(row.column_text(1), "acb");
  EXPECT_EQ(row.column_text(2), "length");
  EXPECT_EQ(row.column_text(3), R"({"run_id":)" + std::to_string(run_) + R"(,"sample_id":)" +
                                    std::to_string(samples_[0].id) + R"(,"step":40})");
  EXPECT_EQ(row.column_text(4), "run " + std::to_string(run_) + " (ppo policy) step 40");
  EXPECT_EQ(row.column_int(5), 1);

  // Sending it again inserts nothing and names the same completion; so does a sample whose text
  // the prompt already had.
  const int64_t completions = scalar("SELECT count(*) FROM completions");
  const int64_t models = scalar("SELECT count(*) FROM models");
  EXPECT_EQ(send_sample_to_queue(db_, run_, samples_[0].id), id);
  EXPECT_EQ(send_sample_to_queue(db_, run_, samples_[1].id),
            scalar("SELECT id FROM completions WHERE text = 'abc'"));
  EXPECT_EQ(scalar("SELECT count(*) FROM completions"), completions);
  EXPECT_EQ(scalar("SELECT count(*) FROM models"), models);
}

TEST_F(SendSampleTest, ASampleWithoutAProjectPromptIsAClearError) {
  const int64_t before = scalar("SELECT count(*) FROM completions");
  const std::string name =
      "run " + std::to_string(run_) + " sample " + std::to_string(samples_[2].id);
  try {
    send_sample_to_queue(db_, run_, samples_[2].id);
    FAIL() << "no DbError";
  } catch (const DbError& error) {
    EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("no project prompt"), std::string::npos)
        << error.what();
  }
  // A sample that does not exist, or belongs to another run.
  EXPECT_THROW(send_sample_to_queue(db_, run_, samples_[2].id + 100), DbError);
  EXPECT_THROW(send_sample_to_queue(db_, run_ + 1, samples_[0].id), DbError);
  EXPECT_EQ(scalar("SELECT count(*) FROM completions"), before);
  EXPECT_EQ(scalar("SELECT count(*) FROM models"), 0);  // nothing half-written
}

TEST_F(SendSampleTest, ASampleStoredWithoutItsPromptIdFindsItsPromptByText) {
  // The trainers hand RunStore the prompt text only: an exact project prompt is still its prompt.
  RunSample by_text;
  by_text.prompt = "Sort: cba\n";
  by_text.completion = "cab";
  store_.add_samples(run_, 50, {by_text});
  std::vector<RunSample> later = store_.samples(run_, 40);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].prompt_id, std::optional<int64_t>(prompt_));  // linked when stored
  // A sample stored before RunStore linked them (prompt_id NULL) is found by its text as well.
  db_.exec("UPDATE run_samples SET prompt_id = NULL");
  int64_t id = send_sample_to_queue(db_, run_, later[0].id);
  EXPECT_EQ(scalar("SELECT prompt_id FROM completions WHERE id = " + std::to_string(id)), prompt_);
  EXPECT_EQ(CompletionStore(db_).completion_count(prompt_), 3);
}

TEST_F(SendSampleTest, TheLabelerWhoRankedThePromptGetsItAgain) {
  LabelStore labels(db_);
  int64_t alice = labels.get_or_create_labeler("alice");
  ASSERT_EQ(labels.load_prompt(prompt_, alice).cards.size(), 2u);  // shown, so its order is stored
  RankingSubmission submission;
  submission.prompt_id = prompt_;
  submission.labeler_id = alice;
  Statement ids = db_.prepare("SELECT id FROM completions WHERE prompt_id = ? ORDER BY id");
  ids.bind(1, prompt_);
  for (int rank = 0; ids.step(); ++rank) submission.ranks.emplace_back(ids.column_int(0), rank);
  labels.submit_ranking(submission);
  ProjectSettings settings;
  LabelQueue queue(db_, alice, settings);
  EXPECT_FALSE(queue.next().has_value());
  int64_t sent = send_sample_to_queue(db_, run_, samples_[0].id);
  EXPECT_EQ(queue.next(), std::optional<int64_t>(prompt_));
  PromptForLabeling shown = labels.load_prompt(prompt_, alice);
  ASSERT_EQ(shown.cards.size(), 3u);
  EXPECT_EQ(shown.cards.back().id, sent);  // a card added since it was first shown comes last
  ASSERT_TRUE(shown.current.has_value());  // the earlier ranking, to start from
  EXPECT_EQ(shown.current->ranks.size(), 2u);
}

}  // namespace
}  // namespace prefstudio::db
