// LabelingController: the one place where labeling touches the database. It owns its own SQLite
// connection (GUI thread only), the LabelStore and the LabelQueue, takes the view's decisions and
// hands each write to its LabelWriter (one transaction each, in order). When the lock is free the
// write commits before the next prompt shows, as always; while another program holds it (an
// import), the answer waits in memory, the next prompt shows at once and the progress line says how
// many answers wait; they commit when the lock frees, and submitted() fires then. Reads stay on the
// GUI thread (under WAL they never wait for a writer). Every slot catches
// DbError (and any std::exception) and shows it in the view's banner: no exception leaves a slot.
// Flags and a comment chosen before a prompt is answered travel with its submit/skip/all-bad;
// on a prompt that already has this labeler's ranking (reopened) they are written at once, and a
// new version of it carries them over. On a reopened prompt nothing is written unless the answer
// changes: Escape and an unchanged Enter go back to the queue, and replacing a ranking by a skip
// or all-bad asks first.
#pragma once

#include <QObject>
#include <QString>
#include <QVector>
#include <functional>
#include <memory>
#include <vector>

#include "db/database.h"
#include "db/label_queue.h"
#include "db/label_store.h"
#include "ui/flags_dialog.h"
#include "ui/label_writer.h"

namespace prefstudio::ui {

class GuidelinesPanel;
class HistoryPanel;
class ProgressPanel;
class ProjectWatcher;
class RankingView;

class LabelingController : public QObject {
  Q_OBJECT

 public:
  // Opens (creating and migrating if new) the project and the labeler. Throws DbError.
  LabelingController(const QString& projectPath, const QString& labeler, QObject* parent = nullptr);
  ~LabelingController() override;

  // Connects the widgets (not owned) and shows the first prompt.
  void attach(RankingView* view, ProgressPanel* progress, HistoryPanel* history,
              GuidelinesPanel* guidelines);
  QString projectPath() const { return projectPath_; }
  QString labeler() const { return labeler_; }
  qint64 labelerId() const { return labelerId_; }
  // Writes that wait for another program's lock (0: everything done here is in the database).
  int waitingWrites() const { return writer_->waiting(); }
  // Before the window closes or another project replaces this one: true when nothing waits, or
  // when the labeler chose to drop what waits (asked through the view's confirm(); dropped then).
  bool mayClose();

 public Q_SLOTS:
  void submit(QVector<int> ranks, int strength);
  void skip();
  void allBad();
  void undo();
  // The whole new set of flags of the shown prompt's answer.
  void setFlags(FlagChoice flags);
  void setComment(QString comment);
  void reopen(qint64 promptId);
  // Leaves the shown prompt without writing anything (Escape).
  void back();
  void setRawText(bool raw);
  void saveGuidelines(QString markdown);
  void showNext();

 Q_SIGNALS:
  // After each submit, skip or all-bad is committed (the kill test waits for it).
  void submitted(qint64 rankingId);
  void errorOccurred(QString message);
  // After the number of writes waiting for the lock changed.
  void waitingChanged(int count);

 private:
  template <typename Action>
  void guarded(const char* what, Action action);
  db::RankingSubmission pendingSubmission() const;
  const std::vector<db::RankingFlag>& shownFlags() const;
  FlagChoice choiceOf(const std::vector<db::RankingFlag>& flags) const;
  // Replaces a current ranking by a skip or all-bad: true when there is something to write (asks
  // before a ranking is replaced).
  bool mayReplaceWith(const char* status);
  // One answer of this session (Ctrl+Z pops the last): its ranking id once committed, 0 while it
  // waits in the writer as job `job`.
  struct SessionAnswer {
    int64_t promptId = 0;
    int64_t rankingId = 0;
    int64_t job = 0;
    int64_t serial = 0;  // names the answer in the writer's callbacks
  };
  using StoreWrite = int64_t (db::LabelStore::*)(const db::RankingSubmission&);
  // Hands the shown prompt's answer to the writer and moves on to the next prompt.
  void answer(StoreWrite write, const db::RankingSubmission& submission);
  void answerCommitted(int64_t serial, int64_t rankingId);
  void answerFailed(int64_t serial, const QString& message);
  // A write that is not an answer (flags, comment, settings), in order with the answers.
  void write(const char* what, std::function<void()> action);
  bool isWaiting(int64_t promptId) const;
  void showError(const QString& message);
  void showPrompt(int64_t promptId);
  // Shows current_ (loaded by the caller) with its flags, comment and note.
  void presentPrompt();
  void refreshSide();
  void updateNote();
  void showNothingLeft();
  QString shownComment() const;

  QString projectPath_;
  QString labeler_;
  db::Database db_;
  db::LabelStore store_;
  int64_t labelerId_ = 0;
  std::unique_ptr<db::LabelQueue> queue_;
  db::PromptForLabeling current_;
  std::vector<SessionAnswer> sessionSubmits_;
  int64_t nextSerial_ = 1;
  LabelWriter* writer_;
  std::vector<db::RankingFlag> pendingFlags_;
  QString pendingComment_;
  RankingView* view_ = nullptr;
  ProgressPanel* progress_ = nullptr;
  HistoryPanel* history_ = nullptr;
  GuidelinesPanel* guidelines_ = nullptr;
  ProjectWatcher* watcher_ = nullptr;  // offers prompts imported while "nothing left" is shown
};

}  // namespace prefstudio::ui
