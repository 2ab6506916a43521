// Never lose a label: runs the real GUI (prefstudio-scripted, the test build's copy with the
// PREFSTUDIO_TEST_SCRIPT hook, offscreen, ranking by posted key events), kills it with SIGKILL
// right after it reports a committed submit, then checks on the file that every reported ranking
// is there, current and complete, and that PRAGMA integrity_check is ok. Also two copies of the
// program, two labelers, one project at once.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

#include "labeling_fixture.h"

using namespace prefstudio;
using prefstudio::test::queryInt;

namespace {

// The test build's copy of the GUI with the script hook; the shipped prefstudio has none.
const QString kBinary = PREFSTUDIO_BINARY_DIR "/app/prefstudio-scripted";

struct Labeling {
  std::unique_ptr<QProcess> process = std::make_unique<QProcess>();
  QList<qint64> reported;  // ranking ids printed as "submitted <id>"
  QString buffer;
  bool empty = false;

  void start(const QString& project, const QString& labeler, int submits, const QString& home) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    env.insert("PREFSTUDIO_TEST_SCRIPT", QString("submit:%1").arg(submits));
    env.insert("XDG_CONFIG_HOME", home);  // keep the user's recent-projects list untouched
    process->setProcessEnvironment(env);
    process->setProcessChannelMode(QProcess::SeparateChannels);
    process->start(kBinary, {project, "--labeler", labeler});
  }
  // Reads what arrived; returns the number of submits reported so far.
  int poll() {
    buffer += QString::fromUtf8(process->readAllStandardOutput());
    int newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      QString line = buffer.left(newline).trimmed();
      buffer.remove(0, newline + 1);
      if (line.startsWith("submitted ")) reported << line.mid(10).toLongLong();
      if (line == "queue empty") empty = true;
    }
    return reported.size();
  }
};

}  // namespace

class TestKillLabeling : public QObject {
  Q_OBJECT

 private:
  static void checkIntegrity(db::Database& db) {
    db::Statement check = db.prepare("PRAGMA integrity_check");
    QVERIFY(check.step());
    QCOMPARE(QString::fromStdString(check.column_text(0)), QString("ok"));
  }
  static void checkReported(db::Database& db, const QList<qint64>& ids, int k) {
    for (qint64 id : ids) {
      QCOMPARE(queryInt(db,
                        "SELECT count(*) FROM rankings WHERE id = ? AND is_current = 1 AND "
                        "status = 'ranked'",
                        id),
               1);
      QCOMPARE(queryInt(db, "SELECT count(*) FROM ranking_entries WHERE ranking_id = ?", id), k);
    }
  }

 private Q_SLOTS:
  void initTestCase() {
    if (!QFileInfo::exists(kBinary))
      QFAIL(qPrintable("build the prefstudio-scripted target first: " + kBinary + " is missing"));
  }

  void killRightAfterSubmitLosesNothing() {
    QTemporaryDir dir;
    QString path = dir.filePath("kill.sqlite");
    test::makeProject(path, std::vector<int>(40, 3));
    Labeling run;
    run.start(path, "alice", 1000, dir.path());
    QVERIFY2(run.process->waitForStarted(10000), qPrintable(run.process->errorString()));
    // Kill as soon as the third submit is reported: the program is then already posting the keys
    // of the next prompt, so the kill lands in the middle of real work.
    QElapsedTimer timer;
    timer.start();
    while (run.poll() < 3 && timer.elapsed() < 30000) run.process->waitForReadyRead(200);
    run.process->kill();  // SIGKILL
    QVERIFY(run.process->waitForFinished(10000));
    QVERIFY2(run.reported.size() >= 3,
             qPrintable("only " + QString::number(run.reported.size()) + " submits; stderr: " +
                        QString::fromUtf8(run.process->readAllStandardError())));
    db::Database db(path.toStdString(), false);
    checkIntegrity(db);
    checkReported(db, run.reported, 3);
    // Whatever committed after the last report is complete too: no ranking without its entries.
    QCOMPARE(queryInt(db,
                      "SELECT count(*) FROM rankings r WHERE status = 'ranked' AND (SELECT "
                      "count(*) FROM ranking_entries e WHERE e.ranking_id = r.id) != 3"),
             0);
  }

  void twoProgramsTwoLabelersOneProject() {
    QTemporaryDir dir;
    QString path = dir.filePath("two.sqlite");
    test::makeProject(path, std::vector<int>(30, 4));
    Labeling alice, bob;
    alice.start(path, "alice", 8, dir.path());
    bob.start(path, "bob", 8, dir.path());
    QVERIFY(alice.process->waitForStarted(10000));
    QVERIFY(bob.process->waitForStarted(10000));
    QElapsedTimer timer;
    timer.start();
    while ((alice.poll() < 8 || bob.poll() < 8) && timer.elapsed() < 60000) {
      alice.process->waitForReadyRead(50);
      bob.process->waitForReadyRead(50);
    }
    alice.process->kill();
    bob.process->kill();
    alice.process->waitForFinished(10000);
    bob.process->waitForFinished(10000);
    // On a failure, say what the stuck program printed (a flake under a loaded CI once left bob at
    // 0 submits while alice made 8; its cause is not known yet).
    QVERIFY2(alice.reported.size() == 8,
             qPrintable(QString::number(alice.reported.size()) + " submits by alice; stderr: " +
                        QString::fromUtf8(alice.process->readAllStandardError())));
    QVERIFY2(bob.reported.size() == 8,
             qPrintable(QString::number(bob.reported.size()) + " submits by bob; stderr: " +
                        QString::fromUtf8(bob.process->readAllStandardError())));
    db::Database db(path.toStdString(), false);
    checkIntegrity(db);
    checkReported(db, alice.reported, 4);
    checkReported(db, bob.reported, 4);
    QCOMPARE(queryInt(db,
                      "SELECT count(*) FROM rankings r JOIN labelers l ON l.id = r.labeler_id "
                      "WHERE l.name = 'alice' AND r.is_current = 1"),
             8);
    QCOMPARE(queryInt(db,
                      "SELECT count(*) FROM rankings r JOIN labelers l ON l.id = r.labeler_id "
                      "WHERE l.name = 'bob' AND r.is_current = 1"),
             8);
  }
};

QTEST_GUILESS_MAIN(TestKillLabeling)
#include "test_kill_labeling.moc"
