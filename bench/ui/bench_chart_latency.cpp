// bench_chart_latency: does the Training tab stay responsive while training loads every core?
// A window of 4 MetricCharts x 4 series x 100,000 points (EMA smoothing on, so each series is a
// smoothed curve plus its faint raw one), shown (offscreen unless QT_QPA_PLATFORM says otherwise).
// Meanwhile, for --seconds (10):
//  - CPU load: hardware_concurrency() busy threads doing floating-point work at nice 19 (or
//    --load-nice N), standing in for a CPU training run in the same machine;
//  - a live run: every second 10 points are appended to each of the 16 series, as the tab's
//    database polling will do;
//  - a simulated user: mouse moves along a curve at 60 Hz (hover: tracer and tooltip), a wheel
//    zoom every half second, a drag (press, 10 moves, release) every 2 s, going from chart to
//    chart.
// It measures the GUI thread's event latency (a worker thread posts a timestamped event every
// 5 ms; latency = delivery time - post time) and the frame time (each QCustomPlot::replot, from
// beforeReplot to afterReplot), and prints p50 and p99 of each against the 60 Hz budget (16 ms);
// also the time to handle each input event (hover, drag, zoom, with any replot done inside).
// Usage: bench_chart_latency [--seconds S] [--load-nice N] [--no-load] [--smoothing W]
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QGridLayout>
#include <QMouseEvent>
#include <QTimer>
#include <QWheelEvent>
#include <QWidget>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ui/app_style.h"
#include "ui/training/metric_chart.h"
#include "ui/training/qcustomplot_include.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kCharts = 4;
constexpr int kSeries = 4;
constexpr int kPoints = 100000;
constexpr int kAppendEveryMs = 1000;
constexpr int kAppendPoints = 10;
constexpr int kProbeEveryMs = 5;
constexpr int kUserTickMs = 16;
constexpr double kFrameMs = 16.0;  // the target: p99 under one 60 Hz frame

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(q * (values.size() - 1) + 0.5)];
}

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The curve of series s: a decaying loss-like value, spread so the four series do not overlap.
double curve(int series, double step) {
  return 0.5 + series * 0.6 + 1.5 * std::exp(-step / 30000.0);
}

// ---- CPU load ----

// A training run's stand-in: dense multiply-adds on a small matrix, until told to stop.
void burnCpu(std::atomic<bool>* stop, int niceness) {
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), niceness);
  constexpr int n = 64;
  std::vector<double> a(n * n, 1.0001), b(n * n, 0.9999), c(n * n, 0.0);
  while (!stop->load(std::memory_order_relaxed)) {
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < n; ++k) {
        const double aik = a[i * n + k];
        for (int j = 0; j < n; ++j) c[i * n + j] += aik * b[k * n + j];
      }
    a.swap(c);
    std::fill(c.begin(), c.end(), 0.0);
    for (double& v : a) v = std::fmod(v, 3.0) + 0.5;  // stay finite
  }
}

// ---- event latency probe ----

const QEvent::Type kProbeEvent = static_cast<QEvent::Type>(QEvent::registerEventType());

class ProbeEvent : public QEvent {
 public:
  explicit ProbeEvent(Clock::time_point posted) : QEvent(kProbeEvent), posted_(posted) {}
  Clock::time_point posted() const { return posted_; }

 private:
  Clock::time_point posted_;
};

// Lives on the GUI thread; records how long each probe waited in the queue.
class ProbeReceiver : public QObject {
 public:
  std::vector<double> latency_ms;
  bool event(QEvent* event) override {
    if (event->type() != kProbeEvent) return QObject::event(event);
    latency_ms.push_back(msSince(static_cast<ProbeEvent*>(event)->posted()));
    return true;
  }
};

void postProbes(ProbeReceiver* receiver, std::atomic<bool>* stop) {
  auto next = Clock::now();
  while (!stop->load()) {
    next += std::chrono::milliseconds(kProbeEveryMs);
    std::this_thread::sleep_until(next);
    QCoreApplication::postEvent(receiver, new ProbeEvent(Clock::now()));
  }
}

// ---- input handling time ----

// Times the delivery of every mouse and wheel event to a widget: hover (nearest point, tracer,
// tooltip), drags and zooms, including any replot they do synchronously.
class TimedApplication : public QApplication {
 public:
  using QApplication::QApplication;
  std::vector<double> input_ms;
  bool notify(QObject* receiver, QEvent* event) override {
    const QEvent::Type type = event->type();
    if (type != QEvent::MouseMove && type != QEvent::MouseButtonPress &&
        type != QEvent::MouseButtonRelease && type != QEvent::Wheel)
      return QApplication::notify(receiver, event);
    auto started = Clock::now();
    bool handled = QApplication::notify(receiver, event);
    input_ms.push_back(msSince(started));
    return handled;
  }
};

// ---- the charts ----

void fillChart(prefstudio::ui::MetricChart* chart, int index, std::mt19937& random) {
  std::normal_distribution<double> noise(0.0, 0.05);
  for (int s = 0; s < kSeries; ++s) {
    QVector<double> x(kPoints), y(kPoints);
    for (int i = 0; i < kPoints; ++i) {
      x[i] = i;
      y[i] = curve(s, i) + noise(random);
    }
    chart->setSeries(QString("%1/metric%2").arg(s).arg(index), QString("run %1").arg(s), x, y);
  }
  for (int m = 1; m <= 20; ++m)
    chart->addMarker("0", m * 5000.0, QString("GaLore projector refresh %1").arg(m),
                     QColor(0x9c, 0x75, 0x5f));
}

// Posts input events as the window system would: queued, to the plot under the mouse.
class SimulatedUser {
 public:
  explicit SimulatedUser(const std::vector<prefstudio::ui::MetricChart*>& charts)
      : charts_(charts) {}

  void tick() {
    QCustomPlot* plot = charts_[(tick_ / 90) % charts_.size()]->plot();  // ~1.5 s per chart
    QRect area = plot->axisRect()->rect();
    const int phase = tick_ % 120;
    if (phase >= 100 && phase <= 111) {
      drag(plot, area, phase - 100);
    } else {
      QPointF pos = alongCurve(plot, area);
      post(plot, new QMouseEvent(QEvent::MouseMove, pos, plot->mapToGlobal(pos), Qt::NoButton,
                                 Qt::NoButton, Qt::NoModifier));
      if (tick_ % 30 == 15) wheel(plot, pos);
    }
    ++tick_;
  }
  int events() const { return events_; }

 private:
  // Sweeps left to right over the plot, on series (tick / 30) % 4, where the hover has a point.
  QPointF alongCurve(QCustomPlot* plot, const QRect& area) {
    double px = area.left() + 10 + (tick_ * 7) % std::max(1, area.width() - 20);
    double step = plot->xAxis->pixelToCoord(px);
    double py = plot->yAxis->coordToPixel(curve((tick_ / 30) % kSeries, step));
    py = std::clamp<double>(py, area.top() + 5, area.bottom() - 5);
    return QPointF(px, py);
  }

  void wheel(QCustomPlot* plot, const QPointF& pos) {
    const int delta = (tick_ / 30) % 2 ? -120 : 120;  // in, then out again
    post(plot, new QWheelEvent(pos, plot->mapToGlobal(pos), QPoint(), QPoint(0, delta),
                               Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false));
  }

  void drag(QCustomPlot* plot, const QRect& area, int stage) {
    QPointF pos(area.center().x() + stage * 6.0, area.center().y() + stage * 2.0);
    if (stage == 0)
      post(plot, new QMouseEvent(QEvent::MouseButtonPress, pos, plot->mapToGlobal(pos),
                                 Qt::LeftButton, Qt::LeftButton, Qt::NoModifier));
    else if (stage == 11)
      post(plot, new QMouseEvent(QEvent::MouseButtonRelease, pos, plot->mapToGlobal(pos),
                                 Qt::LeftButton, Qt::NoButton, Qt::NoModifier));
    else
      post(plot, new QMouseEvent(QEvent::MouseMove, pos, plot->mapToGlobal(pos), Qt::NoButton,
                                 Qt::LeftButton, Qt::NoModifier));
  }

  void post(QObject* target, QEvent* event) {
    QCoreApplication::postEvent(target, event);
    ++events_;
  }

  std::vector<prefstudio::ui::MetricChart*> charts_;
  int tick_ = 0;
  int events_ = 0;
};

// The offscreen platform says "does not support raise()" for every tooltip shown; keep the rest.
void quietOffscreen(QtMsgType type, const QMessageLogContext&, const QString& message) {
  if (message.startsWith(QLatin1String("This plugin does not support"))) return;
  if (message.startsWith(QLatin1String("QStandardPaths:"))) return;
  std::fprintf(stderr, "%s\n", qPrintable(message));
  if (type == QtFatalMsg) std::abort();
}

struct Options {
  double seconds = 10.0;
  int load_nice = 19;
  bool load = true;
  double smoothing = 0.6;
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc)
      options.seconds = std::stod(argv[++i]);
    else if (arg == "--load-nice" && i + 1 < argc)
      options.load_nice = std::stoi(argv[++i]);
    else if (arg == "--no-load")
      options.load = false;
    else if (arg == "--smoothing" && i + 1 < argc)
      options.smoothing = std::stod(argv[++i]);
  }
  return options;
}

void printRow(const char* what, const std::vector<double>& ms) {
  double p50 = percentile(ms, 0.5), p99 = percentile(ms, 0.99);
  double max = ms.empty() ? NAN : *std::max_element(ms.begin(), ms.end());
  std::printf("  %-15s %7.2f ms %8.2f ms %8.2f ms %8.1f ms   %5.2fx   %s\n", what, p50, p99, max,
              kFrameMs, p99 / kFrameMs, p99 < kFrameMs ? "ok" : "OVER");
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  qInstallMessageHandler(quietOffscreen);
  TimedApplication app(argc, argv);
  prefstudio::ui::applyCalmStyle(app);
  const Options options = parse(argc, argv);

  QWidget window;
  window.resize(1600, 1000);
  auto* grid = new QGridLayout(&window);
  std::vector<prefstudio::ui::MetricChart*> charts;
  std::mt19937 random(11);
  QElapsedTimer setup;
  setup.start();
  const char* titles[kCharts] = {"Loss", "Reward", "KL", "Gradient norm"};
  for (int c = 0; c < kCharts; ++c) {
    auto* chart = new prefstudio::ui::MetricChart(titles[c], &window);
    fillChart(chart, c, random);
    chart->setSmoothing(options.smoothing);
    grid->addWidget(chart, c / 2, c % 2);
    charts.push_back(chart);
  }
  window.show();
  for (int i = 0; i < 10; ++i) {  // first layout and frame, not measured
    QCoreApplication::processEvents();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::printf(
      "setup: %d charts x %d series x %d points, smoothing %.2f (a faint raw curve behind "
      "each smoothed one): %.0f ms\n",
      kCharts, kSeries, kPoints, options.smoothing, setup.nsecsElapsed() / 1e6);

  // Frame time: every replot of every plot, beforeReplot to afterReplot.
  std::vector<double> frame_ms;
  for (auto* chart : charts) {
    auto started = std::make_shared<Clock::time_point>();
    QObject::connect(chart->plot(), &QCustomPlot::beforeReplot, chart,
                     [started] { *started = Clock::now(); });
    QObject::connect(chart->plot(), &QCustomPlot::afterReplot, chart,
                     [started, &frame_ms] { frame_ms.push_back(msSince(*started)); });
  }

  std::atomic<bool> stop{false};
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> load;
  if (options.load)
    for (unsigned i = 0; i < cores; ++i) load.emplace_back(burnCpu, &stop, options.load_nice);

  ProbeReceiver receiver;
  std::thread probe(postProbes, &receiver, &stop);

  // The live run: 10 more steps per series every second.
  int next_step = kPoints;
  QTimer append;
  QObject::connect(&append, &QTimer::timeout, [&] {
    QVector<double> x, y;
    for (int i = 0; i < kAppendPoints; ++i) x << next_step + i;
    for (int c = 0; c < kCharts; ++c)
      for (int s = 0; s < kSeries; ++s) {
        y.clear();
        for (double step : x) y << curve(s, step);
        charts[c]->appendPoints(QString("%1/metric%2").arg(s).arg(c), x, y);
      }
    next_step += kAppendPoints;
  });
  append.start(kAppendEveryMs);

  SimulatedUser user(charts);
  QTimer input;
  QObject::connect(&input, &QTimer::timeout, [&] { user.tick(); });
  input.start(kUserTickMs);

  QTimer::singleShot(static_cast<int>(options.seconds * 1000), Qt::PreciseTimer, &app,
                     &QCoreApplication::quit);
  auto started = Clock::now();
  app.exec();
  double elapsed_s = msSince(started) / 1000.0;
  stop = true;
  probe.join();
  for (std::thread& t : load) t.join();

  std::printf("\nbench_chart_latency over %.1f s, offscreen Qt (%s)\n", elapsed_s,
              qPrintable(QGuiApplication::platformName()));
  if (options.load)
    std::printf(
        "CPU load: %u busy threads (std::thread::hardware_concurrency()) doing "
        "floating-point work at nice %d, standing in for a CPU training run\n",
        cores, options.load_nice);
  else
    std::printf("CPU load: none (--no-load)\n");
  std::printf(
      "live run: %d points appended to each of %d series every %d ms (now %d points "
      "each); simulated user: %d input events (hover at 60 Hz, wheel zooms, drags)\n",
      kAppendPoints, kCharts * kSeries, kAppendEveryMs, charts[0]->pointCount("0/metric0"),
      user.events());
  std::printf("\n  %-15s %10s %10s %10s %10s %11s\n", "", "p50", "p99", "max", "target",
              "p99/target");
  printRow("event latency", receiver.latency_ms);
  printRow("frame time", frame_ms);
  printRow("input handling", app.input_ms);
  std::printf(
      "\n  %zu latency probes (one per %d ms), %zu replots (%.1f per second over 4 charts)\n",
      receiver.latency_ms.size(), kProbeEveryMs, frame_ms.size(), frame_ms.size() / elapsed_s);
  return 0;
}
