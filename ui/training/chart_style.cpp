// The Training tab's chart look (see chart_style.h). The legend lives in its own layout row under
// the axis rect: with a dozen runs an inset legend would hide exactly the curves being compared.
#include "ui/training/chart_style.h"

#include "ui/training/qcustomplot_include.h"

namespace prefstudio::ui {

QColor chartColor(int index) {
  static const QRgb kPalette[] = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
                                  0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
  constexpr int kCount = sizeof(kPalette) / sizeof(kPalette[0]);
  return QColor(kPalette[((index % kCount) + kCount) % kCount]);
}

QColor faintColor(const QColor& color, int alpha) {
  QColor faint = color;
  faint.setAlpha(alpha);
  return faint;
}

namespace {

void styleAxis(QCPAxis* axis) {
  QFont font = axis->labelFont();
  font.setPointSizeF(9.5);
  axis->setLabelFont(font);
  axis->setTickLabelFont(font);
  axis->grid()->setPen(QPen(QColor(0xe3, 0xe3, 0xe3), 0));
  axis->grid()->setZeroLinePen(QPen(QColor(0xc8, 0xc8, 0xc8), 0));
  axis->setBasePen(QPen(QColor(0x88, 0x88, 0x88), 0));
  axis->setTickPen(QPen(QColor(0x88, 0x88, 0x88), 0));
  axis->setSubTickPen(QPen(QColor(0xaa, 0xaa, 0xaa), 0));
}

}  // namespace

QCPLegend* setUpChartPlot(QCustomPlot* plot, const QString& title, int legendColumns) {
  plot->setBackground(Qt::white);
  styleAxis(plot->xAxis);
  styleAxis(plot->yAxis);

  plot->plotLayout()->insertRow(0);
  auto* heading = new QCPTextElement(plot, title, QFont(plot->font().family(), 10, QFont::Bold));
  heading->setObjectName("chartTitle");
  plot->plotLayout()->addElement(0, 0, heading);

  QCPLegend* legend = plot->legend;
  legend->setVisible(true);
  plot->axisRect()->insetLayout()->take(legend);
  plot->plotLayout()->addElement(2, 0, legend);
  plot->plotLayout()->setRowStretchFactor(2, 0.001);  // as tall as its items, no more
  legend->setFillOrder(QCPLegend::foColumnsFirst);
  legend->setWrap(legendColumns);
  legend->setBorderPen(Qt::NoPen);
  legend->setBrush(Qt::NoBrush);
  legend->setMargins(QMargins(6, 0, 6, 4));
  legend->setRowSpacing(0);
  legend->setColumnSpacing(12);
  QFont font = legend->font();
  font.setPointSizeF(9);
  legend->setFont(font);
  return legend;
}

}  // namespace prefstudio::ui
