// LabelingController: the one place where labeling touches the database. It owns its own SQLite
// connection (GUI thread only), the LabelStore and the LabelQueue, takes the view's decisions and
// writes each one in its own transaction before showing the next prompt. Every slot catches
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
#include <memory>
#include <vector>

#include "db/database.h"
#include "db/label_queue.h"
#include "db/label_store.h"
#include "ui/flags_dialog.h"

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
  // The ranking ids this session submitted, oldest first (Ctrl+Z pops the last).
  const std::vector<int64_t>& sessionSubmits() const { return sessionSubmits_; }

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

 private:
  template <typename Action>
  void guarded(const char* what, Action action);
  db::RankingSubmission pendingSubmission() const;
  const std::vector<db::RankingFlag>& shownFlags() const;
  FlagChoice choiceOf(const std::vector<db::RankingFlag>& flags) const;
  // Replaces a current ranking by a skip or all-bad: true when there is something to write (asks
  // before a ranking is replaced).
  bool mayReplaceWith(const char* status);
  void finishAnswer(int64_t rankingId);
  void showPrompt(int64_t promptId);
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
  std::vector<int64_t> sessionSubmits_;
  std::vector<db::RankingFlag> pendingFlags_;
  QString pendingComment_;
  RankingView* view_ = nullptr;
  ProgressPanel* progress_ = nullptr;
  HistoryPanel* history_ = nullptr;
  GuidelinesPanel* guidelines_ = nullptr;
  ProjectWatcher* watcher_ = nullptr;  // offers prompts imported while "nothing left" is shown
};

}  // namespace prefstudio::ui
