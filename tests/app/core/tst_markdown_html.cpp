// Answers are untrusted text: whatever Markdown or HTML a model writes, every word of it is
// shown (HTML as text, images as alt text and link), nothing is loaded or run, and the HTML
// given to Qt's rich text is what the view shows (checked through QTextDocument, the engine
// of the answer's TextEdit). Code blocks are coloured by source-highlight, and stay whole.
#include <QRegularExpression>
#include <QTest>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextFragment>

#include "code_highlight.hpp"
#include "markdown_html.hpp"

using namespace coil::app;

namespace {

// What the view shows of an HTML string: QTextDocument's plain text, as TextEdit holds it.
QString shown(const QString& html) {
  QTextDocument doc;
  doc.setHtml(html);
  return doc.toPlainText();
}

// The words (letters and digits) of a text, in order.
QStringList wordsOf(const QString& text) {
  static const QRegularExpression word(QStringLiteral("[\\p{L}\\p{N}]+"));
  QStringList out;
  for (auto it = word.globalMatch(text); it.hasNext();) out << it.next().captured();
  return out;
}

// The text a reader expects to see of some Markdown: without the addresses of web links
// and images (shown as links, not text), task boxes (shown as ballot boxes) and list numbers
// (list markers), entities decoded.
QString expectedText(QString markdown) {
  markdown.remove(QRegularExpression(QStringLiteral("\\]\\(https?://[^)]*\\)")));
  markdown.remove(QRegularExpression(QStringLiteral("\\[[ xX]\\]")));
  // ordered lists' numbers are their markers
  markdown.remove(
      QRegularExpression(QStringLiteral("^\\s*\\d+\\. "), QRegularExpression::MultilineOption));
  markdown.replace(QStringLiteral("&lt;"), QStringLiteral("<"));
  markdown.replace(QStringLiteral("&gt;"), QStringLiteral(">"));
  markdown.replace(QStringLiteral("&amp;"), QStringLiteral("&"));
  markdown.replace(QStringLiteral("&#65;"), QStringLiteral("A"));
  markdown.replace(QStringLiteral("&#x42;"), QStringLiteral("B"));
  markdown.replace(QStringLiteral("&#0;"), QStringLiteral(" "));
  return markdown;
}

// Every word of `words` is in `text`, in order.
bool containsInOrder(const QString& text, const QStringList& words, QString* missing) {
  const QStringList have = wordsOf(text);
  qsizetype at = 0;
  for (const QString& w : words) {
    while (at < have.size() && have[at] != w) ++at;
    if (at == have.size()) {
      *missing = w;
      return false;
    }
    ++at;
  }
  return true;
}

}  // namespace

class TestMarkdownHtml : public QObject {
  Q_OBJECT

 private slots:
  void everyWordOfHostileInputIsShown_data() {
    QTest::addColumn<QString>("markdown");
    QTest::newRow("img tag") << "before <img src=x onerror=alert(1)> after the image, and more";
    QTest::newRow("script") << "<script>alert('owned')</script> visible words follow";
    QTest::newRow("style") << "<style>body { display: none }</style> still here";
    QTest::newRow("comment") << "<!-- hidden comment text --> shown anyway";
    QTest::newRow("html block") << "<div>\n<p>inside div</p>\n</div>\n\nafter block";
    QTest::newRow("unclosed tag") << "a <b unclosed tag swallowing everything after";
    QTest::newRow("iframe") << "<iframe src=\"http://evil\">frame words</iframe> tail";
    QTest::newRow("table tag") << "<table><tr><td>cell words</td></tr></table> rest";
    QTest::newRow("md image") << "look ![a cute cat](http://example.com/cat.png) there";
    QTest::newRow("md image no alt") << "empty ![](http://example.com/pic.png) alt";
    QTest::newRow("image file link") << "![secret](file:///etc/passwd) text";
    QTest::newRow("js link") << "[click here](javascript:alert(1)) please";
    QTest::newRow("link") << "see [the docs](https://example.com/docs?a=1&b=2) now";
    QTest::newRow("autolink") << "visit https://example.com/path and www.example.org too";
    QTest::newRow("entities") << "&lt;b&gt;not bold&lt;/b&gt; &amp; &#65;&#x42; &bogus; &#0; done";
    QTest::newRow("quote") << "> quoted words\n> more quoted\n\nplain after";
    QTest::newRow("table") << "| head one | head two |\n|---|:-:|\n| cell a | cell b |\n\nend";
    QTest::newRow("lists") << "- one\n- two\n  1. nested three\n- [x] done four\n- [ ] open five";
    QTest::newRow("emphasis") << "***bold italic*** ~~struck~~ `code span` **unclosed";
    QTest::newRow("headings") << "# Title words\n## Second level\n###### sixth";
    QTest::newRow("indented code") << "text\n\n    indented code line\n\nafter";
    QTest::newRow("angle brackets") << "if a < b and c > d then x <y> z </y>";
    QTest::newRow("quotes in link") << "[name](http://x.com/\"onmouseover=\"alert(1)) ok";
    QTest::newRow("null char") << QStringLiteral("nul") + QChar(0) + QStringLiteral(" byte");
    QTest::newRow("unicode") << "Grüße 日本語 emoji 🙂 done";
  }

  void everyWordOfHostileInputIsShown() {
    QFETCH(QString, markdown);
    const QString html = markdownToHtml(markdown);
    const QString text = shown(html);
    QString missing;
    const QStringList words = wordsOf(expectedText(markdown));
    QVERIFY(words.size() >= 2);
    QVERIFY2(
        containsInOrder(text, words, &missing),
        qPrintable(
            QStringLiteral("'%1' is not shown.\nhtml: %2\nshown: %3").arg(missing, html, text)));
  }

  void rawHtmlIsTextNeverMarkup() {
    const QString html = markdownToHtml("<b>not bold</b> <img src=\"http://x/y.png\">");
    QVERIFY2(!html.contains("<img"), qPrintable(html));
    QVERIFY2(!html.contains("<b>"), qPrintable(html));
    QCOMPARE(shown(html).trimmed(), QStringLiteral("<b>not bold</b> <img src=\"http://x/y.png\">"));
  }

  void imagesAreTheirAltTextLinkedNeverLoaded() {
    QTextDocument doc;
    doc.setHtml(markdownToHtml("![a cat](https://example.com/cat.png)"));
    QVERIFY(doc.toPlainText().contains("a cat"));
    bool linked = false;
    for (QTextBlock b = doc.begin(); b.isValid(); b = b.next())
      for (auto it = b.begin(); !it.atEnd(); ++it) {
        const QTextFragment f = it.fragment();
        QVERIFY2(!f.charFormat().isImageFormat(), "an image would be loaded");
        if (f.text().contains("a cat"))
          linked = f.charFormat().anchorHref() == QLatin1String("https://example.com/cat.png");
      }
    QVERIFY(linked);
  }

  void onlyWebAndMailLinksAreLinks() {
    const HtmlStyle style{"#111111", "#222222", "#abcdef", "#333333", "#444444"};
    const QString web = markdownToHtml("[docs](https://example.com)", style);
    QVERIFY2(web.contains("<a href=\"https://example.com\" style=\"color:#abcdef;\">"),
             qPrintable(web));  // the theme's link colour
    for (const char* bad : {"[x](javascript:alert(1))", "[x](file:///etc/passwd)",
                            "[x](data:text/html,hi)", "[x](relative/path.html)"}) {
      const QString html = markdownToHtml(QString::fromLatin1(bad));
      QVERIFY2(!html.contains("<a "), qPrintable(html));
    }
  }

  void deepNestingIsFlattened() {
    const QString quotes = QString(">").repeated(5000) + " deep words";
    const QString html = markdownToHtml(quotes);
    QVERIFY(html.count("<table") <= kMaxMarkdownDepth);
    QVERIFY(shown(html).contains("deep words"));
    QString list;
    for (int i = 0; i < 300; ++i)
      list += QString(i * 2, ' ') + "- level" + QString::number(i) + "\n";
    const QString listHtml = markdownToHtml(list);
    QVERIFY(listHtml.count("<ul>") <= kMaxMarkdownDepth);
    QVERIFY(shown(listHtml).contains("level299"));
  }

  void tablesAndQuotesAreStyled() {
    const HtmlStyle style{"#111111", "#222222", "#abcdef", "#333333", "#444444"};
    const QString table = markdownToHtml("| a | b |\n|---|--:|\n| 1 | 2 |", style);
    QVERIFY2(table.contains("<table border=\"1\"") && table.contains("border-color:#444444"),
             qPrintable(table));
    QVERIFY(table.contains("<th align=\"right\""));
    const QString quote = markdownToHtml("> said", style);
    QVERIFY2(quote.contains("color:#222222"), qPrintable(quote));
  }

  void codeIsHighlightedAndKeepsEveryCharacter() {
    const QString code = "def f(x):\n    return \"<b>\" + x  # a comment & more\n";
    const QString html = highlightCode(code, "python", false);
    QVERIFY2(html.contains("<span style=\"color:"), qPrintable(html));  // coloured
    QCOMPARE(shown("<pre>" + html + "</pre>"), code.chopped(1));
    QVERIFY(canHighlight("python"));
    QVERIFY(canHighlight("C++"));
    QVERIFY(!canHighlight("no-such-language"));
    // unknown language: the same text, uncoloured
    const QString plain = highlightCode("a < b && c", "no-such-language", true);
    QVERIFY(!plain.contains("<span"));
    QCOMPARE(shown("<pre>" + plain + "</pre>"), QStringLiteral("a < b && c"));
    // dark and light palettes differ
    QVERIFY(highlightCode("return 1", "python", true) !=
            highlightCode("return 1", "python", false));
  }

  void codeLinesAreKept() {
    const QString longLine = QString("x_").repeated(400);
    QTextDocument doc;
    doc.setHtml("<pre>" + highlightCode(longLine + "\nsecond", "c", false) + "</pre>");
    QCOMPARE(doc.blockCount(), 2);  // two lines, the long one unbroken
    QCOMPARE(doc.firstBlock().text(), longLine);
  }
};

QTEST_MAIN(TestMarkdownHtml)
#include "tst_markdown_html.moc"
