// Reading attachments: each format's text comes out, and each bad file (damaged, encrypted
// or image-only PDF, binary, unknown encoding, over the size limit, missing, empty) is
// refused with a sentence naming the file and saying what is wrong.
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "attachment_fixtures.hpp"
#include "attachment_reader.hpp"

using namespace coil::app;

class TestAttachmentReader : public QObject {
  Q_OBJECT

  const QDir dir_{coil::test::attachmentFixturesDir()};
  QString path(const char* name) const { return dir_.filePath(QString::fromLatin1(name)); }

  // The message of the refusal to read `name` (fails the test when it is read).
  QString refusal(const char* name, qint64 limit = kDefaultAttachmentLimitBytes) {
    try {
      const ExtractedDocument d = readAttachment(path(name), limit);
      qWarning("read %s as %s: %s", name, qPrintable(d.format), qPrintable(d.text.left(80)));
    } catch (const AttachmentError& e) {
      return e.message();
    }
    return {};
  }

 private slots:
  void initTestCase() { QVERIFY2(QFileInfo(path("text.pdf")).isFile(), qPrintable(dir_.path())); }

  // The committed fixtures are what tools/make-attachment-fixtures.sh writes: the same
  // files, the text ones byte for byte, the PDFs (QPdfWriter stamps the time) reading the
  // same.
  void committedFixturesAreTheGeneratorsOutput() {
    QTemporaryDir out;
    QProcess p;
    p.start(QStringLiteral(COIL_MAKE_ATTACHMENT_FIXTURES), {out.path()});
    QVERIFY(p.waitForFinished(60000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    const QStringList made = QDir(out.path()).entryList(QDir::Files, QDir::Name);
    QCOMPARE(dir_.entryList(QDir::Files, QDir::Name), made);
    for (const QString& name : made) {
      const QString fresh = QDir(out.path()).filePath(name);
      if (name.endsWith(QLatin1String(".pdf")) && name != QLatin1String("damaged.pdf") &&
          name != QLatin1String("encrypted.pdf")) {
        if (name == QLatin1String("text.pdf"))
          QCOMPARE(readAttachment(fresh).text, readAttachment(dir_.filePath(name)).text);
        continue;
      }
      QFile a(fresh), b(dir_.filePath(name));
      QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
      QVERIFY2(a.readAll() == b.readAll(), qPrintable(name));
    }
  }

  void pdfText() {
    const ExtractedDocument d = readAttachment(path("text.pdf"));
    QCOMPARE(d.name, QStringLiteral("text.pdf"));
    QCOMPARE(d.format, QStringLiteral("PDF"));
    QCOMPARE(d.bytes, QFileInfo(path("text.pdf")).size());
    QVERIFY2(d.text.simplified().contains(QLatin1String(coil::test::kPdfSentence)),
             qPrintable(d.text));
    QVERIFY2(d.text.contains(QLatin1String("Page two says hello.")), qPrintable(d.text));
  }

  void markdownKeepsItsMarkup() {
    const ExtractedDocument d = readAttachment(path("notes.md"));
    QCOMPARE(d.format, QStringLiteral("Markdown"));
    QCOMPARE(d.text, QStringLiteral("# Notes\n\nThe *café* opens at nine.\n"));
  }

  void sourceCode() {
    const ExtractedDocument d = readAttachment(path("main.cpp"));
    QCOMPARE(d.format, QStringLiteral("Source code"));
    QCOMPARE(d.text, QStringLiteral("int main() { return 42; }\n"));
  }

  void htmlTextOnly() {
    const ExtractedDocument d = readAttachment(path("page.html"));
    QCOMPARE(d.format, QStringLiteral("HTML"));
    QVERIFY2(d.text.contains(QLatin1String("Heading")), qPrintable(d.text));
    QVERIFY2(d.text.contains(QLatin1String("Text & more bold.")), qPrintable(d.text));
    QVERIFY2(!d.text.contains(QLatin1Char('<')), qPrintable(d.text));
    QVERIFY2(!d.text.contains(QLatin1String("color:red")), qPrintable(d.text));
    QVERIFY2(!d.text.contains(QChar(0xFFFC)), qPrintable(d.text));  // the image: no text
  }

  void utf16WithByteOrderMark() {
    QCOMPARE(readAttachment(path("utf16.txt")).text, QStringLiteral("Grüße aus UTF-16.\n"));
  }

  void damagedPdf() {
    const QString m = refusal("damaged.pdf");
    QVERIFY2(m.startsWith(QLatin1String("damaged.pdf: ")), qPrintable(m));
    QVERIFY2(m.contains(QLatin1String("damaged")), qPrintable(m));
  }

  void encryptedPdf() {
    const QString m = refusal("encrypted.pdf");
    QVERIFY2(m.contains(QLatin1String("encrypted")), qPrintable(m));
  }

  void imageOnlyPdf() {
    const QString m = refusal("image-only.pdf");
    QVERIFY2(m.contains(QLatin1String("no text layer")), qPrintable(m));
  }

  void binaryFile() {
    const QString m = refusal("binary.dat");
    QVERIFY2(m.contains(QLatin1String("binary file")), qPrintable(m));
  }

  void unknownEncoding() {
    const QString m = refusal("latin1.txt");
    QVERIFY2(m.contains(QLatin1String("unknown encoding")), qPrintable(m));
  }

  void overTheSizeLimit() {
    const QString m = refusal("notes.md", 10);
    QVERIFY2(m.contains(QLatin1String("over the 10 B limit")), qPrintable(m));
    QVERIFY(!refusal("notes.md", QFileInfo(path("notes.md")).size() - 1).isEmpty());
    QVERIFY(readAttachment(path("notes.md"), QFileInfo(path("notes.md")).size()).bytes > 0);
  }

  void missingAndEmpty() {
    QVERIFY2(refusal("nope.txt").contains(QLatin1String("does not exist")),
             qPrintable(refusal("nope.txt")));
    QVERIFY2(refusal("empty.txt").contains(QLatin1String("no text")),
             qPrintable(refusal("empty.txt")));
  }
};

QTEST_MAIN(TestAttachmentReader)
#include "tst_attachment_reader.moc"
