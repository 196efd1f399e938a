#include "attachment_fixtures.hpp"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QPdfWriter>

namespace coil::test {

namespace {

bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

bool writePdf(const QString& path, bool withText) {
  QPdfWriter pdf(path);
  pdf.setTitle(QStringLiteral("Coil fixture"));
  QPainter p;
  if (!p.begin(&pdf)) return false;
  if (withText) {
    p.setFont(QFont(QStringLiteral("DejaVu Sans"), 12));
    p.drawText(QPointF(200, 400), QString::fromLatin1(kPdfSentence));
    pdf.newPage();
    p.drawText(QPointF(200, 400), QStringLiteral("Page two says hello."));
  } else {
    QImage image(200, 80, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter ip(&image);
    ip.fillRect(20, 20, 160, 40, Qt::black);  // a "scanned" page: pixels, no text
    ip.end();
    p.drawImage(QRect(200, 200, 2000, 800), image);
  }
  return p.end();
}

// A PDF with a standard-security /Encrypt dictionary whose /U does not match the empty
// password: poppler opens it as locked, as it does any password-protected PDF.
QByteArray encryptedPdf() {
  QByteArray body = "%PDF-1.4\n";
  QList<qsizetype> offsets;
  const auto object = [&](const QByteArray& text) {
    offsets << body.size();
    body += QByteArray::number(offsets.size()) + " 0 obj\n" + text + "\nendobj\n";
  };
  object("<< /Type /Catalog /Pages 2 0 R >>");
  object("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>");
  const QByteArray hex32 = QByteArray(32, '\x5a').toHex();
  object("<< /Filter /Standard /V 1 /R 2 /O <" + hex32 + "> /U <" + hex32 + "> /P -4 >>");
  const qsizetype xref = body.size();
  body += "xref\n0 5\n0000000000 65535 f \n";
  for (qsizetype o : offsets) body += QByteArray::number(o).rightJustified(10, '0') + " 00000 n \n";
  body += "trailer\n<< /Size 5 /Root 1 0 R /Encrypt 4 0 R /ID [<" + hex32.left(32) + "> <" +
          hex32.left(32) + ">] >>\nstartxref\n" + QByteArray::number(xref) + "\n%%EOF\n";
  return body;
}

}  // namespace

bool writeAttachmentFixtures(const QString& dir) {
  QDir().mkpath(dir);
  const QDir d(dir);
  const QString utf16Text = QStringLiteral("Grüße aus UTF-16.\n");
  QByteArray utf16("\xFF\xFE", 2);
  utf16.append(reinterpret_cast<const char*>(utf16Text.utf16()), utf16Text.size() * 2);
  QByteArray longText;  // ~300k tokens for a byte-level tokenizer: minutes to read
  for (int i = 0; longText.size() < 300000; ++i)
    longText += "Line " + QByteArray::number(i) + " of a long report about rivers and bridges.\n";
  QByteArray binary;
  for (int i = 0; i < 512; ++i) binary.append(char(i * 37 % 256));
  return writePdf(d.filePath("text.pdf"), true) && writePdf(d.filePath("image-only.pdf"), false) &&
         writeFile(d.filePath("damaged.pdf"), "%PDF-1.4\n1 0 obj << /Type /Cat") &&
         writeFile(d.filePath("encrypted.pdf"), encryptedPdf()) &&
         writeFile(d.filePath("notes.md"), "# Notes\n\nThe *café* opens at nine.\n") &&
         writeFile(d.filePath("page.html"),
                   "<html><head><title>T</title><style>p{color:red}</style></head><body>"
                   "<h1>Heading</h1><p>Text &amp; more <b>bold</b>.</p>"
                   "<img src=\"file:///nonexistent/picture.png\">"
                   "<script>var hidden = 1;</script></body></html>") &&
         writeFile(d.filePath("main.cpp"), "int main() { return 42; }\n") &&
         writeFile(d.filePath("utf16.txt"), utf16) &&
         writeFile(d.filePath("latin1.txt"), "caf\xE9 cr\xE8me\n") &&
         writeFile(d.filePath("binary.dat"), binary) && writeFile(d.filePath("empty.txt"), " \n") &&
         writeFile(d.filePath("long.txt"), longText);
}

}  // namespace coil::test
