// ProjectWatcher: tells when the project changed under a view: a commit by another connection
// (this program's labeling, another copy of it, the CLI importing). It polls PRAGMA data_version on
// its own read connection on a timer (GUI thread: one trivial statement, no scan) and emits
// changed() at most once per interval. Errors (a file gone, a locked database) are ignored and the
// next tick tries again: a watcher must never take a view down.
#pragma once

#include <QObject>
#include <QString>
#include <memory>

class QTimer;

namespace prefstudio::db {
class Database;
}

namespace prefstudio::ui {

class ProjectWatcher : public QObject {
  Q_OBJECT

 public:
  static constexpr int kIntervalMs = 1000;

  explicit ProjectWatcher(const QString& projectPath, QObject* parent = nullptr);
  ~ProjectWatcher() override;

 public Q_SLOTS:
  // Polls now; emits changed() if another connection committed since the last poll.
  void check();

 Q_SIGNALS:
  void changed();

 private:
  QString path_;
  std::unique_ptr<db::Database> db_;
  qint64 version_ = -1;
  QTimer* timer_;
};

}  // namespace prefstudio::ui
