// FlagsDialog: the flags of one prompt's answer, for the whole set or for one card: the standard
// flags plus the project's own. It opens on the flags already given (checked), and what it returns
// is the whole new set: unchecking removes a flag, each (card, flag) appears once.
#pragma once

#include <QDialog>
#include <QPair>
#include <QStringList>
#include <QVector>

class QComboBox;
class QListWidget;
class QListWidgetItem;

namespace prefstudio::ui {

// (card index, or -1 for the whole set; flag name)
using FlagChoice = QVector<QPair<int, QString>>;

class FlagsDialog : public QDialog {
  Q_OBJECT

 public:
  FlagsDialog(const QStringList& flags, int cardCount, const FlagChoice& current,
              QWidget* parent = nullptr);
  // Every flag checked, over all targets, in a stable order (whole set first, then by card).
  FlagChoice choice() const { return chosen_; }
  QComboBox* target() const { return target_; }
  QListWidget* list() const { return list_; }

 private:
  void showTarget();
  void onItemChanged(QListWidgetItem* item);

  QComboBox* target_;
  QListWidget* list_;
  FlagChoice chosen_;
  bool filling_ = false;
};

}  // namespace prefstudio::ui
