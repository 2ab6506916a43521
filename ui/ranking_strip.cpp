// RankingStrip (see ranking_strip.h). Chips are fixed-width so a drop position is simple geometry.
#include "ui/ranking_strip.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QPainter>

#include "ui/ranking_card.h"

namespace prefstudio::ui {

namespace {
constexpr int kChip = 34;  // px, chip width and height
constexpr int kGap = 26;   // px, room for the ">" or "=" between chips
constexpr int kLeft = 96;  // px, room for the "Ranking" caption
}  // namespace

RankingStrip::RankingStrip(QWidget* parent) : QWidget(parent) {
  setObjectName("rankingStrip");
  setAcceptDrops(true);
  setMinimumHeight(kChip + 12);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

QSize RankingStrip::sizeHint() const { return QSize(600, kChip + 12); }

void RankingStrip::setOrder(const QVector<int>& cards, const QVector<bool>& ties, bool tiePending) {
  cards_ = cards;
  ties_ = ties;
  tiePending_ = tiePending;
  update();
}

void RankingStrip::setHint(const QString& hint) {
  hint_ = hint;
  update();
}

QRect RankingStrip::chipRect(int i) const {
  return QRect(kLeft + i * (kChip + kGap), (height() - kChip) / 2, kChip, kChip);
}

int RankingStrip::positionAt(int x) const {
  int position = 0;
  for (int i = 0; i < cards_.size(); ++i)
    if (chipRect(i).center().x() < x) position = i + 1;
  return position;
}

void RankingStrip::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  QColor ink = palette().color(QPalette::WindowText);
  painter.setPen(ink);
  painter.drawText(QRect(0, 0, kLeft - 8, height()), Qt::AlignVCenter | Qt::AlignLeft,
                   tr("Ranking"));
  for (int i = 0; i < cards_.size(); ++i) {
    QRect chip = chipRect(i);
    if (i > 0) {
      QRect gap(chip.left() - kGap, chip.top(), kGap, kChip);
      painter.setPen(ink);
      painter.drawText(gap, Qt::AlignCenter, ties_.value(i) ? "=" : QString::fromUtf8("\u203A"));
    }
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor("#2f6fdd"));
    painter.drawRoundedRect(chip, 7, 7);
    painter.setPen(Qt::white);
    painter.drawText(chip, Qt::AlignCenter, QString::number(cards_[i] + 1));
  }
  int x = kLeft + cards_.size() * (kChip + kGap);
  painter.setPen(QColor("#6a737d"));
  QString tail = tiePending_ ? tr("= next pick ties") : hint_;
  painter.drawText(QRect(x, 0, width() - x, height()), Qt::AlignVCenter | Qt::AlignLeft, tail);
}

void RankingStrip::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasFormat(RankingCard::kMimeType)) event->acceptProposedAction();
}

void RankingStrip::dropEvent(QDropEvent* event) {
  bool ok = false;
  int card = event->mimeData()->data(RankingCard::kMimeType).toInt(&ok);
  if (!ok) return;
  event->acceptProposedAction();
  Q_EMIT cardDroppedAt(card, positionAt(event->position().toPoint().x()));
}

}  // namespace prefstudio::ui
