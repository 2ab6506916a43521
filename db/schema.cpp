// Forward migrations, one SQL script per version. Never edit a released step: add the next one.
#include "db/schema.h"

#include <array>

namespace prefstudio::db {

namespace {

// Version 1: prompts, completions, labelers, rankings (versioned), runs, metrics, checkpoints.
constexpr const char* kV1 = R"sql(
CREATE TABLE prompts (
  id          INTEGER PRIMARY KEY,
  text        TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE TABLE models (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  content_hash  TEXT UNIQUE,            -- SHA-256 of model.safetensors, when known
  path          TEXT,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE TABLE completions (
  id          INTEGER PRIMARY KEY,
  prompt_id   INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
  text        TEXT NOT NULL,
  model_id    INTEGER REFERENCES models(id),
  sampling    TEXT,                     -- JSON: temperature, top_p, top_k, seed, max_new_tokens
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  UNIQUE (prompt_id, text)
);
CREATE TABLE labelers (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
-- One current ranking per labeler and prompt; an edit adds version n+1 and clears is_current on n.
CREATE TABLE rankings (
  id             INTEGER PRIMARY KEY,
  prompt_id      INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
  labeler_id     INTEGER NOT NULL REFERENCES labelers(id),
  version        INTEGER NOT NULL DEFAULT 1,
  is_current     INTEGER NOT NULL DEFAULT 1 CHECK (is_current IN (0, 1)),
  status         TEXT NOT NULL DEFAULT 'ranked' CHECK (status IN ('ranked', 'skipped', 'all_bad')),
  comment        TEXT,
  seconds_spent  REAL,
  created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  UNIQUE (prompt_id, labeler_id, version)
);
CREATE UNIQUE INDEX rankings_one_current ON rankings (prompt_id, labeler_id) WHERE is_current = 1;
-- The order: rank 0 is best; equal ranks are ties.
CREATE TABLE ranking_entries (
  ranking_id     INTEGER NOT NULL REFERENCES rankings(id) ON DELETE CASCADE,
  completion_id  INTEGER NOT NULL REFERENCES completions(id) ON DELETE CASCADE,
  rank           INTEGER NOT NULL CHECK (rank >= 0),
  PRIMARY KEY (ranking_id, completion_id)
) WITHOUT ROWID;
CREATE TABLE ranking_flags (
  ranking_id     INTEGER NOT NULL REFERENCES rankings(id) ON DELETE CASCADE,
  completion_id  INTEGER REFERENCES completions(id) ON DELETE CASCADE,  -- NULL: the whole set
  flag           TEXT NOT NULL
);
CREATE INDEX ranking_flags_by_ranking ON ranking_flags (ranking_id);
CREATE TABLE runs (
  id                 INTEGER PRIMARY KEY,
  kind               TEXT NOT NULL,     -- sft | reward | ppo | dpo
  name               TEXT,
  status             TEXT NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'finished', 'failed', 'stopped')),
  config             TEXT NOT NULL,     -- the whole JSON config, so the run can be repeated
  base_checkpoint_id INTEGER REFERENCES checkpoints(id),
  started_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  finished_at        TEXT,
  message            TEXT               -- the error of a failed run
);
CREATE TABLE run_metrics (
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step       INTEGER NOT NULL,
  name       TEXT NOT NULL,
  value      REAL,
  wall_time  REAL NOT NULL,             -- seconds since the run started
  PRIMARY KEY (run_id, name, step)
) WITHOUT ROWID;
CREATE TABLE run_events (
  run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step     INTEGER NOT NULL,
  kind     TEXT NOT NULL,
  message  TEXT NOT NULL,
  at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE TABLE checkpoints (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  step          INTEGER NOT NULL DEFAULT 0,
  path          TEXT NOT NULL,
  content_hash  TEXT,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX completions_by_prompt ON completions (prompt_id);
CREATE INDEX rankings_by_labeler ON rankings (labeler_id, is_current);
)sql";

// Version 2: what labeling needs beyond the ranking itself.
constexpr const char* kV2 = R"sql(
CREATE TABLE project_settings (
  key    TEXT PRIMARY KEY,               -- guidelines, queue_order, queue_seed, overlap, flags, ...
  value  TEXT NOT NULL
);
-- The shuffled order in which a labeler is shown a prompt's completions: a JSON array of ids.
CREATE TABLE card_orders (
  prompt_id   INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
  labeler_id  INTEGER NOT NULL REFERENCES labelers(id),
  order_json  TEXT NOT NULL,
  PRIMARY KEY (prompt_id, labeler_id)
) WITHOUT ROWID;
-- Suggested rankings (from import now, from a reward model later), shown only if enabled.
CREATE TABLE suggested_rankings (
  prompt_id     INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
  source        TEXT NOT NULL,           -- "import", or a model's name
  ranking_json  TEXT NOT NULL,           -- completion ids, best first
  PRIMARY KEY (prompt_id, source)
) WITHOUT ROWID;
-- Pairwise mode (K = 2): how strongly the better one won, 1 (slightly) .. 3 (much).
ALTER TABLE rankings ADD COLUMN strength INTEGER;
)sql";

// Version 3: the labeling queue. A labeler's rankings by time (the labeler's pace, history newest first)
// without scanning all of them, and reward-model scores per completion so the queue can offer the
// prompts whose best two completions the model finds hardest to tell apart (lowest margin) first.
constexpr const char* kV3 = R"sql(
CREATE INDEX rankings_by_labeler_time ON rankings (labeler_id, created_at);
CREATE TABLE completion_scores (
  completion_id  INTEGER NOT NULL REFERENCES completions(id) ON DELETE CASCADE,
  source         TEXT NOT NULL,          -- the reward model's name (or checkpoint)
  score          REAL NOT NULL,
  PRIMARY KEY (completion_id, source)
) WITHOUT ROWID;
)sql";

// Version 4: reward models and policy runs. Why each completion ended (a trainer treats a
// truncated one differently; NULL = unknown, e.g. imported text, read as 'eos'); a running
// process's pid and heartbeat, so the GUI tells a live run from a vanished one; runs started from
// another run (a policy from its reward model); evaluation reports and sampled completions per
// step; DPO's reference log-probs cached by a key the trainer hashes; and which reward models
// scored the completions, when (the labeling queue's default source is the newest; the queue and
// the per-source counts read scores by source). Run kinds: sft | reward | dpo | ppo | rloo | grpo.
constexpr const char* kV4 = R"sql(
ALTER TABLE completions ADD COLUMN finish_reason TEXT CHECK (finish_reason IN ('eos', 'length'));
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;
ALTER TABLE runs ADD COLUMN parent_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL;
CREATE TABLE run_evaluations (
  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step    INTEGER NOT NULL,
  kind    TEXT NOT NULL,                 -- e.g. reward_calibration, policy
  report  TEXT NOT NULL,                 -- JSON
  PRIMARY KEY (run_id, kind, step)
) WITHOUT ROWID;
CREATE TABLE run_samples (
  run_id         INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step           INTEGER NOT NULL,
  prompt_id      INTEGER REFERENCES prompts(id) ON DELETE SET NULL,
  prompt         TEXT NOT NULL,
  completion     TEXT NOT NULL,
  finish_reason  TEXT CHECK (finish_reason IN ('eos', 'length')),
  reward         REAL,
  kl             REAL,
  true_score     REAL                    -- a task's own score where it has one (e.g. the demo)
);
CREATE INDEX run_samples_by_step ON run_samples (run_id, step);
CREATE TABLE reference_logprobs (
  cache_key  TEXT PRIMARY KEY,           -- the trainer's hash of model, tokens and settings
  logprob    REAL NOT NULL,              -- summed over the completion's tokens
  tokens     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE score_sources (
  source     TEXT PRIMARY KEY,           -- completion_scores.source: the reward model's hash
  name       TEXT,
  path       TEXT,
  scored_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
INSERT INTO score_sources (source) SELECT DISTINCT source FROM completion_scores;
CREATE INDEX completion_scores_by_source ON completion_scores (source);
)sql";

// Version 5: short queue reservations, so that labelers working at the same time do not rank the
// same prompt beyond the overlap. A row says "this labeler was handed this prompt and has it on
// screen until expires_at" (UTC, ISO 8601 like created_at); the queue renews it each time it hands
// the prompt out and ignores it once expired or once that labeler has a current ranking of it.
constexpr const char* kV5 = R"sql(
CREATE TABLE queue_reservations (
  prompt_id   INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
  labeler_id  INTEGER NOT NULL REFERENCES labelers(id),
  expires_at  TEXT NOT NULL,
  PRIMARY KEY (prompt_id, labeler_id)
) WITHOUT ROWID;
)sql";

constexpr std::array<const char*, kSchemaVersion> kMigrations = {kV1, kV2, kV3, kV4, kV5};

int checked_version(Database& db) {
  const int version = db.user_version();
  if (version > kSchemaVersion)
    throw DbError(db.path() + ": schema version " + std::to_string(version) +
                  " is newer than this program's " + std::to_string(kSchemaVersion));
  return version;
}

}  // namespace

void migrate(Database& db, int target) {
  // A read without the write lock first, so that opening an up-to-date project (every open but the
  // first) never waits behind another process's writes.
  if (checked_version(db) >= target) return;
  // Read again under the write lock: another process may have migrated in between, and running
  // its steps a second time fails ("table prompts already exists").
  Transaction transaction(db);
  for (int next = checked_version(db) + 1; next <= target; ++next) {
    db.exec(kMigrations[next - 1]);
    db.set_user_version(next);
  }
  transaction.commit();
}

Database open_project(const std::string& path, bool create) {
  Database db(path, create);
  migrate(db);
  return db;
}

}  // namespace prefstudio::db
