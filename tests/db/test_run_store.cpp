// RunStore against an in-memory project: runs, batched metrics, events, checkpoints, models by
// hash.
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

}  // namespace
}  // namespace prefstudio::db
