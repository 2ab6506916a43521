// exportCheckpoint (see checkpoint_export.h).
#include "ui/training/checkpoint_export.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

namespace prefstudio::ui {

namespace {

bool copyTree(const QString& from, const QString& to, QString* error) {
  QDirIterator it(from, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
  while (it.hasNext()) {
    const QString source = it.next();
    const QString target = QDir(to).filePath(QDir(from).relativeFilePath(source));
    QDir().mkpath(QFileInfo(target).absolutePath());
    if (!QFile::copy(source, target)) {
      if (error) *error = QObject::tr("%1: cannot copy to %2").arg(source, target);
      return false;
    }
  }
  return true;
}

}  // namespace

QString modelFolderOf(const QString& checkpoint) {
  for (const QString& folder : {checkpoint, QDir(checkpoint).filePath("policy")})
    if (QFileInfo::exists(QDir(folder).filePath("config.json"))) return folder;
  return QString();
}

bool exportCheckpoint(const QString& checkpoint, const QString& destination, QString* error) {
  const QString model = modelFolderOf(checkpoint);
  if (model.isEmpty()) {
    if (error) *error = QObject::tr("%1: no config.json (not a model checkpoint)").arg(checkpoint);
    return false;
  }
  if (QFileInfo::exists(destination)) {
    if (error) *error = QObject::tr("%1: already exists").arg(destination);
    return false;
  }
  const QString partial = destination + ".partial";
  QDir(partial).removeRecursively();
  if (!copyTree(model, partial, error)) {
    QDir(partial).removeRecursively();
    return false;
  }
  if (!QDir().rename(partial, destination)) {
    QDir(partial).removeRecursively();
    if (error) *error = QObject::tr("%1: cannot rename to %2").arg(partial, destination);
    return false;
  }
  return true;
}

}  // namespace prefstudio::ui
