// AgreementView: the labeler x labeler agreement matrix (share of commonly ordered pairs ordered
// alike, and Kendall's tau-b), colored from chance (50%, red) to full agreement (green), and a row
// per labeler with the rankings count, agreement with the ranked-pairs consensus, and position and
// length bias. refresh() computes db::compute_agreement on a BackgroundTask with its own
// connection; setReport() shows a report directly. Leaves the consensus orders to the training.
#pragma once

#include <QWidget>
#include <memory>

#include "db/labeler_agreement.h"

class QLabel;
class QPushButton;
class QTableWidget;

namespace prefstudio::ui {

class BackgroundTask;

class AgreementView : public QWidget {
  Q_OBJECT

 public:
  explicit AgreementView(const QString& projectPath, QWidget* parent = nullptr);
  ~AgreementView() override;

  void setReport(const db::AgreementReport& report);
  const db::AgreementReport& report() const { return report_; }
  QTableWidget* matrix() const { return matrix_; }
  QTableWidget* labelers() const { return labelers_; }
  QLabel* summary() const { return summary_; }

 public Q_SLOTS:
  // Recomputes in the background; emits refreshed() (or failed()) when done.
  void refresh();

 Q_SIGNALS:
  void refreshed();
  void failed(const QString& message);

 private:
  void showEvent(QShowEvent* event) override;
  void fillMatrix();
  void fillLabelers();

  QString project_path_;
  bool stale_ = false;  // the project changed while the tab was hidden
  db::AgreementReport report_;
  std::unique_ptr<BackgroundTask> task_;
  std::shared_ptr<db::AgreementReport> pending_;  // written by the worker, read after finished
  QLabel* summary_ = nullptr;
  QPushButton* refresh_button_ = nullptr;
  QTableWidget* matrix_ = nullptr;
  QTableWidget* labelers_ = nullptr;
};

}  // namespace prefstudio::ui
