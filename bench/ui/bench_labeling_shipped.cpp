// bench_labeling_shipped: bench_labeling's figure (Enter -> next prompt shown, 1,000,000
// completions) for the shipped `prefstudio` binary, measured from outside as a user meets it. Under
// an Xvfb of its own it starts `prefstudio PROJECT --labeler NAME`, ranks the cards with XTest key
// presses, sends Enter and takes the time until the screen stops changing: the last XDamage report
// on the root window before --quiet-ms of none. The floor -- what XTest delivery and the damage
// report add -- is measured in the same run on a window of its own that repaints the moment a key
// arrives. Rounds alternate with bench_labeling (the ui library in-process, offscreen) on the same
// project, and both figures are printed side by side. Leaves out a window manager, a compositor
// and GPU drawing (Xvfb has none of them).
// Usage: bench_labeling_shipped [PROJECT.sqlite] [--submits N] [--rounds R] [--quiet-ms Q]
//                               [--prefstudio PATH] [--bench-labeling PATH]
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>
#include <X11/extensions/Xdamage.h>
#include <X11/keysym.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "db/database.h"

namespace {

using Clock = std::chrono::steady_clock;

double msBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(q * (values.size() - 1) + 0.5)];
}

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

struct Options {
  std::string project = "/tmp/prefstudio_bench_labeling.sqlite";  // bench_labeling's
  std::string prefstudio;     // the shipped GUI; default: the build's app/prefstudio
  std::string benchLabeling;  // default: bench_labeling next to this program
  int submits = 100;          // timed, per round; 5 more untimed first
  int rounds = 3;             // library, shipped, library, shipped, ...
  int quietMs = 150;          // no damage this long after the last one: the screen has settled
};

// A child process killed (SIGTERM, then waited for) when this goes out of scope.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args, const std::string& display = "",
                 int outputFd = -1) {
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      if (!display.empty()) {
        setenv("DISPLAY", display.c_str(), 1);
        setenv("QT_QPA_PLATFORM", "xcb", 1);  // a real X client, whatever the caller's setting
      }
      if (outputFd >= 0) dup2(outputFd, STDOUT_FILENO);
      std::vector<char*> argv;
      for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      std::perror(argv[0]);
      _exit(127);
    }
  }
  ~Child() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  bool running() const { return waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
};

// An Xvfb server of our own; the display name comes back through -displayfd.
class VirtualScreen {
 public:
  VirtualScreen() {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    server_ = std::make_unique<Child>(std::vector<std::string>{
        "Xvfb", "-displayfd", std::to_string(fds[1]), "-screen", "0", "1600x1000x24",
        "-nolisten", "tcp", "-noreset"});
    close(fds[1]);
    char buffer[32] = {};
    const ssize_t n = read(fds[0], buffer, sizeof buffer - 1);
    close(fds[0]);
    if (n <= 0) throw std::runtime_error("Xvfb did not start (is the xvfb package installed?)");
    name_ = ":" + std::string(buffer, std::strcspn(buffer, "\n"));
  }
  const std::string& name() const { return name_; }

 private:
  std::unique_ptr<Child> server_;
  std::string name_;
};

// One connection to the X server: damage reports for the whole screen and XTest key presses.
class ScreenWatch {
 public:
  explicit ScreenWatch(const std::string& name) {
    display_ = XOpenDisplay(name.c_str());
    if (display_ == nullptr) throw std::runtime_error("cannot open display " + name);
    int error = 0, major = 0, minor = 0, opcode = 0;
    if (!XDamageQueryExtension(display_, &damageEvent_, &error))
      throw std::runtime_error("the X server has no DAMAGE extension");
    if (!XTestQueryExtension(display_, &opcode, &error, &major, &minor))
      throw std::runtime_error("the X server has no XTEST extension");
    root_ = DefaultRootWindow(display_);
    // Non-empty reports on the root: one event each time the screen goes from unchanged to
    // changed, re-armed by XDamageSubtract as each is read.
    damage_ = XDamageCreate(display_, root_, XDamageReportNonEmpty);
    XSync(display_, False);
  }
  ~ScreenWatch() { XCloseDisplay(display_); }
  ScreenWatch(const ScreenWatch&) = delete;
  ScreenWatch& operator=(const ScreenWatch&) = delete;

  Display* display() const { return display_; }

  void key(KeySym symbol) {
    const KeyCode code = XKeysymToKeycode(display_, symbol);
    XTestFakeKeyEvent(display_, code, True, CurrentTime);
    XTestFakeKeyEvent(display_, code, False, CurrentTime);
    XFlush(display_);
  }

  // Reads events until none has come for `quietMs`, or `timeoutMs` passed. With `firstDamage` the
  // quiet time counts only from a first damage report: a program kept off the CPU for longer than
  // `quietMs` before it draws is waited for. Returns the time of the last damage report (or
  // `since` when none came) and counts reports into `reports`.
  Clock::time_point settle(Clock::time_point since, int quietMs, int timeoutMs, int* reports,
                           bool firstDamage = false) {
    Clock::time_point last = since;
    const Clock::time_point deadline = since + std::chrono::milliseconds(timeoutMs);
    bool damaged = false;
    for (;;) {
      while (XPending(display_) > 0) {
        XEvent event;
        XNextEvent(display_, &event);
        const auto now = Clock::now();
        if (event.type == damageEvent_ + XDamageNotify) {
          XDamageSubtract(display_, damage_, None, None);
          last = now;
          damaged = true;
          if (reports) ++*reports;
        }
      }
      const auto now = Clock::now();
      const auto quietEnd = firstDamage && !damaged
                                ? deadline
                                : std::max(last, since) + std::chrono::milliseconds(quietMs);
      if (now >= quietEnd || now >= deadline) return last;
      const auto wait = std::min(quietEnd, deadline) - now;
      timeval tv{};
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(wait).count();
      tv.tv_sec = us / 1000000;
      tv.tv_usec = us % 1000000;
      fd_set fds;
      FD_ZERO(&fds);
      FD_SET(ConnectionNumber(display_), &fds);
      select(ConnectionNumber(display_) + 1, &fds, nullptr, nullptr, &tv);
    }
  }

  // The first mapped top-level window whose WM_CLASS names `program`, or 0.
  Window findWindow(const std::string& program) {
    Window parent = 0, rootReturn = 0, *children = nullptr;
    unsigned count = 0;
    Window found = 0;
    if (!XQueryTree(display_, root_, &rootReturn, &parent, &children, &count)) return 0;
    for (unsigned i = 0; i < count && found == 0; ++i) {
      XWindowAttributes attributes;
      XClassHint hint{};
      if (XGetWindowAttributes(display_, children[i], &attributes) &&
          attributes.map_state == IsViewable && XGetClassHint(display_, children[i], &hint)) {
        if (hint.res_class != nullptr && program == hint.res_class) found = children[i];
        if (hint.res_name != nullptr && program == hint.res_name) found = children[i];
      }
      if (hint.res_name) XFree(hint.res_name);
      if (hint.res_class) XFree(hint.res_class);
    }
    if (children) XFree(children);
    return found;
  }

  // The window's pixels, to tell a changed screen from an unchanged one.
  std::string pixels(Window window) {
    XWindowAttributes attributes;
    XGetWindowAttributes(display_, window, &attributes);
    XImage* image = XGetImage(display_, window, 0, 0, attributes.width, attributes.height,
                              AllPlanes, ZPixmap);
    if (image == nullptr) return "";
    std::string bytes(image->data, static_cast<size_t>(image->bytes_per_line) * image->height);
    XDestroyImage(image);
    return bytes;
  }

 private:
  Display* display_ = nullptr;
  Window root_ = 0;
  Damage damage_ = 0;
  int damageEvent_ = 0;
};

// The floor: XTest key -> our own window repaints the moment the KeyPress arrives -> damage
// report read. What the measurement adds to any application's figure, in ms.
std::vector<double> measureFloor(ScreenWatch& screen, int samples) {
  Display* display = screen.display();
  const int screenNumber = DefaultScreen(display);
  const Window window = XCreateSimpleWindow(display, DefaultRootWindow(display), 0, 0, 300, 200, 0,
                                            BlackPixel(display, screenNumber),
                                            WhitePixel(display, screenNumber));
  XSelectInput(display, window, KeyPressMask | ExposureMask);
  XMapRaised(display, window);
  XSync(display, False);
  int reports = 0;
  screen.settle(Clock::now(), 200, 2000, &reports);  // mapped and painted
  XSetInputFocus(display, window, RevertToPointerRoot, CurrentTime);
  GC gc = XCreateGC(display, window, 0, nullptr);
  std::vector<double> ms;
  for (int i = 0; i < samples; ++i) {
    const auto start = Clock::now();
    XTestFakeKeyEvent(display, XKeysymToKeycode(display, XK_Return), True, CurrentTime);
    XTestFakeKeyEvent(display, XKeysymToKeycode(display, XK_Return), False, CurrentTime);
    XFlush(display);
    XEvent event;
    do XNextEvent(display, &event);
    while (event.type != KeyPress);
    XSetForeground(display, gc, i % 2 ? WhitePixel(display, screenNumber)
                                      : BlackPixel(display, screenNumber));
    XFillRectangle(display, window, gc, 0, 0, 300, 200);
    XFlush(display);
    const auto last = screen.settle(Clock::now(), 30, 1000, &reports, true);
    ms.push_back(msBetween(start, last));
  }
  XFreeGC(display, gc);
  XDestroyWindow(display, window);
  XSync(display, False);
  screen.settle(Clock::now(), 100, 1000, &reports);
  return ms;
}

int64_t rankingsBy(const std::string& project, const std::string& labeler) {
  prefstudio::db::Database db(project, false);
  prefstudio::db::Statement count = db.prepare(
      "SELECT count(*) FROM rankings r JOIN labelers l ON l.id = r.labeler_id "
      "WHERE l.name = ? AND r.is_current = 1");
  count.bind(1, labeler);
  count.step();
  return count.column_int(0);
}

struct ShippedRun {
  double openMs = 0.0;        // launch -> first screen settled
  std::vector<double> ms;     // Enter -> last damage before quiet, per timed submit
  std::vector<double> reports;  // damage reports per timed submit: how many bursts of drawing
  double idleReportsPerS = 0.0;
};

// One launch of the shipped GUI on the project as a fresh labeler, `warmup + submits` submits.
ShippedRun runShipped(ScreenWatch& screen, const VirtualScreen& xvfb, const Options& options) {
  const std::string labeler =
      "shipped-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  ShippedRun run;
  int reports = 0;
  const auto launch = Clock::now();
  Child gui({options.prefstudio, options.project, "--labeler", labeler}, xvfb.name());
  Window window = 0;
  while ((window = screen.findWindow("prefstudio")) == 0) {
    if (!gui.running()) throw std::runtime_error(options.prefstudio + " exited at start");
    if (msBetween(launch, Clock::now()) > 60000) throw std::runtime_error("no window in 60 s");
    screen.settle(Clock::now(), 20, 20, &reports);
  }
  run.openMs = msBetween(launch, screen.settle(Clock::now(), 1000, 60000, &reports));
  XSetInputFocus(screen.display(), window, RevertToPointerRoot, CurrentTime);
  XSync(screen.display(), False);
  reports = 0;
  screen.settle(Clock::now(), 1000, 1000, &reports);  // what the idle window draws by itself
  run.idleReportsPerS = reports;

  const int warmup = 5;
  for (int i = 0; i < warmup + options.submits; ++i) {
    for (KeySym card : {XK_4, XK_3, XK_2}) screen.key(card);  // rank as bench_labeling does
    screen.settle(Clock::now(), options.quietMs, 5000, &reports);
    const std::string before = screen.pixels(window);
    const auto start = Clock::now();
    reports = 0;
    screen.key(XK_Return);
    const auto last = screen.settle(start, options.quietMs, 10000, &reports, true);
    if (last == start || screen.pixels(window) == before)
      throw std::runtime_error("submit " + std::to_string(i) + " did not change the screen");
    if (i >= warmup) {
      run.ms.push_back(msBetween(start, last));
      run.reports.push_back(reports);
    }
  }
  const int64_t stored = rankingsBy(options.project, labeler);
  if (stored != warmup + options.submits)
    throw std::runtime_error("the project holds " + std::to_string(stored) + " rankings by " +
                             labeler + ", not " + std::to_string(warmup + options.submits));
  return run;
}

// bench_labeling in a child process; its median Enter -> shown figure and its output.
double runLibrary(const Options& options, std::string* output) {
  const std::string command = "'" + options.benchLabeling + "' '" + options.project +
                              "' --submits " + std::to_string(options.submits) + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot start " + command);
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe.get())) output->append(buffer, n);
  if (pclose(pipe.release()) != 0) throw std::runtime_error("failed: " + command + "\n" + *output);
  const size_t at = output->find("  median ");
  if (at == std::string::npos) throw std::runtime_error("no median in: " + *output);
  return std::stod(output->substr(at + 9));
}

Options parseOptions(int argc, char** argv) {
  Options options;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  options.benchLabeling = (self.parent_path() / "bench_labeling").string();
  options.prefstudio = (self.parent_path() / ".." / ".." / "app" / "prefstudio").string();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool value = i + 1 < argc;
    if (arg == "--submits" && value)
      options.submits = std::stoi(argv[++i]);
    else if (arg == "--rounds" && value)
      options.rounds = std::stoi(argv[++i]);
    else if (arg == "--quiet-ms" && value)
      options.quietMs = std::stoi(argv[++i]);
    else if (arg == "--prefstudio" && value)
      options.prefstudio = argv[++i];
    else if (arg == "--bench-labeling" && value)
      options.benchLabeling = argv[++i];
    else if (arg.rfind("--", 0) == 0)
      throw std::runtime_error("unknown option " + arg);
    else
      options.project = arg;
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parseOptions(argc, argv);
    std::vector<double> library, shipped, opens, idle, reports;
    VirtualScreen xvfb;
    ScreenWatch screen(xvfb.name());
    const std::vector<double> floor = measureFloor(screen, 50);
    for (int round = 0; round < options.rounds; ++round) {
      std::string output;
      library.push_back(runLibrary(options, &output));  // first: makes the project if missing
      if (round == 0) std::printf("bench_labeling (round 1):\n%s\n", output.c_str());
      const ShippedRun run = runShipped(screen, xvfb, options);
      shipped.insert(shipped.end(), run.ms.begin(), run.ms.end());
      opens.push_back(run.openMs);
      reports.insert(reports.end(), run.reports.begin(), run.reports.end());
      idle.push_back(run.idleReportsPerS);
      std::printf("round %d: library median %.2f ms | shipped median %.2f ms p95 %.2f ms\n",
                  round + 1, library.back(), median(run.ms), percentile(run.ms, 0.95));
      std::fflush(stdout);
    }
    const double floorMedian = median(floor);
    const double libraryMedian = median(library), shippedMedian = median(shipped);
    std::printf(
        "\nEnter -> next prompt shown, 1,000,000 completions, %d rounds of %d submits, "
        "interleaved:\n",
        options.rounds, options.submits);
    std::printf("  ui library in-process (bench_labeling, offscreen, grab()): median of the rounds' "
                "medians %.2f ms\n",
                libraryMedian);
    std::printf("  shipped prefstudio under Xvfb (XTest Enter -> last XDamage before %d ms quiet): "
                "median %.2f ms  p95 %.2f ms  max %.2f ms\n",
                options.quietMs, shippedMedian, percentile(shipped, 0.95),
                *std::max_element(shipped.begin(), shipped.end()));
    std::printf("  floor of that method (XTest key -> a window that repaints at once -> damage "
                "read), 50 samples: median %.2f ms  p95 %.2f ms\n",
                floorMedian, percentile(floor, 0.95));
    std::printf("  shipped minus floor: median %.2f ms (%.2fx the library figure); 60 Hz frame "
                "%.1f ms\n",
                shippedMedian - floorMedian, (shippedMedian - floorMedian) / libraryMedian,
                1000.0 / 60);
    std::printf("  shipped: open project + first prompt settled %.0f ms (median of launches); "
                "damage reports per submit: median %.0f, max %.0f; idle window: %.0f/s\n",
                median(opens), median(reports), *std::max_element(reports.begin(), reports.end()),
                median(idle));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_labeling_shipped: %s\n", error.what());
    return 1;
  }
  return 0;
}
