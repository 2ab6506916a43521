// What the labeler sees is what the model wrote: hostile prompts and completions (HTML, entities,
// right-to-left, zero-width and combining characters, Markdown edge cases) go into a project, and
// the characters of every card and of the prompt in the ranking view are compared with the stored
// text, read on a second connection; the Data tab's detail pane shows the same characters. Raw mode
// (the per-project switch) must match every string exactly; rendered Markdown must match every
// string that holds no Markdown syntax.
#include <QCheckBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QtTest>
#include <memory>

#include "labeling_fixture.h"
#include "ui/data_view.h"
#include "ui/labeling_controller.h"
#include "ui/labeling_page.h"
#include "ui/markdown_text.h"
#include "ui/ranking_card.h"
#include "ui/ranking_view.h"

using namespace prefstudio;
using prefstudio::test::queryInt;

namespace {

// No Markdown syntax in these: rendered or raw, the labeler must see exactly these characters.
const QStringList kPlainHostile = {
    "What does <b>x</b> mean? & <script>alert(1)</script>",
    "<table><tr><td>cell</td></tr></table>",
    "&lt;b&gt; is not <b>, &amp;amp; is not &amp;, &#x3C; &#60; &nbsp;&copy;",
    "<img src=x onerror=alert(1)> <iframe src='https://example.com'></iframe> <!-- hidden -->",
    "<div>\nblock html\n</div>",
    QString::fromUtf8("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xd8\xb9\xd8\xa7\xd9\x84\xd9\x85 mixed "
                      "\xe2\x80\xae\x64\x6c\x72\x6f\x77\xe2\x80\xac RLO"),  // Hebrew, Arabic, U+202E
    QString::fromUtf8("zero\xe2\x80\x8bwidth\xe2\x80\x8c\xe2\x80\x8djoin\xef\xbb\xbf bom"),
    QString::fromUtf8("e\xcc\x81 Z\xcd\x91\xcd\x9b\xcc\xbd\xcd\x94a\xcc\xb7lgo n\xcc\x83"),
    QString::fromUtf8("no\xc2\xa0" "break\xc2\xa0space and a\ttab"),
    "a < b > c & d \"quoted\" 'single'",
    "line one\nline two <br> still two\nline three",
};

// Markdown with HTML inside: rendered, the syntax goes but every HTML character stays.
struct Rendered {
  QString stored;
  QString shown;
};
const QVector<Rendered> kMarkdownHostile = {
    {"**bold <b>html</b>**", "bold <b>html</b>"},
    {"`<script>` in code & &lt;", "<script> in code & &lt;"},
    {"```html\n<p>kept &amp; shown</p>\n```", "<p>kept &amp; shown</p>"},
    {"- item <i>one</i>\n- item &gt; two", "item <i>one</i>\nitem &gt; two"},
};

}  // namespace

class TestHostileText : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

  // A project with one prompt per string: the prompt text is the string and so are its two
  // completions' texts (the second with a suffix, so the completions differ).
  QString makeProject(const QStringList& texts) {
    QString path = dir_.filePath(QString("%1.sqlite").arg(QTest::currentTestFunction()));
    db::Database db = db::open_project(path.toStdString());
    db::Transaction transaction(db);
    for (const QString& text : texts) {
      db.prepare("INSERT INTO prompts (text) VALUES (?)").bind(1, text.toStdString()).run();
      int64_t prompt = db.last_insert_rowid();
      for (const QString& suffix : {QString(), QString(" (2)")})
        db.prepare("INSERT INTO completions (prompt_id, text) VALUES (?, ?)")
            .bind(1, prompt)
            .bind(2, (text + suffix).toStdString())
            .run();
    }
    transaction.commit();
    return path;
  }

  static QString stored(db::Database& db, const char* table, int64_t id) {
    db::Statement select = db.prepare(std::string("SELECT text FROM ") + table + " WHERE id = ?");
    select.bind(1, id);
    return select.step() ? QString::fromStdString(select.column_text(0)) : QString("<missing>");
  }

  // Walks every prompt of the queue (skipping each after the check) and compares what is shown.
  void compareEveryPrompt(const QString& path, bool raw, const QVector<Rendered>& expected) {
    ui::LabelingPage page(new ui::LabelingController(path, "alice"));
    page.resize(1300, 800);
    page.show();
    db::Database check(path.toStdString(), false);
    ui::RankingView* view = page.view();
    if (view->rawText() != raw) QTest::keyClick(view, Qt::Key_R);
    QCOMPARE(view->rawText(), raw);
    for (int shown = 0; view->promptId() != 0; ++shown) {
      QVERIFY(shown < 100);
      int64_t promptId = view->promptId();
      QString prompt = stored(check, "prompts", promptId);
      QString promptShown =
          ui::renderedText(view->findChild<QTextBrowser*>("promptText")->document());
      QCOMPARE(promptShown, expected.isEmpty() ? prompt : expected[shown].shown);
      for (int card = 0; card < view->completionIds().size(); ++card) {
        QString text = stored(check, "completions", view->completionIds()[card]);
        QString got = ui::renderedText(view->card(card)->body()->document());
        if (expected.isEmpty())
          QCOMPARE(got, text);
        else if (text == prompt)  // the card without the suffix
          QCOMPARE(got, expected[shown].shown);
      }
      QTest::keyClick(view, Qt::Key_S);  // next prompt
    }
  }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  void renderedMarkdownShowsEveryPlainCharacter() {
    compareEveryPrompt(makeProject(kPlainHostile), false, {});
  }

  void rawTextShowsEveryCharacterOfEverything() {
    QStringList all = kPlainHostile;
    for (const auto& entry : kMarkdownHostile) all << entry.stored;
    all << "# heading\n\n* star *list*\n\n    indented code\n\n1986. A great year\n\\*escaped\\*";
    QString path = makeProject(all);
    compareEveryPrompt(path, true, {});
    // The switch is the project's: stored, and a new session opens in raw mode.
    db::Database check(path.toStdString(), false);
    QCOMPARE(queryInt(check, "SELECT value = '1' FROM project_settings WHERE key = "
                             "'show_raw_text'"),
             1);
    ui::LabelingPage page(new ui::LabelingController(path, "bob"));
    QVERIFY(page.view()->rawText());
    QVERIFY(page.view()->findChild<QCheckBox*>("rawText")->isChecked());
  }

  void markdownWithHtmlKeepsTheHtmlCharacters() {
    QStringList stored;
    for (const auto& entry : kMarkdownHostile) stored << entry.stored;
    compareEveryPrompt(makeProject(stored), false, kMarkdownHostile);
  }

  void dataTabShowsTheSameCharacters() {
    QString path = makeProject(kPlainHostile);
    ui::DataView data(path);
    data.resize(1200, 700);
    data.show();
    db::Database check(path.toStdString(), false);
    ui::LabelingPage page(new ui::LabelingController(path, "alice"));
    QTest::keyClick(page.view(), Qt::Key_R);  // raw: the Data tab shows the text as stored
    for (int row = 0; row < kPlainHostile.size(); ++row) {
      data.table()->selectRow(row);
      QTRY_VERIFY(data.details()->toPlainText().contains(QString("Prompt %1").arg(row + 1)));
      QString details = ui::renderedText(data.details()->document());
      QVERIFY2(details.contains(kPlainHostile[row]), qPrintable(details));
      QCOMPARE(ui::renderedText(page.view()->card(0)->body()->document()).left(
                   kPlainHostile[row].size()),
               kPlainHostile[row]);
      QTest::keyClick(page.view(), Qt::Key_S);
    }
  }
};

QTEST_MAIN(TestHostileText)
#include "test_hostile_text.moc"
