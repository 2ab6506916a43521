// prefstudio: the GUI. Placeholder entry until the labeling window lands (issue 5).
#include <QApplication>
#include <QMainWindow>

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QMainWindow window;
  window.setWindowTitle("Preference Studio");
  window.show();
  return app.exec();
}
