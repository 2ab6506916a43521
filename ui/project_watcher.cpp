// ProjectWatcher (see project_watcher.h). data_version changes when any OTHER connection commits,
// which is exactly "someone else wrote": this connection itself never writes.
#include "ui/project_watcher.h"

#include <QTimer>
#include <exception>

#include "db/database.h"

namespace prefstudio::ui {

ProjectWatcher::ProjectWatcher(const QString& projectPath, QObject* parent)
    : QObject(parent), path_(projectPath), timer_(new QTimer(this)) {
  connect(timer_, &QTimer::timeout, this, &ProjectWatcher::check);
  timer_->start(kIntervalMs);
  check();  // the baseline
}

ProjectWatcher::~ProjectWatcher() = default;

void ProjectWatcher::check() {
  try {
    if (!db_) db_ = std::make_unique<db::Database>(path_.toStdString(), /*create=*/false);
    db::Statement statement = db_->prepare("PRAGMA data_version");
    statement.step();
    qint64 version = statement.column_int(0);
    bool changed = version_ >= 0 && version != version_;
    version_ = version;
    if (changed) Q_EMIT this->changed();
  } catch (const std::exception&) {
    db_.reset();  // reopened on the next tick
  }
}

}  // namespace prefstudio::ui
