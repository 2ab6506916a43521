// RecentProjects: the recent project files and the last labeler, remembered in QSettings
// ("PreferenceStudio"/"prefstudio") between starts. Newest first, at most kMax, missing files kept
// out of the list shown.
#pragma once

#include <QString>
#include <QStringList>

namespace prefstudio::ui {

class RecentProjects {
 public:
  static constexpr int kMax = 8;
  static QStringList projects();  // existing files only
  static void add(const QString& path);
  static QString lastLabeler();
  static void setLastLabeler(const QString& name);
};

}  // namespace prefstudio::ui
