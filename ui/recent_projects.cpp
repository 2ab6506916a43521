// RecentProjects (see recent_projects.h).
#include "ui/recent_projects.h"

#include <QFileInfo>
#include <QSettings>

namespace prefstudio::ui {

QStringList RecentProjects::projects() {
  QStringList existing;
  for (const QString& path : QSettings().value("recentProjects").toStringList())
    if (QFileInfo::exists(path)) existing << path;
  return existing;
}

void RecentProjects::add(const QString& path) {
  QSettings settings;
  QString absolute = QFileInfo(path).absoluteFilePath();
  QStringList list = settings.value("recentProjects").toStringList();
  list.removeAll(absolute);
  list.prepend(absolute);
  while (list.size() > kMax) list.removeLast();
  settings.setValue("recentProjects", list);
}

QString RecentProjects::lastLabeler() { return QSettings().value("lastLabeler").toString(); }
void RecentProjects::setLastLabeler(const QString& name) {
  QSettings().setValue("lastLabeler", name);
}

}  // namespace prefstudio::ui
