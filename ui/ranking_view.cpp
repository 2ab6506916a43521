// RankingView (see ranking_view.h). The nine cards are built once and reused: showing the next
// prompt only swaps texts and re-lays out when K or the column count changes, which keeps the
// Enter-to-next-prompt time inside one frame.
#include "ui/ranking_view.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMessageBox>
#include <QScrollArea>
#include <QScrollBar>
#include <QTextBrowser>
#include <QTextCursor>
#include <QTextDocument>
#include <QVBoxLayout>
#include <algorithm>
#include <map>

#include "ui/comment_dialog.h"
#include "ui/help_overlay.h"
#include "ui/markdown_text.h"
#include "ui/ranking_card.h"
#include "ui/ranking_strip.h"
#include "ui/strength_scale.h"

namespace prefstudio::ui {

RankingView::RankingView(QWidget* parent) : QWidget(parent) {
  setObjectName("rankingView");
  setFocusPolicy(Qt::StrongFocus);
  buildLayout();
  help_ = new HelpOverlay(this);
  chooseFlags_ = [this](const FlagChoice& current) -> std::optional<FlagChoice> {
    FlagsDialog dialog(flagNames_, static_cast<int>(completionIds_.size()), current, this);
    if (dialog.exec() != QDialog::Accepted) return std::nullopt;
    return dialog.choice();
  };
  askComment_ = [this](const QString& current) { return CommentDialog::ask(this, current); };
  confirm_ = [this](const QString& question) {
    return QMessageBox::question(this, tr("Preference Studio"), question) == QMessageBox::Yes;
  };
  showMessage(tr("No prompt loaded."));
}

void RankingView::buildLayout() {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(12, 8, 12, 8);
  layout->setSpacing(8);
  banner_ = new QLabel(this);
  banner_->setObjectName("errorBanner");
  banner_->setWordWrap(true);
  banner_->hide();
  prompt_ = new QTextBrowser(this);
  prompt_->setObjectName("promptText");
  prompt_->setFocusPolicy(Qt::NoFocus);
  prompt_->setAcceptDrops(false);
  prompt_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
  suggestion_ = new QLabel(this);
  suggestion_->setObjectName("suggestion");
  suggestion_->hide();
  note_ = new QLabel(this);
  note_->setObjectName("note");
  note_->setWordWrap(true);
  note_->hide();
  strip_ = new RankingStrip(this);
  strength_ = new StrengthScale(this);
  strength_->hide();
  rawText_ = new QCheckBox(tr("Raw text (R)"), this);
  rawText_->setObjectName("rawText");
  rawText_->setFocusPolicy(Qt::NoFocus);
  rawText_->setToolTip(tr("Show the prompt and completions exactly as stored, without rendering "
                          "Markdown (for everyone on this project)"));
  connect(rawText_, &QCheckBox::toggled, this, [this](bool raw) {
    if (raw == raw_) return;
    setRawText(raw);
    Q_EMIT rawTextToggled(raw);
  });
  area_ = new QScrollArea(this);
  area_->setObjectName("cardsArea");
  area_->setWidgetResizable(true);
  area_->setFrameShape(QFrame::NoFrame);
  area_->setFocusPolicy(Qt::NoFocus);
  cardsHost_ = new QWidget(area_);
  cardsHost_->setObjectName("cardsHost");
  cardsHost_->installEventFilter(this);  // counts paints for the benchmark
  grid_ = new QGridLayout(cardsHost_);
  grid_->setContentsMargins(0, 0, 0, 0);
  grid_->setSpacing(10);
  for (int i = 0; i < kMaxCards; ++i) {
    auto* card = new RankingCard(i, cardsHost_);
    card->hide();
    connect(card, &RankingCard::cardDropped, this, [this](int source, int target) {
      if (state_.tieWith(source, target)) refreshPlaces();
    });
    cards_.append(card);
  }
  message_ = new QLabel(cardsHost_);
  message_->setObjectName("viewMessage");
  message_->setAlignment(Qt::AlignCenter);
  area_->setWidget(cardsHost_);
  connect(strip_, &RankingStrip::cardDroppedAt, this, [this](int card, int position) {
    if (state_.moveTo(card, position)) refreshPlaces();
  });
  connect(strength_, &StrengthScale::stepChosen, this, &RankingView::onStrengthStep);
  layout->addWidget(banner_);
  layout->addWidget(prompt_);
  layout->addWidget(suggestion_);
  layout->addWidget(note_);
  auto* stripRow = new QHBoxLayout;
  stripRow->addWidget(strip_, 1);
  stripRow->addWidget(rawText_);
  layout->addLayout(stripRow);
  layout->addWidget(strength_);
  layout->addWidget(area_, 1);
}

void RankingView::showPrompt(const db::PromptForLabeling& prompt) {
  promptId_ = prompt.prompt_id;
  completionIds_.clear();
  for (const auto& card : prompt.cards) completionIds_.append(card.id);
  int k = std::min<int>(completionIds_.size(), kMaxCards);
  promptText_ = QString::fromStdString(prompt.prompt_text);
  cardTexts_.clear();
  for (int i = 0; i < k; ++i) cardTexts_ << QString::fromStdString(prompt.cards[i].text);
  message_->hide();
  renderTexts();
  state_ = RankingState(k);
  suggestedPlaces_ = QVector<int>(k, -1);
  if (!prompt.suggestions.empty()) {
    const db::SuggestedRanking& suggestion = prompt.suggestions.front();
    QStringList order;
    for (size_t place = 0; place < suggestion.completion_ids.size(); ++place) {
      int card = completionIds_.indexOf(suggestion.completion_ids[place]);
      if (card < 0) continue;
      suggestedPlaces_[card] = static_cast<int>(place);
      order << QString::number(card + 1);
    }
    suggestion_->setText(
        tr("Suggestion (from %1, not a label): %2")
            .arg(QString::fromStdString(suggestion.source), order.join(" \u203A ")));
    suggestion_->show();
  } else {
    suggestion_->hide();
  }
  strength_->setVisible(k == 2);
  strength_->setStep(-1);
  if (prompt.current) {  // editing an earlier ranking: start from it
    std::vector<int> ranks(k, -1);
    for (const auto& [completionId, rank] : prompt.current->ranks) {
      int card = completionIds_.indexOf(completionId);
      if (card >= 0 && card < k) ranks[card] = rank;
    }
    state_.setRanks(ranks);
    if (k == 2 && state_.complete() && ranks[0] == ranks[1])
      strength_->setStep(StrengthScale::kTie);
    else if (k == 2 && prompt.current->strength && state_.complete())
      strength_->setStep(StrengthScale::stepFor(state_.pickOrder()[0], *prompt.current->strength));
    setNote(tr("Your earlier answer (version %1, %2) is loaded: change it and press Enter to save "
               "a new version; Escape goes back to the queue and changes nothing.")
                .arg(prompt.current->version)
                .arg(QString::fromStdString(prompt.current->status)));
  } else {
    setNote(QString());
  }
  setFlags(FlagChoice());
  comment_.clear();
  if (k != laidOutCount_) relayoutCards();
  refreshPlaces();
  shown_.start();
}

void RankingView::renderTexts() {
  renderModelText(prompt_->document(), promptText_, raw_);
  prompt_->setTextCursor(QTextCursor(prompt_->document()));  // at its start, as the cards
  fitPromptHeight();
  for (int i = 0; i < cardTexts_.size(); ++i) cards_[i]->setText(cardTexts_[i], raw_);
}

void RankingView::setRawText(bool raw) {
  raw_ = raw;
  rawText_->setChecked(raw);
  if (promptId_ != 0) renderTexts();
}

void RankingView::setFlags(const FlagChoice& flags) {
  flags_ = flags;
  QVector<QStringList> perCard(kMaxCards);
  for (const auto& [card, flag] : flags)
    if (card >= 0 && card < kMaxCards) perCard[card] << flag;
  for (int i = 0; i < kMaxCards; ++i)
    cards_[i]->setFlags(perCard[i].isEmpty() ? QString() : "\u2691 " + perCard[i].join(", "));
}

void RankingView::fitPromptHeight() {
  // As tall as the prompt needs, up to kMaxPromptHeight; longer prompts scroll.
  QTextDocument* document = prompt_->document();
  document->setTextWidth(std::max(prompt_->viewport()->width(), 200));
  int height = static_cast<int>(document->size().height()) + 2 * prompt_->frameWidth() + 14;
  prompt_->setFixedHeight(std::clamp(height, 44, kMaxPromptHeight));
}

void RankingView::showMessage(const QString& message) {
  promptId_ = 0;
  completionIds_.clear();
  promptText_.clear();
  cardTexts_.clear();
  state_ = RankingState(0);
  prompt_->clear();
  suggestion_->hide();
  strength_->hide();
  setNote(QString());
  for (auto* card : cards_) card->hide();
  laidOutCount_ = -1;
  message_->setText(message);
  message_->show();
  grid_->addWidget(message_, 0, 0);
  refreshPlaces();
}

void RankingView::setNote(const QString& note) {
  note_->setText(note);
  note_->setVisible(!note.isEmpty());
}

void RankingView::setError(const QString& error) {
  banner_->setText(error);
  banner_->setVisible(!error.isEmpty());
}

void RankingView::relayoutCards() {
  int k = static_cast<int>(completionIds_.size());
  // The view's own width, not the scroll area's: on a resize the children are laid out later.
  int width = std::max(this->width() - 40, kMinCardWidth);
  int columns = k == 0 ? 1 : std::clamp(width / kMinCardWidth, 1, k);
  // Rows of equal length read better than a long row and a stub: 5 cards in 3 columns -> 3 + 2.
  if (columns < k) columns = (k + (k + columns - 1) / columns - 1) / ((k + columns - 1) / columns);
  columns_ = columns;
  laidOutCount_ = k;
  while (grid_->count() > 0) grid_->takeAt(0);
  bool stacked = columns < k;
  // Rows share the height the cards area has, down to kMinCardHeight (then the area scrolls):
  // at 1024 x 700, K = 9 fits three rows of three without scrolling.
  int rows = k == 0 ? 1 : (k + columns - 1) / columns;
  int fit = (area_->height() - grid_->spacing() * (rows - 1)) / rows;
  int minHeight = std::clamp(fit, kMinCardHeight, stacked ? 260 : 200);
  for (int i = 0; i < kMaxCards; ++i) {
    if (i < k) {
      grid_->addWidget(cards_[i], i / columns, i % columns);
      cards_[i]->setMinimumHeight(minHeight);
      cards_[i]->show();
    } else {
      cards_[i]->hide();
    }
  }
  for (int c = 0; c < kMaxCards; ++c) grid_->setColumnStretch(c, c < columns ? 1 : 0);
}

void RankingView::refreshPlaces() {
  std::vector<int> ranks = state_.ranks();
  std::map<int, int> sizeOfRank;
  for (int rank : ranks)
    if (rank >= 0) ++sizeOfRank[rank];
  for (int i = 0; i < state_.cardCount(); ++i) {
    QString place = ranks[i] < 0 ? QString() : QString::number(ranks[i] + 1);
    if (ranks[i] >= 0 && sizeOfRank[ranks[i]] > 1) place += " (tie)";
    QString suggested =
        suggestedPlaces_.value(i, -1) < 0 ? QString() : QString::number(suggestedPlaces_[i] + 1);
    cards_[i]->setPlace(place, suggested);
  }
  QVector<int> order;
  QVector<bool> ties;
  for (int card : state_.pickOrder()) order.append(card);
  for (bool tie : state_.pickTies()) ties.append(tie);
  strip_->setOrder(order, ties, state_.tiePending());
  QString hint;
  if (state_.cardCount() == 0)
    hint = QString();
  else if (isPairwise() && state_.complete() && strength_->step() < 0)
    hint = tr("card %1 is better: how much? \u2190 / \u2192 (= ties)").arg(state_.pickOrder()[0] + 1);
  else if (state_.complete())
    hint = tr("Enter submits");
  else if (state_.placedCount() == state_.cardCount() - 1)
    hint = tr("Enter places the last card and submits");
  else
    hint = tr("press card numbers, best first  \u00b7  = ties  \u00b7  ? help");
  strip_->setHint(hint);
}

int RankingView::strengthStep() const { return strength_->step(); }

void RankingView::pickCard(int card) {
  if (isPairwise()) {
    // The digit names the better card; how much better is the labeler's own choice (the scale),
    // kept when it already named this card.
    if (card > 1) return;
    state_.clear();
    state_.pick(card);
    state_.placeLast();
    int step = strength_->step();
    if (step < 0 || step == StrengthScale::kTie || StrengthScale::winnerOf(step) != card)
      strength_->setStep(-1);
    refreshPlaces();
    return;
  }
  if (!state_.pick(card)) return;
  refreshPlaces();
}

void RankingView::tiePairwise() {
  state_.setRanks({0, 0});
  strength_->setStep(StrengthScale::kTie);
  refreshPlaces();
}

void RankingView::onStrengthStep(int step) {
  if (!isPairwise()) return;
  if (step == StrengthScale::kTie) {
    tiePairwise();
    return;
  }
  state_.clear();
  state_.pick(StrengthScale::winnerOf(step));
  state_.placeLast();
  refreshPlaces();
}

void RankingView::moveStrength(int key) {
  // The first arrow lands on "slightly better" for the card already chosen (or on the side the
  // arrow points to); each further one moves a step, through the tie in the middle.
  int step = strength_->step();
  const bool left = key == Qt::Key_Left;
  std::vector<int> ranks = state_.ranks();
  if (step >= 0)
    step = std::clamp(step + (left ? -1 : 1), 0, static_cast<int>(StrengthScale::kLast));
  else if (state_.complete() && ranks[0] != ranks[1])
    step = StrengthScale::stepFor(state_.pickOrder()[0], 1);
  else
    step = StrengthScale::kTie + (left ? -1 : 1);
  strength_->setStep(step);
  onStrengthStep(step);
}

void RankingView::scrollCards(int key, bool page) {
  if (page) {  // Shift: the area that holds the cards, when its rows do not fit
    QScrollBar* bar = area_->verticalScrollBar();
    if (key == Qt::Key_Up || key == Qt::Key_Down) {
      bar->triggerAction(key == Qt::Key_Up ? QAbstractSlider::SliderSingleStepSub
                                           : QAbstractSlider::SliderSingleStepAdd);
    } else if (key == Qt::Key_PageUp || key == Qt::Key_PageDown) {
      bar->triggerAction(key == Qt::Key_PageUp ? QAbstractSlider::SliderPageStepSub
                                               : QAbstractSlider::SliderPageStepAdd);
    } else {
      bar->triggerAction(key == Qt::Key_Home ? QAbstractSlider::SliderToMinimum
                                             : QAbstractSlider::SliderToMaximum);
    }
    return;
  }
  for (int i = 0; i < state_.cardCount(); ++i) cards_[i]->scrollBody(key);
}

void RankingView::submit() {
  if (promptId_ == 0) return;
  if (!state_.complete()) state_.placeLast();
  refreshPlaces();
  if (!state_.complete()) {  // say what is missing; nothing is stored
    QStringList missing;
    for (int card = 0; card < state_.cardCount(); ++card)
      if (!state_.isPlaced(card)) missing << QString::number(card + 1);
    strip_->setHint(tr("Not saved: place cards %1 first (Enter places the last one)")
                        .arg(missing.join(", ")));
    return;
  }
  std::vector<int> ranks = state_.ranks();
  int strength = 0;
  if (isPairwise() && ranks[0] != ranks[1]) {
    if (strength_->step() < 0 || strength_->step() == StrengthScale::kTie) {
      strip_->setHint(tr("Not saved: how much better is card %1? \u2190 / \u2192 (= ties)")
                          .arg(state_.pickOrder()[0] + 1));
      return;
    }
    strength = StrengthScale::strengthOf(strength_->step());
  }
  Q_EMIT submitRequested(QVector<int>(ranks.begin(), ranks.end()), strength);
}

void RankingView::chooseFlags() {
  if (promptId_ == 0) return;
  std::optional<FlagChoice> flags = chooseFlags_(flags_);
  if (!flags || *flags == flags_) return;
  Q_EMIT flagsChosen(*flags);
}

void RankingView::askComment() {
  if (promptId_ == 0) return;
  std::optional<QString> comment = askComment_(comment_);
  if (comment && *comment != comment_) Q_EMIT commentChosen(*comment);
}

bool RankingView::helpVisible() const { return help_->isVisible(); }

void RankingView::keyPressEvent(QKeyEvent* event) {
  if (help_->isVisible()) {
    help_->hide();
    return;
  }
  const int key = event->key();
  const bool ctrl = event->modifiers() & Qt::ControlModifier;
  if (ctrl && key == Qt::Key_Z) {
    Q_EMIT undoRequested();
  } else if (key == Qt::Key_Question || event->text() == "?") {
    help_->setGeometry(rect());
    help_->show();
    help_->raise();
  } else if (ctrl) {
    QWidget::keyPressEvent(event);
  } else if (key >= Qt::Key_1 && key <= Qt::Key_9) {
    pickCard(key - Qt::Key_1);
  } else if (key == Qt::Key_Equal) {
    if (isPairwise()) {
      tiePairwise();
    } else {
      state_.tieNext();
      refreshPlaces();
    }
  } else if (key == Qt::Key_Backspace) {
    if (state_.takeBack()) {
      if (isPairwise()) {
        state_.clear();
        strength_->setStep(-1);
      }
      refreshPlaces();
    }
  } else if (key == Qt::Key_Return || key == Qt::Key_Enter) {
    submit();
  } else if (key == Qt::Key_S) {
    if (promptId_ != 0) Q_EMIT skipRequested();
  } else if (key == Qt::Key_X) {
    if (promptId_ != 0) Q_EMIT allBadRequested();
  } else if (key == Qt::Key_F) {
    chooseFlags();
  } else if (key == Qt::Key_C) {
    askComment();
  } else if (key == Qt::Key_Escape) {
    if (promptId_ != 0) Q_EMIT backRequested();
  } else if (key == Qt::Key_R) {
    rawText_->setChecked(!raw_);  // emits rawTextToggled
  } else if ((key == Qt::Key_Left || key == Qt::Key_Right) && isPairwise()) {
    moveStrength(key);
  } else if (key == Qt::Key_Left || key == Qt::Key_Right) {
    for (int i = 0; i < state_.cardCount(); ++i)
      cards_[i]->body()->horizontalScrollBar()->triggerAction(
          key == Qt::Key_Left ? QAbstractSlider::SliderPageStepSub
                              : QAbstractSlider::SliderPageStepAdd);
  } else if (key == Qt::Key_Up || key == Qt::Key_Down || key == Qt::Key_PageUp ||
             key == Qt::Key_PageDown || key == Qt::Key_Home || key == Qt::Key_End) {
    scrollCards(key, event->modifiers() & Qt::ShiftModifier);
  } else {
    QWidget::keyPressEvent(event);
  }
}

void RankingView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  if (!completionIds_.isEmpty()) {
    relayoutCards();
    fitPromptHeight();
  }
}

bool RankingView::eventFilter(QObject* watched, QEvent* event) {
  if (watched == cardsHost_ && event->type() == QEvent::Paint) ++paintCount_;
  return QWidget::eventFilter(watched, event);
}

}  // namespace prefstudio::ui
