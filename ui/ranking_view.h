// RankingView: the labeling screen for one prompt: the prompt on top, the ranking bar, and K = 2..9
// numbered cards (side by side when they fit, in a grid or stacked otherwise). Keyboard first
// (see HelpOverlay::shortcutsHtml), mouse drag as well. It holds the picks (RankingState) and
// emits what the labeler decided; it never touches the database: LabelingController does.
#pragma once

#include <QElapsedTimer>
#include <QVector>
#include <QWidget>
#include <functional>
#include <optional>

#include "db/label_store.h"
#include "ui/flags_dialog.h"
#include "ui/ranking_state.h"

class QCheckBox;
class QGridLayout;
class QLabel;
class QScrollArea;
class QTextBrowser;

namespace prefstudio::ui {

class HelpOverlay;
class RankingCard;
class RankingStrip;
class StrengthScale;

class RankingView : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kMaxCards = 9;
  static constexpr int kMinCardWidth = 230;     // px; narrower and the cards wrap into rows
  static constexpr int kMaxPromptHeight = 180;  // px; a longer prompt scrolls
  static constexpr int kMinCardHeight = 140;    // px; with more rows than fit, the cards scroll

  explicit RankingView(QWidget* parent = nullptr);

  // Shows a prompt; an existing ranking in prompt.current (reopened from history, or restored by
  // undo) is loaded into the picks so the labeler edits it.
  void showPrompt(const db::PromptForLabeling& prompt);
  // Model text as stored (true) or as Markdown without HTML (false); re-renders what is shown.
  void setRawText(bool raw);
  bool rawText() const { return raw_; }
  // The flags of the shown prompt's answer (stored or pending): marked on the cards, and what the
  // flags dialog opens on.
  void setFlags(const FlagChoice& flags);
  const FlagChoice& flags() const { return flags_; }
  // The comment of the shown prompt's answer (stored or pending): what the comment dialog opens on.
  void setComment(const QString& comment) { comment_ = comment; }
  // Asks a yes/no question (a message box; tests replace it). True for yes.
  bool confirm(const QString& question) { return confirm_(question); }
  // No prompt left (or none loaded): shows `message` instead of cards.
  void showMessage(const QString& message);
  void setNote(const QString& note);    // pending flags and comment, shown under the prompt
  void setError(const QString& error);  // empty clears the banner
  void setFlagNames(const QStringList& flags) { flagNames_ = flags; }
  // Tests replace the dialogs; by default they open a FlagsDialog (on the current flags; it
  // returns the whole new set) / a CommentDialog (on the current comment) / a question box.
  void setFlagChooser(std::function<std::optional<FlagChoice>(const FlagChoice&)> chooser) {
    chooseFlags_ = chooser;
  }
  void setCommentAsker(std::function<std::optional<QString>(const QString&)> asker) {
    askComment_ = asker;
  }
  void setConfirmer(std::function<bool(const QString&)> confirmer) { confirm_ = confirmer; }

  qint64 promptId() const { return promptId_; }
  const QVector<qint64>& completionIds() const { return completionIds_; }
  const RankingState& state() const { return state_; }
  double secondsOnPrompt() const { return shown_.isValid() ? shown_.elapsed() / 1000.0 : 0; }
  bool isPairwise() const { return completionIds_.size() == 2; }
  int strengthStep() const;
  RankingCard* card(int index) const { return cards_.value(index); }
  RankingStrip* strip() const { return strip_; }
  bool helpVisible() const;
  int columns() const { return columns_; }
  // How many times the cards area has been painted (the benchmark waits on it).
  int paintCount() const { return paintCount_; }

 Q_SIGNALS:
  // ranks: per card in display order (0 best, ties equal); strength 1..3 in pairwise mode when
  // one card wins (the labeler must choose it), else 0.
  void submitRequested(QVector<int> ranks, int strength);
  void skipRequested();
  void allBadRequested();
  void undoRequested();
  // Escape: leave this prompt unanswered (the controller goes back to the queue).
  void backRequested();
  // The whole new set of flags for the shown prompt.
  void flagsChosen(FlagChoice flags);
  void commentChosen(QString comment);
  void rawTextToggled(bool raw);

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void buildLayout();
  void relayoutCards();
  void fitPromptHeight();
  void refreshPlaces();
  void renderTexts();
  void pickCard(int card);
  void tiePairwise();
  void moveStrength(int key);
  void scrollCards(int key, bool page);
  void submit();
  void onStrengthStep(int step);
  void chooseFlags();
  void askComment();

  QLabel* banner_;
  QTextBrowser* prompt_;
  QLabel* suggestion_;
  QLabel* note_;
  RankingStrip* strip_;
  StrengthScale* strength_;
  QCheckBox* rawText_;
  QScrollArea* area_;
  QWidget* cardsHost_;
  QGridLayout* grid_;
  QLabel* message_;
  QVector<RankingCard*> cards_;
  HelpOverlay* help_;

  RankingState state_;
  qint64 promptId_ = 0;
  QVector<qint64> completionIds_;
  QVector<int> suggestedPlaces_;  // per card, -1 none
  QString promptText_;            // as stored, for re-rendering when the raw switch flips
  QStringList cardTexts_;
  bool raw_ = false;
  FlagChoice flags_;
  QString comment_;
  int columns_ = 0;
  int laidOutCount_ = -1;
  int paintCount_ = 0;
  QElapsedTimer shown_;
  QStringList flagNames_;
  std::function<std::optional<FlagChoice>(const FlagChoice&)> chooseFlags_;
  std::function<std::optional<QString>(const QString&)> askComment_;
  std::function<bool(const QString&)> confirm_;
};

}  // namespace prefstudio::ui
