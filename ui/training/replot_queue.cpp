// ReplotQueue (see replot_queue.h). The first request of a quiet queue starts the 16 ms frame
// timer; after each replot a 0 ms timer takes the next one, and Qt delivers the events posted
// meanwhile (input, a worker's results) before that timer fires.
#include "ui/training/replot_queue.h"

namespace prefstudio::ui {

namespace {

constexpr int kFrameMs = 16;

}  // namespace

ReplotQueue& ReplotQueue::instance() {
  static ReplotQueue* queue = new ReplotQueue;  // lives as long as the GUI thread's event loop
  return *queue;
}

ReplotQueue::ReplotQueue() {
  timer_.setSingleShot(true);
  connect(&timer_, &QTimer::timeout, this, &ReplotQueue::runNext);
}

bool ReplotQueue::isQueued(const QObject* owner) const {
  for (const Entry& entry : queue_)
    if (entry.owner == owner) return true;
  return false;
}

void ReplotQueue::request(QObject* owner, std::function<void()> replot) {
  if (isQueued(owner)) return;
  queue_.append({owner, std::move(replot)});
  if (!timer_.isActive()) timer_.start(kFrameMs);
}

void ReplotQueue::runNext() {
  while (!queue_.isEmpty()) {
    Entry entry = queue_.takeFirst();
    if (!entry.owner) continue;  // deleted while queued
    entry.replot();
    break;
  }
  if (!queue_.isEmpty()) timer_.start(0);
}

}  // namespace prefstudio::ui
