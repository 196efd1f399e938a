// The title of a new chat from its first message: plain words, no Markdown, cut at a word.
#include <QtTest>

#include "chat_title.hpp"

using coil::app::chatTitleFrom;

class TestChatTitle : public QObject {
  Q_OBJECT

 private slots:
  void markdownIsTakenOut_data() {
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("title");
    QTest::newRow("plain") << "Hello there"
                           << "Hello there";
    QTest::newRow("heading") << "## **Fix** my `code`"
                             << "Fix my code";
    QTest::newRow("emphasis") << "Why is *this* _so_ ***slow***?"
                              << "Why is this so slow?";
    QTest::newRow("link") << "Read [the docs](https://example.com) please"
                          << "Read the docs please";
    QTest::newRow("image") << "![a cat](cat.png) what is it?"
                           << "a cat what is it?";
    QTest::newRow("list") << "- first\n- second"
                          << "first second";
    QTest::newRow("numbered") << "1. Install\n2. Run"
                              << "Install Run";
    QTest::newRow("quote") << "> quoted text"
                           << "quoted text";
    QTest::newRow("task") << "- [x] done it"
                          << "done it";
    QTest::newRow("strike") << "~~old~~ new"
                            << "old new";
    QTest::newRow("html") << "<b>bold</b> word"
                          << "bold word";
    QTest::newRow("rule") << "---\nAfter the rule"
                          << "After the rule";
    QTest::newRow("fence first") << "```python\nprint(1)\n```"
                                 << "print(1)";
    QTest::newRow("text then fence") << "Explain this:\n```\nx = 1\n```"
                                     << "Explain this:";
    QTest::newRow("lone star") << "2 * 3 = ?"
                               << "2 * 3 = ?";
    QTest::newRow("snake_case") << "what does my_var_name do"
                                << "what does my_var_name do";
  }

  void markdownIsTakenOut() {
    QFETCH(QString, message);
    QFETCH(QString, title);
    QCOMPARE(chatTitleFrom(message), title);
  }

  void longTitlesAreCutAtAWord() {
    const QString t = chatTitleFrom(
        "# Please explain how the recurrent state of a Mamba model is kept between turns");
    QVERIFY2(t.size() <= 49, qPrintable(t));
    QVERIFY(t.endsWith(QChar(0x2026)));
    QVERIFY2(t.startsWith("Please explain how the recurrent state of a"), qPrintable(t));
    const QString huge = chatTitleFrom(QString(1 << 20, QLatin1Char('x')));
    QCOMPARE(huge.size(), 49);
  }
};

QTEST_GUILESS_MAIN(TestChatTitle)
#include "tst_chat_title.moc"
