// LabelingController (see labeling_controller.h).
#include "ui/labeling_controller.h"

#include <algorithm>
#include <exception>
#include <map>
#include <stdexcept>

#include "db/schema.h"
#include "ui/guidelines_panel.h"
#include "ui/history_panel.h"
#include "ui/progress_panel.h"
#include "ui/project_watcher.h"
#include "ui/ranking_view.h"

namespace prefstudio::ui {

LabelingController::LabelingController(const QString& projectPath, const QString& labeler,
                                       QObject* parent)
    : QObject(parent),
      projectPath_(projectPath),
      labeler_(labeler),
      db_(db::open_project(projectPath.toStdString())),
      store_(db_),
      writer_(new LabelWriter(db_, this)) {
  labelerId_ = store_.get_or_create_labeler(labeler.toStdString());
  queue_ = std::make_unique<db::LabelQueue>(db_, labelerId_, store_.settings());
  connect(writer_, &LabelWriter::waitingChanged, this, [this](int count) {
    if (progress_) guarded("Updating the progress", [&] { refreshSide(); });
    Q_EMIT waitingChanged(count);
  });
}

// The writer borrows db_: gone before it (Qt would delete the child after the members).
LabelingController::~LabelingController() { delete writer_; }

template <typename Action>
void LabelingController::guarded(const char* what, Action action) {
  try {
    action();
    if (view_) view_->setError(QString());
  } catch (const std::exception& error) {
    QString message = tr("%1 failed: %2").arg(tr(what), QString::fromUtf8(error.what()));
    if (view_) view_->setError(message);
    Q_EMIT errorOccurred(message);
  }
}

void LabelingController::attach(RankingView* view, ProgressPanel* progress, HistoryPanel* history,
                                GuidelinesPanel* guidelines) {
  view_ = view;
  progress_ = progress;
  history_ = history;
  guidelines_ = guidelines;
  connect(view, &RankingView::submitRequested, this, &LabelingController::submit);
  connect(view, &RankingView::skipRequested, this, &LabelingController::skip);
  connect(view, &RankingView::allBadRequested, this, &LabelingController::allBad);
  connect(view, &RankingView::undoRequested, this, &LabelingController::undo);
  connect(view, &RankingView::flagsChosen, this, &LabelingController::setFlags);
  connect(view, &RankingView::commentChosen, this, &LabelingController::setComment);
  connect(view, &RankingView::backRequested, this, &LabelingController::back);
  connect(view, &RankingView::rawTextToggled, this, &LabelingController::setRawText);
  connect(history, &HistoryPanel::reopenRequested, this, &LabelingController::reopen);
  connect(history, &HistoryPanel::refreshRequested, this, [this] {
    guarded("Loading the history", [&] { history_->setEntries(store_.history(labelerId_, 100)); });
  });
  connect(guidelines, &GuidelinesPanel::saveRequested, this, &LabelingController::saveGuidelines);
  // Prompts imported by the CLI or another copy while this one is open are offered without a
  // restart: the queue picks them up on its next walk; when nothing is left, look again on change.
  watcher_ = new ProjectWatcher(projectPath_, this);
  connect(watcher_, &ProjectWatcher::changed, this, [this] {
    writer_->retryNow();  // the change may be the import that held the lock committing
    if (current_.prompt_id == 0) showNext();
  });
  guarded("Loading the project", [&] {
    db::ProjectSettings settings = store_.settings();
    QStringList flags;
    for (const auto& flag : db::standard_flags()) flags << QString::fromStdString(flag);
    for (const auto& flag : settings.custom_flags) flags << QString::fromStdString(flag);
    view_->setFlagNames(flags);
    view_->setRawText(settings.show_raw_text);
    guidelines_->setMarkdown(QString::fromStdString(settings.guidelines));
  });
  showNext();
}

void LabelingController::showNext() {
  guarded("Loading the next prompt", [&] {
    std::optional<int64_t> next = queue_->next();
    if (next)
      showPrompt(*next);
    else
      showNothingLeft();
    refreshSide();
  });
}

void LabelingController::showNothingLeft() {
  current_ = db::PromptForLabeling();
  view_->showMessage(tr("Nothing left for you to label. Thank you!"));
}

void LabelingController::showPrompt(int64_t promptId) {
  current_ = store_.load_prompt(promptId, labelerId_);
  presentPrompt();
}

void LabelingController::presentPrompt() {
  pendingFlags_.clear();
  pendingComment_.clear();
  view_->showPrompt(current_);
  view_->setFlags(choiceOf(shownFlags()));
  view_->setComment(shownComment());
  updateNote();
}

QString LabelingController::shownComment() const {
  return current_.current ? QString::fromStdString(current_.current->comment) : pendingComment_;
}

const std::vector<db::RankingFlag>& LabelingController::shownFlags() const {
  return current_.current ? current_.current->flags : pendingFlags_;
}

FlagChoice LabelingController::choiceOf(const std::vector<db::RankingFlag>& flags) const {
  FlagChoice choice;
  for (const auto& flag : flags) {
    int card = -1;
    for (size_t i = 0; i < current_.cards.size(); ++i)
      if (flag.completion_id && current_.cards[i].id == *flag.completion_id)
        card = static_cast<int>(i);
    choice.append({card, QString::fromStdString(flag.flag)});
  }
  return choice;
}

void LabelingController::refreshSide() {
  progress_->setCounts(queue_->counts(), labeler_, current_.prompt_id == 0);
  progress_->setWaiting(writer_->waiting());
  // A hidden history tab is refreshed when it is shown (refreshRequested), not on every Enter.
  if (history_->isVisible()) history_->setEntries(store_.history(labelerId_, 100));
}

db::RankingSubmission LabelingController::pendingSubmission() const {
  db::RankingSubmission submission;
  submission.prompt_id = current_.prompt_id;
  submission.labeler_id = labelerId_;
  // A new version of a reopened answer keeps its flags and comment (edited there, at once).
  submission.flags = shownFlags();
  submission.comment =
      current_.current ? current_.current->comment : pendingComment_.toStdString();
  submission.seconds_spent = view_->secondsOnPrompt();
  return submission;
}

void LabelingController::answer(StoreWrite write, const db::RankingSubmission& submission) {
  const int64_t promptId = current_.prompt_id;
  const int64_t serial = nextSerial_++;
  sessionSubmits_.push_back({promptId, 0, 0, serial});
  int64_t job = 0;
  try {
    job =
        writer_->enqueue([this, write, submission] { return (store_.*write)(submission); },
                         [this, serial](int64_t rankingId) { answerCommitted(serial, rankingId); },
                         [this, serial](const QString& message) { answerFailed(serial, message); });
  } catch (...) {
    sessionSubmits_.pop_back();  // failed at once: the view keeps the answer, as before
    throw;
  }
  for (SessionAnswer& answer : sessionSubmits_)
    if (answer.serial == serial && answer.rankingId == 0) answer.job = job;
  // Done in memory: the next prompt shows at once whether or not the answer is written yet.
  queue_->mark_done(promptId);
  std::optional<int64_t> next = queue_->next();
  if (next)
    showPrompt(*next);
  else
    showNothingLeft();
  refreshSide();
}

void LabelingController::answerCommitted(int64_t serial, int64_t rankingId) {
  for (SessionAnswer& answer : sessionSubmits_)
    if (answer.serial == serial) answer.rankingId = rankingId;
  Q_EMIT submitted(rankingId);
}

void LabelingController::answerFailed(int64_t serial, const QString& message) {
  auto it = std::find_if(sessionSubmits_.begin(), sessionSubmits_.end(),
                         [serial](const SessionAnswer& answer) { return answer.serial == serial; });
  if (it == sessionSubmits_.end()) return;
  const int64_t promptId = it->promptId;
  sessionSubmits_.erase(it);
  // Not written, and it will not be as it was (e.g. the import added a completion to the prompt):
  // the prompt comes back first so that the labeler answers it again.
  showError(tr("Saving your answer to prompt %1 failed: %2. The prompt is back in your queue.")
                .arg(promptId)
                .arg(message));
  guarded("Putting the prompt back", [&] {
    queue_->mark_undone(promptId);
    queue_->put_first(promptId);
    if (current_.prompt_id == 0) showNext();
  });
}

void LabelingController::write(const char* what, std::function<void()> action) {
  writer_->enqueue([action] { return (action(), int64_t{0}); }, {},
                   [this, what](const QString& message) {
                     showError(tr("%1 failed: %2").arg(tr(what), message));
                   });
}

void LabelingController::showError(const QString& message) {
  if (view_) view_->setError(message);
  Q_EMIT errorOccurred(message);
}

bool LabelingController::isWaiting(int64_t promptId) const {
  return std::any_of(sessionSubmits_.begin(), sessionSubmits_.end(), [&](const SessionAnswer& a) {
    return a.promptId == promptId && !a.rankingId;
  });
}

bool LabelingController::mayClose() {
  writer_->retryNow();  // the lock may have freed since the last retry: then nothing to ask
  const int count = writer_->waiting();
  if (count == 0 || !view_) return true;
  const QString what = count == 1 ? tr("1 change waits") : tr("%1 changes wait").arg(count);
  const bool quit = view_->confirm(
      tr("%1 for the database: another program holds its lock (an import?). What waits is "
         "saved the moment that program lets go.\n\nQuit anyway and lose it? (No: wait, and "
         "quit by itself once it is saved.)")
          .arg(what));
  // Dropped now, so that a window closed but not yet destroyed does not write it after all.
  if (quit) writer_->cancelAll();
  return quit;
}

void LabelingController::submit(QVector<int> ranks, int strength) {
  guarded("Saving the ranking", [&] {
    if (current_.prompt_id == 0) return;
    if (ranks.size() != static_cast<int>(current_.cards.size()))
      throw std::runtime_error(QString("this prompt has %1 completions; the ranking view shows at "
                                       "most %2: skip it (S) or mark it all bad (X)")
                                   .arg(current_.cards.size())
                                   .arg(RankingView::kMaxCards)
                                   .toStdString());
    db::RankingSubmission submission = pendingSubmission();
    for (int card = 0; card < ranks.size(); ++card)
      submission.ranks.emplace_back(current_.cards[card].id, ranks[card]);
    if (strength > 0) submission.strength = strength;
    if (current_.current && current_.current->status == "ranked" &&
        current_.current->strength == submission.strength &&
        std::map<int64_t, int>(current_.current->ranks.begin(), current_.current->ranks.end()) ==
            std::map<int64_t, int>(submission.ranks.begin(), submission.ranks.end())) {
      showNext();  // the same answer again: nothing to write
      return;
    }
    answer(&db::LabelStore::submit_ranking, submission);
  });
}

void LabelingController::skip() {
  guarded("Skipping", [&] {
    if (current_.prompt_id == 0 || !mayReplaceWith("skipped")) return;
    answer(&db::LabelStore::skip, pendingSubmission());
  });
}

void LabelingController::allBad() {
  guarded("Marking all bad", [&] {
    if (current_.prompt_id == 0 || !mayReplaceWith("all_bad")) return;
    answer(&db::LabelStore::mark_all_bad, pendingSubmission());
  });
}

bool LabelingController::mayReplaceWith(const char* status) {
  if (!current_.current) return true;
  if (current_.current->status == status) {
    showNext();  // already so: nothing to write
    return false;
  }
  if (current_.current->status != "ranked") return true;
  QString question =
      QString(status) == "skipped"
          ? tr("Skip this prompt? Your ranking (version %1) stays in the history but no longer "
               "counts: it leaves the training pairs.")
          : tr("Mark all completions bad? Your ranking (version %1) stays in the history but no "
               "longer counts: it leaves the training pairs.");
  return view_->confirm(question.arg(current_.current->version));
}

void LabelingController::back() {
  guarded("Going back to the queue", [&] {
    if (current_.current) showNext();  // a reopened answer, left as it is
  });
}

void LabelingController::setRawText(bool raw) {
  guarded("Saving the raw-text switch", [&] {
    write("Saving the raw-text switch", [this, raw] {
      db::ProjectSettings settings = store_.settings();
      settings.show_raw_text = raw;
      store_.save_settings(settings);
    });
  });
}

void LabelingController::undo() {
  guarded("Undo", [&] {
    if (sessionSubmits_.empty()) {
      view_->setNote(tr("Nothing to undo in this session."));
      return;
    }
    const SessionAnswer last = sessionSubmits_.back();
    if (!last.rankingId) {  // still waiting: nothing of it is in the database, drop it
      writer_->cancel(last.job);
      sessionSubmits_.pop_back();
      current_ = store_.load_prompt(last.promptId, labelerId_);
    } else {
      const int64_t job = writer_->enqueue(
          [this, last] { return store_.undo_submit(last.rankingId); }, {},
          [this](const QString& message) { showError(tr("Undo failed: %1").arg(message)); });
      sessionSubmits_.pop_back();
      current_ = store_.load_prompt(last.promptId, labelerId_);
      // Waiting for the lock: show what the database will hold once the undo is written.
      if (writer_->isWaiting(job)) current_.current = store_.version_before(last.rankingId);
    }
    if (!current_.current) {
      queue_->mark_undone(last.promptId);
      queue_->put_first(last.promptId);  // undone prompts come next, not at the end of the queue
    }
    presentPrompt();
    refreshSide();
  });
}

void LabelingController::setFlags(FlagChoice flags) {
  guarded("Flagging", [&] {
    if (current_.prompt_id == 0) return;
    std::vector<db::RankingFlag> chosen;
    for (const auto& [card, flag] : flags) {
      db::RankingFlag f;
      if (card >= 0 && card < static_cast<int>(current_.cards.size()))
        f.completion_id = current_.cards[card].id;
      f.flag = flag.toStdString();
      bool seen = false;
      for (const auto& other : chosen)
        seen = seen || (other.completion_id == f.completion_id && other.flag == f.flag);
      if (!seen) chosen.push_back(f);
    }
    if (current_.current) {  // an answered prompt: annotate its ranking now
      const int64_t rankingId = current_.current->id;
      write("Flagging", [this, rankingId, chosen] { store_.set_flags(rankingId, chosen); });
      current_.current->flags = chosen;
    } else {
      pendingFlags_ = chosen;
    }
    view_->setFlags(choiceOf(shownFlags()));
    updateNote();
  });
}

void LabelingController::setComment(QString comment) {
  guarded("Saving the comment", [&] {
    if (current_.prompt_id == 0) return;
    if (current_.current) {
      const int64_t rankingId = current_.current->id;
      const std::string text = comment.toStdString();
      write("Saving the comment", [this, rankingId, text] { store_.set_comment(rankingId, text); });
      current_.current->comment = text;
    } else {
      pendingComment_ = comment;
    }
    view_->setComment(shownComment());
    updateNote();
  });
}

void LabelingController::updateNote() {
  QStringList parts;
  for (const auto& [card, flag] : choiceOf(shownFlags()))
    parts << (card < 0 ? flag : tr("card %1: %2").arg(card + 1).arg(flag));
  QString comment =
      current_.current ? QString::fromStdString(current_.current->comment) : pendingComment_;
  QString note;
  if (!parts.isEmpty()) note += tr("Flags: %1").arg(parts.join(", "));
  if (!comment.isEmpty()) note += (note.isEmpty() ? "" : "   ") + tr("Comment: %1").arg(comment);
  if (current_.current && !note.isEmpty())
    note += tr("   (saved)");
  else if (!note.isEmpty())
    note += tr("   (saved with your answer)");
  if (current_.current)
    note = tr("Your earlier answer (version %1, %2) is loaded: change it and press Enter to save "
              "a new version; Escape goes back to the queue and changes nothing.")
               .arg(current_.current->version)
               .arg(QString::fromStdString(current_.current->status)) +
           (note.isEmpty() ? QString() : "\n" + note);
  view_->setNote(note);
}

void LabelingController::reopen(qint64 promptId) {
  guarded("Reopening", [&] {
    if (isWaiting(promptId))
      throw std::runtime_error(tr("your answer to this prompt still waits for the database; it "
                                  "can be reopened once it is saved")
                                   .toStdString());
    showPrompt(promptId);
  });
  view_->setFocus(Qt::OtherFocusReason);  // keys go to the ranking view, not the history list
}

void LabelingController::saveGuidelines(QString markdown) {
  guarded("Saving the guidelines", [&] {
    const std::string text = markdown.toStdString();
    write("Saving the guidelines", [this, text] {
      db::ProjectSettings settings = store_.settings();
      settings.guidelines = text;
      store_.save_settings(settings);
    });
    guidelines_->setMarkdown(markdown);
  });
}

}  // namespace prefstudio::ui
