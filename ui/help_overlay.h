// HelpOverlay: the '?' sheet over the ranking view listing every shortcut. Any key or click closes
// it. Holds no state beyond its text.
#pragma once

#include <QWidget>

class QLabel;

namespace prefstudio::ui {

class HelpOverlay : public QWidget {
  Q_OBJECT

 public:
  explicit HelpOverlay(QWidget* parent);
  // The shortcut table as shown (also used by the test that checks every shortcut is listed).
  static QString shortcutsHtml();

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QLabel* text_;
};

}  // namespace prefstudio::ui
