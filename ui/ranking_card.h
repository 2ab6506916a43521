// RankingCard: one completion shown as a numbered card: a header to drag it by (its key number,
// its place once ranked, its flags) and a scrollable Markdown body. It emits what the mouse did;
// the ranking logic lives in RankingState and the view. Never shows the model's name.
#pragma once

#include <QFrame>
#include <QPoint>

class QLabel;
class QTextBrowser;

namespace prefstudio::ui {

class RankingCard : public QFrame {
  Q_OBJECT

 public:
  static constexpr const char* kMimeType = "application/x-prefstudio-card";

  RankingCard(int index, QWidget* parent = nullptr);
  int index() const { return index_; }
  // Sets the card's text (Markdown without HTML, or raw; see renderModelText); resets the scroll.
  void setText(const QString& text, bool raw);
  // Keyboard scrolling of the body: lines (Up/Down), pages (PageUp/PageDown), top / bottom.
  void scrollBody(int key);
  // place: "" unplaced, "1", "2 =" ...; suggested: the place a suggestion gives, "" for none.
  void setPlace(const QString& place, const QString& suggested);
  void setFlags(const QString& flags);
  QTextBrowser* body() const { return body_; }

 Q_SIGNALS:
  // The card `source` was dropped on this card: a tie.
  void cardDropped(int source, int target);

 protected:
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  int index_;
  QLabel* number_;
  QLabel* place_;
  QLabel* flags_;
  QTextBrowser* body_;
  QPoint pressPos_;
};

}  // namespace prefstudio::ui
