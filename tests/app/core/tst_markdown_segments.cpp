// Splitting answers into prose and fenced code blocks (for the code blocks' copy buttons).
#include <QTest>

#include "markdown_segments.hpp"

using namespace coil::app;
using Kind = MarkdownSegment::Kind;

class TestMarkdownSegments : public QObject {
  Q_OBJECT

 private slots:
  void proseOnly() {
    const auto s = splitMarkdown("Hello **world**.\n\nA list:\n- a\n- b");
    QCOMPARE(s.size(), 1);
    QCOMPARE(s[0].kind, Kind::Text);
    QCOMPARE(s[0].text, "Hello **world**.\n\nA list:\n- a\n- b");
  }

  void codeBetweenProse() {
    const auto s = splitMarkdown("Try this:\n```python\nprint('hi')\n\nx = 1\n```\nDone.");
    QCOMPARE(s.size(), 3);
    QCOMPARE(s[1], (MarkdownSegment{Kind::Code, "print('hi')\n\nx = 1", "python"}));
    QCOMPARE(s[2].text, "Done.");
  }

  void tildesAndLongerFences() {
    const auto s = splitMarkdown("~~~\na\n~~~\n````md\n```\ninner\n```\n````");
    QCOMPARE(s.size(), 2);
    QCOMPARE(s[0], (MarkdownSegment{Kind::Code, "a", ""}));
    QCOMPARE(s[1], (MarkdownSegment{Kind::Code, "```\ninner\n```", "md"}));
  }

  void unclosedFenceWhileStreaming() {
    const auto s = splitMarkdown("Here:\n```js\nconsole.log(1)");
    QCOMPARE(s.size(), 2);
    QCOMPARE(s[1], (MarkdownSegment{Kind::Code, "console.log(1)", "js"}));
  }

  void inlineBackticksAreProse() {
    const auto s = splitMarkdown("Use `ls` or ``a`b``.");
    QCOMPARE(s.size(), 1);
    QCOMPARE(s[0].kind, Kind::Text);
  }

  void emptyText() { QVERIFY(splitMarkdown("").isEmpty()); }

  void variantForQml() {
    const auto v = segmentsToVariant(splitMarkdown("a\n```\nb\n```"));
    QCOMPARE(v.size(), 2);
    QCOMPARE(v[1].toMap().value("kind").toString(), "code");
    QCOMPARE(v[1].toMap().value("text").toString(), "b");
  }
};

QTEST_GUILESS_MAIN(TestMarkdownSegments)
#include "tst_markdown_segments.moc"
