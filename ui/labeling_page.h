// LabelingPage: the "Label" tab: progress on top, the ranking view, and a side column with the
// guidelines and the history. It owns its LabelingController (one per open project and labeler)
// and wires it to the widgets; it has no logic of its own.
#pragma once

#include <QWidget>
#include <memory>

namespace prefstudio::ui {

class GuidelinesPanel;
class HistoryPanel;
class LabelingController;
class ProgressPanel;
class RankingView;

class LabelingPage : public QWidget {
  Q_OBJECT

 public:
  // Takes ownership of `controller` and shows its first prompt.
  explicit LabelingPage(LabelingController* controller, QWidget* parent = nullptr);
  LabelingController* controller() const { return controller_; }
  RankingView* view() const { return view_; }
  ProgressPanel* progress() const { return progress_; }
  HistoryPanel* history() const { return history_; }
  GuidelinesPanel* guidelines() const { return guidelines_; }

 private:
  LabelingController* controller_;
  RankingView* view_;
  ProgressPanel* progress_;
  HistoryPanel* history_;
  GuidelinesPanel* guidelines_;
};

}  // namespace prefstudio::ui
