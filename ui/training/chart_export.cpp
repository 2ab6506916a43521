// Chart export (see chart_export.h). Every format paints the plots through QCustomPlot::toPainter,
// so PNG, PDF and SVG show the same layout; PDF and SVG get pmVectorized so lines stay lines.
// A plot that was never laid out (a widget not shown yet is 100x30) is drawn at a default size.
#include "ui/training/chart_export.h"

#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QImage>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <functional>

#include "ui/training/qcustomplot_include.h"

namespace prefstudio::ui {

namespace {

constexpr int kMinSide = 120;             // smaller than this: never laid out
constexpr QSize kFallbackSize(800, 480);  // the size such a plot is exported at

struct Placed {
  QCustomPlot* plot;
  QRect rect;  // in the picture
};

// Each plot's rectangle in the picture: its window position minus the bounding box's corner.
QList<Placed> layOut(const QList<QCustomPlot*>& plots) {
  QList<Placed> placed;
  QRect box;
  for (QCustomPlot* plot : plots) {
    QRect rect(plot->mapTo(plot->window(), QPoint(0, 0)), plot->size());
    if (rect.width() < kMinSide || rect.height() < kMinSide)
      rect = QRect(QPoint(placed.size() * kFallbackSize.width(), 0), kFallbackSize);
    placed.append({plot, rect});
    box = box.united(rect);
  }
  for (Placed& p : placed) p.rect.translate(-box.topLeft());
  return placed;
}

QSize pictureSize(const QList<Placed>& placed) {
  QRect box;
  for (const Placed& p : placed) box = box.united(p.rect);
  return box.size();
}

void paintPlots(QCPPainter* painter, const QList<Placed>& placed, bool vector) {
  if (vector) painter->setMode(QCPPainter::pmVectorized);
  for (const Placed& p : placed) {
    painter->save();
    painter->translate(p.rect.topLeft());
    p.plot->toPainter(painter, p.rect.width(), p.rect.height());
    painter->restore();
  }
}

bool savePng(const QList<Placed>& placed, const QString& path) {
  QImage image(pictureSize(placed), QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::white);
  QCPPainter painter(&image);
  painter.setRenderHint(QPainter::Antialiasing);
  paintPlots(&painter, placed, false);
  painter.end();
  return image.save(path, "PNG");
}

bool savePdf(const QList<Placed>& placed, const QString& path) {
  QSize size = pictureSize(placed);
  QPdfWriter writer(path);
  writer.setCreator(QStringLiteral("Preference Studio"));
  writer.setResolution(72);  // one pixel of the chart is one point of the page
  writer.setPageMargins(QMarginsF(0, 0, 0, 0));
  if (!writer.setPageSize(
          QPageSize(QSizeF(size), QPageSize::Point, QString(), QPageSize::ExactMatch)))
    return false;
  QCPPainter painter;
  if (!painter.begin(&writer)) return false;
  paintPlots(&painter, placed, true);
  return painter.end();
}

bool saveSvg(const QList<Placed>& placed, const QString& path) {
  QSize size = pictureSize(placed);
  QSvgGenerator generator;
  generator.setFileName(path);
  generator.setSize(size);
  // QSvgGenerator writes millimetres; at CSS's 96 dpi they come out as our pixels.
  generator.setResolution(96);
  generator.setViewBox(QRect(QPoint(0, 0), size));
  generator.setTitle(QStringLiteral("Preference Studio chart"));
  QCPPainter painter;
  if (!painter.begin(&generator)) return false;
  paintPlots(&painter, placed, true);
  return painter.end();
}

// Runs `save`, and removes what a failed one left behind.
bool saveOrRemove(const QString& path, const std::function<bool()>& save) {
  if (save() && QFileInfo(path).size() > 0) return true;
  QFile::remove(path);
  return false;
}

// Plots change layout while toPainter draws them at another size; replot puts the screen back.
void restoreScreen(const QList<QCustomPlot*>& plots) {
  for (QCustomPlot* plot : plots) plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace

QString exportFormat(const QString& path) {
  QString suffix = QFileInfo(path).suffix().toLower();
  static const QStringList kKnown = {"png", "pdf", "svg", "csv"};
  return kKnown.contains(suffix) ? suffix : QString();
}

bool exportPlots(const QList<QCustomPlot*>& plots, const QString& path) {
  QString format = exportFormat(path);
  if (plots.isEmpty() || format.isEmpty() || format == "csv") return false;
  QList<Placed> placed = layOut(plots);
  bool ok = saveOrRemove(path, [&] {
    if (format == "png") return savePng(placed, path);
    if (format == "pdf") return savePdf(placed, path);
    return saveSvg(placed, path);
  });
  restoreScreen(plots);
  return ok;
}

bool exportPlot(QCustomPlot* plot, const QString& path) { return exportPlots({plot}, path); }

QString askExportPath(QWidget* parent, const QString& baseName, bool withCsv) {
  QStringList filters = {QObject::tr("PNG image (*.png)"), QObject::tr("PDF document (*.pdf)"),
                         QObject::tr("SVG drawing (*.svg)")};
  if (withCsv) filters << QObject::tr("CSV data (*.csv)");
  QString chosen = filters.first();
  QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export chart"),
                                              baseName + ".png", filters.join(";;"), &chosen);
  if (path.isEmpty() || !exportFormat(path).isEmpty()) return path;
  // No (known) suffix typed: take the filter's, "(*.pdf)" -> ".pdf".
  QString suffix = chosen.section("*.", 1).section(')', 0, 0);
  return path + "." + suffix;
}

}  // namespace prefstudio::ui
