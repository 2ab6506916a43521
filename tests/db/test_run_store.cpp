// RunStore against an in-memory project: runs, heartbeats, parent runs, batched metrics, events,
// evaluation reports, samples, checkpoints, models by hash.
#include <gtest/gtest.h>

#include <cmath>

#include "db/run_store.h"
#include "db/schema.h"

namespace prefstudio::db {
namespace {

TEST(RunStore, CreateAppendFinish) {
  Database db = open_project(":memory:");
  RunStore store(db);
  int64_t run_id = store.create_run("sft", "demo", R"({"steps": 10})");
  ASSERT_GT(run_id, 0);
  store.append_metrics(run_id, 1, {{"loss_train", 2.5}, {"lr", 1e-3}}, 0.5);
  store.append_metrics(run_id, 2, {{"loss_train", 2.0}, {"lr", 2e-3}}, 1.0);
  // Rewriting a step keeps the last value; NaN is stored as NULL and read back as NaN.
  store.append_metrics(run_id, 2, {{"loss_train", 1.5}, {"grad_norm", std::nan("")}}, 1.1);
  auto loss = store.metrics(run_id, "loss_train");
  ASSERT_EQ(loss.size(), 2u);
  EXPECT_EQ(loss[0].step, 1);
  EXPECT_DOUBLE_EQ(loss[0].value, 2.5);
  EXPECT_DOUBLE_EQ(loss[1].value, 1.5);
  EXPECT_DOUBLE_EQ(loss[1].wall_time, 1.1);
  auto grad = store.metrics(run_id, "grad_norm");
  ASSERT_EQ(grad.size(), 1u);
  EXPECT_TRUE(std::isnan(grad[0].value));

  store.add_event(run_id, 2, "info", "resumed");
  int64_t checkpoint_id = store.add_checkpoint(run_id, 2, "/tmp/ckpt", "abc");
  EXPECT_GT(checkpoint_id, 0);
  store.finish_run(run_id, "stopped", "Ctrl-C");
  auto row = store.run(run_id);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->kind, "sft");
  EXPECT_EQ(row->name, "demo");
  EXPECT_EQ(row->status, "stopped");
  EXPECT_EQ(row->message, "Ctrl-C");
  EXPECT_EQ(row->config, R"({"steps": 10})");

  Statement events = db.prepare("SELECT COUNT(*) FROM run_events WHERE run_id = ?");
  events.bind(1, run_id);
  ASSERT_TRUE(events.step());
  EXPECT_EQ(events.column_int(0), 1);
}

TEST(RunStore, FinishRejectsUnknownStatusAndRun) {
  Database db = open_project(":memory:");
  RunStore store(db);
  int64_t run_id = store.create_run("sft", "", "{}");
  EXPECT_THROW(store.finish_run(run_id, "done"), DbError);
  EXPECT_THROW(store.finish_run(run_id + 100, "finished"), DbError);
  store.finish_run(run_id, "finished");
  EXPECT_EQ(store.run(run_id)->status, "finished");
  EXPECT_FALSE(store.run(run_id + 100).has_value());
}

TEST(RunStore, MetricsOfUnknownRunRollBackTheWholeStep) {
  Database db = open_project(":memory:");
  RunStore store(db);
  // Foreign keys are on: a missing run fails, and the step's first value is not left behind.
  EXPECT_THROW(store.append_metrics(42, 1, {{"a", 1.0}, {"b", 2.0}}, 0.0), DbError);
  Statement count = db.prepare("SELECT COUNT(*) FROM run_metrics");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.column_int(0), 0);
}

TEST(RunStore, RegisterModelUpsertsByHash) {
  Database db = open_project(":memory:");
  RunStore store(db);
  int64_t a = store.register_model("init", "hash1", "/m/init");
  int64_t b = store.register_model("init-copy", "hash1", "/m/copy");
  int64_t c = store.register_model("sft", "hash2", "/m/sft");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  Statement select = db.prepare("SELECT name, path FROM models WHERE id = ?");
  select.bind(1, a);
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.column_text(0), "init-copy");
  EXPECT_EQ(select.column_text(1), "/m/copy");
  // Unknown hash: a new row each time.
  EXPECT_NE(store.register_model("x", "", "/x"), store.register_model("x", "", "/x"));
}

TEST(RunStore, HeartbeatAndParentRun) {
  Database db = open_project(":memory:");
  RunStore store(db);
  int64_t reward = store.create_run("reward", "rm", "{}");
  int64_t policy = store.create_run("ppo", "policy", "{}", reward);
  auto row = store.run(policy);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->parent_run_id, std::optional<int64_t>(reward));
  EXPECT_FALSE(row->pid.has_value());
  EXPECT_EQ(row->heartbeat_at, "");
  EXPECT_FALSE(store.run(reward)->parent_run_id.has_value());

  store.heartbeat(policy, 4242);
  row = store.run(policy);
  EXPECT_EQ(row->pid, std::optional<int64_t>(4242));
  ASSERT_EQ(row->heartbeat_at.size(), 24u);  // e.g. 2026-11-26T09:12:21.123Z
  EXPECT_EQ(row->heartbeat_at.back(), 'Z');
  db.exec("UPDATE runs SET heartbeat_at = '2000-01-01T00:00:00.000Z'");
  store.heartbeat(policy, 4343);  // a resumed run: another process
  row = store.run(policy);
  EXPECT_EQ(row->pid, std::optional<int64_t>(4343));
  EXPECT_GT(row->heartbeat_at, "2000-01-01T00:00:00.000Z");
  EXPECT_THROW(store.heartbeat(policy + 100, 1), DbError);
}

TEST(RunStore, EvaluationsByKindAndStep) {
  Database db = open_project(":memory:");
  RunStore store(db);
  int64_t run_id = store.create_run("reward", "", "{}");
  store.add_evaluation(run_id, 200, "reward_calibration", R"({"ece": 0.04})");
  store.add_evaluation(run_id, 100, "reward_calibration", R"({"ece": 0.09})");
  store.add_evaluation(run_id, 100, "policy", R"({"reward": 1.0})");
  store.add_evaluation(run_id, 200, "reward_calibration", R"({"ece": 0.03})");  // replaces
  auto calibration = store.evaluations(run_id, "reward_calibration");
  ASSERT_EQ(calibration.size(), 2u);
  EXPECT_EQ(calibration[0].step, 100);
  EXPECT_EQ(calibration[0].report, R"({"ece": 0.09})");
  EXPECT_EQ(calibration[1].step, 200);
  EXPECT_EQ(calibration[1].report, R"({"ece": 0.03})");
  auto policy = store.evaluations(run_id, "policy");
  ASSERT_EQ(policy.size(), 1u);
  EXPECT_EQ(policy[0].report, R"({"reward": 1.0})");
  EXPECT_TRUE(store.evaluations(run_id + 1, "policy").empty());
  EXPECT_THROW(store.add_evaluation(run_id + 1, 0, "policy", "{}"), DbError);  // no such run
}

TEST(RunStore, SamplesRoundTripByStep) {
  Database db = open_project(":memory:");
  db.exec("INSERT INTO prompts (id, text) VALUES (7, 'Sort: cba\n')");
  RunStore store(db);
  int64_t run_id = store.create_run("ppo", "", "{}");
  RunSample first;
  first.prompt_id = 7;
  first.prompt = "Sort: cba\n";
  first.completion = "abc";
  first.finish_reason = "eos";
  first.reward = 1.25;
  first.kl = 0.5;
  first.true_score = 1.0;
  RunSample second;
  second.prompt = "Sort: zy\n";  // not a project prompt
  second.completion = "yzyzyz";
  second.finish_reason = "length";
  second.reward = std::nan("");  // stored as NULL
  RunSample later = first;
  later.step = 999;  // ignored: add_samples' step wins
  later.completion = "acb";
  store.add_samples(run_id, 20, {later});
  store.add_samples(run_id, 10, {first, second});

  auto samples = store.samples(run_id);
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0].step, 10);
  EXPECT_EQ(samples[0].prompt_id, std::optional<int64_t>(7));
  EXPECT_EQ(samples[0].prompt, "Sort: cba\n");
  EXPECT_EQ(samples[0].completion, "abc");
  EXPECT_EQ(samples[0].finish_reason, "eos");
  EXPECT_EQ(samples[0].reward, std::optional<double>(1.25));
  EXPECT_EQ(samples[0].kl, std::optional<double>(0.5));
  EXPECT_EQ(samples[0].true_score, std::optional<double>(1.0));
  EXPECT_EQ(samples[1].step, 10);
  EXPECT_FALSE(samples[1].prompt_id.has_value());
  EXPECT_EQ(samples[1].completion, "yzyzyz");
  EXPECT_EQ(samples[1].finish_reason, "length");
  EXPECT_FALSE(samples[1].reward.has_value());
  EXPECT_FALSE(samples[1].kl.has_value());
  EXPECT_FALSE(samples[1].true_score.has_value());
  EXPECT_EQ(samples[2].step, 20);
  EXPECT_EQ(samples[2].completion, "acb");
  // A viewer that has step 10 asks only for what came after it.
  auto newer = store.samples(run_id, 10);
  ASSERT_EQ(newer.size(), 1u);
  EXPECT_EQ(newer[0].completion, "acb");

  // A bad finish reason stores none of the batch.
  RunSample bad = first;
  bad.finish_reason = "stop";
  EXPECT_THROW(store.add_samples(run_id, 30, {first, bad}), DbError);
  EXPECT_EQ(store.samples(run_id, 20).size(), 0u);
}

}  // namespace
}  // namespace prefstudio::db
