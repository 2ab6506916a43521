// ReplotQueue: the Training tab's charts share one frame clock. A chart asks for a replot; the
// queue waits one frame (16 ms) so a burst of changes becomes one replot, then replots the charts
// that asked one per event-loop pass, so input and the rest of the GUI get in between. Without
// it, a polled run that updates four charts in the same second blocks the GUI thread for four
// replots back to back. GUI thread only; a chart deleted while queued is skipped.
#pragma once

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QVector>
#include <functional>

namespace prefstudio::ui {

class ReplotQueue : public QObject {
  Q_OBJECT

 public:
  static ReplotQueue& instance();

  // Queues `replot` for `owner` unless it is already queued; runs it within a frame or so.
  void request(QObject* owner, std::function<void()> replot);
  bool isQueued(const QObject* owner) const;

 private:
  ReplotQueue();
  void runNext();

  struct Entry {
    QPointer<QObject> owner;
    std::function<void()> replot;
  };
  QVector<Entry> queue_;
  QTimer timer_;
};

}  // namespace prefstudio::ui
