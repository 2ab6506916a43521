// FlagsDialog: choose flags for the whole set or for one card: the standard flags plus the
// project's own. Returns choices as (card index or -1 for the whole set, flag).
#pragma once

#include <QDialog>
#include <QPair>
#include <QStringList>
#include <QVector>

class QComboBox;
class QListWidget;

namespace prefstudio::ui {

using FlagChoice = QVector<QPair<int, QString>>;

class FlagsDialog : public QDialog {
  Q_OBJECT

 public:
  FlagsDialog(const QStringList& flags, int cardCount, QWidget* parent = nullptr);
  FlagChoice choice() const;

 private:
  QComboBox* target_;
  QListWidget* list_;
};

}  // namespace prefstudio::ui
