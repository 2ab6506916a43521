// TrainingProcess (see training_process.h).
#include "app/cli/training_process.h"

#include "db/db_error.h"
#include "db/schema.h"

namespace prefstudio::cli {

TrainingProcess::TrainingProcess(std::optional<DistributedEnv> env, double timeout_seconds)
    : env_(std::move(env)), timeout_seconds_(timeout_seconds) {}

db::Database TrainingProcess::open_project(const std::string& path) {
  if (records_run()) return db::open_project(path, /*create=*/false);
  group();
  db::Database db(path, /*create=*/false);
  const int version = db.user_version();
  if (version != db::kSchemaVersion)
    throw db::DbError(path + ": rank " + std::to_string(rank()) +
                      " reads the project without writing, and it has schema version " +
                      std::to_string(version) + ", not this program's " +
                      std::to_string(db::kSchemaVersion) +
                      " (open this copy once with this version, e.g. `prefstudio-cli stats " +
                      path + "`, before the run)");
  db.exec("PRAGMA query_only = ON");
  return db;
}

std::shared_ptr<DataParallelGroup> TrainingProcess::group() {
  if (!group_ && env_) group_ = DataParallelGroup::join(*env_, timeout_seconds_);
  return group_;
}

}  // namespace prefstudio::cli
