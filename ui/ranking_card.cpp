// RankingCard (see ranking_card.h). The drag carries only the card index in kMimeType.
#include "ui/ranking_card.h"

#include <QApplication>
#include <QDrag>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QMimeData>
#include <QMouseEvent>
#include <QScrollBar>
#include <QStyle>
#include <QTextBrowser>
#include <QTextCursor>
#include <QVBoxLayout>

#include "ui/markdown_text.h"

namespace prefstudio::ui {

RankingCard::RankingCard(int index, QWidget* parent) : QFrame(parent), index_(index) {
  setObjectName("rankingCard");
  setAcceptDrops(true);
  setFrameShape(QFrame::StyledPanel);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(10, 8, 10, 10);
  layout->setSpacing(6);
  auto* header = new QHBoxLayout;
  number_ = new QLabel(QString::number(index + 1), this);
  number_->setObjectName("cardNumber");
  number_->setAlignment(Qt::AlignCenter);
  number_->setFixedSize(30, 30);
  number_->setToolTip(tr("Press %1 to place this card next").arg(index + 1));
  place_ = new QLabel(this);
  place_->setObjectName("cardPlace");
  flags_ = new QLabel(this);
  flags_->setObjectName("cardFlags");
  header->addWidget(number_);
  header->addWidget(place_);
  header->addStretch(1);
  header->addWidget(flags_);
  layout->addLayout(header);
  body_ = new QTextBrowser(this);
  body_->setObjectName("cardBody");
  body_->setFocusPolicy(Qt::NoFocus);  // keys belong to the ranking view
  body_->setAcceptDrops(false);        // drops fall through to the card
  body_->setOpenExternalLinks(false);
  body_->setOpenLinks(false);
  body_->setFrameShape(QFrame::NoFrame);
  layout->addWidget(body_, 1);
  setCursor(Qt::OpenHandCursor);
  body_->viewport()->setCursor(Qt::IBeamCursor);
}

void RankingCard::setText(const QString& text, bool raw) {
  renderModelText(body_->document(), text, raw);
  // The document was filled behind the widget's back: its text cursor went along to the end, and
  // the browser would keep that end in view (a long code line scrolled sideways to its last
  // characters). Open every card at its start.
  body_->setTextCursor(QTextCursor(body_->document()));
  body_->verticalScrollBar()->setValue(0);
  body_->horizontalScrollBar()->setValue(0);
}

void RankingCard::scrollBody(int key) {
  QScrollBar* bar = body_->verticalScrollBar();
  switch (key) {
    case Qt::Key_Up:
      bar->triggerAction(QAbstractSlider::SliderSingleStepSub);
      break;
    case Qt::Key_Down:
      bar->triggerAction(QAbstractSlider::SliderSingleStepAdd);
      break;
    case Qt::Key_PageUp:
      bar->triggerAction(QAbstractSlider::SliderPageStepSub);
      break;
    case Qt::Key_PageDown:
      bar->triggerAction(QAbstractSlider::SliderPageStepAdd);
      break;
    case Qt::Key_Home:
      bar->triggerAction(QAbstractSlider::SliderToMinimum);
      break;
    case Qt::Key_End:
      bar->triggerAction(QAbstractSlider::SliderToMaximum);
      break;
    default:
      break;
  }
}

void RankingCard::setPlace(const QString& place, const QString& suggested) {
  QString text = place.isEmpty() ? QString() : tr("Place %1").arg(place);
  if (!suggested.isEmpty())
    text += (text.isEmpty() ? "" : "   ") +
            tr("<span style='color:#8a6d3b'>suggested %1</span>").arg(suggested);
  place_->setText(text);
  if (property("placed").toBool() == !place.isEmpty()) return;
  setProperty("placed", !place.isEmpty());
  for (QWidget* widget : {static_cast<QWidget*>(this), static_cast<QWidget*>(number_)}) {
    style()->unpolish(widget);  // the stylesheet keys the border and the badge on "placed"
    style()->polish(widget);
  }
}

void RankingCard::setFlags(const QString& flags) { flags_->setText(flags); }

void RankingCard::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) pressPos_ = event->position().toPoint();
  QFrame::mousePressEvent(event);
}

void RankingCard::mouseMoveEvent(QMouseEvent* event) {
  if (!(event->buttons() & Qt::LeftButton) ||
      (event->position().toPoint() - pressPos_).manhattanLength() <
          QApplication::startDragDistance())
    return;
  auto* mime = new QMimeData;
  mime->setData(kMimeType, QByteArray::number(index_));
  auto* drag = new QDrag(this);
  drag->setMimeData(mime);
  drag->setPixmap(grab().scaledToWidth(160, Qt::SmoothTransformation));
  drag->exec(Qt::MoveAction);
}

void RankingCard::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasFormat(kMimeType)) event->acceptProposedAction();
}

void RankingCard::dropEvent(QDropEvent* event) {
  bool ok = false;
  int source = event->mimeData()->data(kMimeType).toInt(&ok);
  if (!ok) return;
  event->acceptProposedAction();
  if (source != index_) Q_EMIT cardDropped(source, index_);
}

}  // namespace prefstudio::ui
