// RankingStrip: the ranking so far as a row of chips ("3 > 1 = 4 > ..."), best first, and the drop
// zone that puts a dragged card at a position in that order. Paints itself; holds no state of its
// own beyond what the view last gave it.
#pragma once

#include <QString>
#include <QVector>
#include <QWidget>

namespace prefstudio::ui {

class RankingStrip : public QWidget {
  Q_OBJECT

 public:
  explicit RankingStrip(QWidget* parent = nullptr);
  // cards: card indices in pick order; ties[i]: pick i shares the rank of pick i-1.
  void setOrder(const QVector<int>& cards, const QVector<bool>& ties, bool tiePending);
  void setHint(const QString& hint);
  QString hint() const { return hint_; }
  // The pick position a drop at x lands on: the number of chips whose centre is left of x.
  int positionAt(int x) const;
  QSize sizeHint() const override;

 Q_SIGNALS:
  void cardDroppedAt(int card, int position);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  QRect chipRect(int i) const;
  QVector<int> cards_;
  QVector<bool> ties_;
  bool tiePending_ = false;
  QString hint_;
};

}  // namespace prefstudio::ui
