#include "attachment_reader.hpp"

#include <poppler-qt6.h>

#include <QFile>
#include <QFileInfo>
#include <QStringDecoder>
#include <QTextDocument>
#include <memory>
#include <mutex>

#include "format_bytes.hpp"

namespace coil::app {

namespace {

// Extracted text is bounded too: a small compressed PDF can hold a great deal of text.
constexpr qsizetype kMaxTextChars = qsizetype(64) << 20;

const QStringList kMarkdown{"md", "markdown", "mdown", "mkd", "rst"};
const QStringList kHtml{"html", "htm", "xhtml"};
const QStringList kCode{"c",     "cc",   "cpp",  "cxx",  "h",     "hh",   "hpp",   "hxx", "cu",
                        "cuh",   "py",   "js",   "ts",   "tsx",   "jsx",  "java",  "kt",  "go",
                        "rs",    "rb",   "php",  "cs",   "swift", "m",    "mm",    "sh",  "bash",
                        "zsh",   "ps1",  "pl",   "lua",  "r",     "jl",   "scala", "sql", "qml",
                        "cmake", "glsl", "comp", "vert", "frag",  "json", "yaml",  "yml", "toml",
                        "ini",   "cfg",  "xml",  "css",  "scss",  "tex",  "mk",    "make"};

[[noreturn]] void refuse(const QString& name, const QString& why) {
  throw AttachmentError(QStringLiteral("%1: %2").arg(name, why));
}

bool startsWith(const QByteArray& bytes, const char* magic) {
  return bytes.startsWith(QByteArray(magic));
}

// UTF-8 (a BOM is dropped), or UTF-16 with a BOM. Anything else is refused: guessing a
// legacy code page would hand the model mojibake without saying so.
QString decodeText(const QString& name, const QByteArray& bytes) {
  if (startsWith(bytes, "\xFF\xFE") || startsWith(bytes, "\xFE\xFF")) {
    QStringDecoder d(startsWith(bytes, "\xFF\xFE") ? QStringConverter::Utf16LE
                                                   : QStringConverter::Utf16BE);
    const QString text = d.decode(bytes.mid(2));
    if (d.hasError() || (bytes.size() % 2) != 0)
      refuse(name, QStringLiteral("the text is not valid UTF-16 although the file says it is"));
    return text;
  }
  if (bytes.contains('\0'))
    refuse(name, QStringLiteral("this is a binary file, not text. Coil reads text, Markdown, "
                                "source code, HTML and PDF files"));
  QStringDecoder d(QStringConverter::Utf8, QStringConverter::Flag::Stateless);
  QString text = d.decode(startsWith(bytes, "\xEF\xBB\xBF") ? bytes.mid(3) : bytes);
  if (d.hasError())
    refuse(name, QStringLiteral("the text is in an unknown encoding (not UTF-8, nor UTF-16 "
                                "with a byte-order mark). Save it as UTF-8 and attach it again"));
  return text;
}

// A document that loads nothing an HTML file points to (images, style sheets): the text is
// all that is wanted, and a hostile file may point anywhere.
class TextOnlyDocument : public QTextDocument {
 protected:
  QVariant loadResource(int, const QUrl&) override { return {}; }
};

QString htmlText(const QString& html) {
  TextOnlyDocument doc;
  doc.setHtml(html);
  // an image stands in the text as U+FFFC (object replacement): nothing to read
  return doc.toPlainText().remove(QChar(0xFFFC));
}

QString pdfText(const QString& name, const QByteArray& bytes) {
  // poppler's own complaints about a damaged file ("Error: Couldn't read xref table") would
  // only be noise on stderr: the reason goes to the user in our words
  static std::once_flag quiet;
  std::call_once(quiet, [] {
    Poppler::setDebugErrorFunction([](const QString&, const QVariant&) {}, QVariant());
  });
  std::unique_ptr<Poppler::Document> doc = Poppler::Document::loadFromData(bytes);
  if (!doc) refuse(name, QStringLiteral("the PDF is damaged or not a PDF; it could not be opened"));
  if (doc->isLocked())
    refuse(name, QStringLiteral("the PDF is encrypted (password protected). Save a copy "
                                "without a password and attach that"));
  QString text;
  const int pages = doc->numPages();
  for (int i = 0; i < pages; ++i) {
    std::unique_ptr<Poppler::Page> page = doc->page(i);
    if (!page) continue;
    const QString pageText = page->text(QRectF());
    if (text.size() + pageText.size() > kMaxTextChars)
      refuse(name, QStringLiteral("the PDF holds more than %1 million characters of text")
                       .arg(kMaxTextChars / 1000000));
    if (!text.isEmpty() && !pageText.isEmpty()) text += QStringLiteral("\n\n");
    text += pageText;
  }
  if (text.trimmed().isEmpty())
    refuse(name, pages == 0 ? QStringLiteral("the PDF has no pages")
                            : QStringLiteral("the PDF has no text layer (scanned pages are "
                                             "images; Coil does not read text in images)"));
  return text;
}

}  // namespace

ExtractedDocument readAttachment(const QString& path, qint64 maxBytes) {
  const QFileInfo info(path);
  const QString name = info.fileName().isEmpty() ? path : info.fileName();
  if (!info.exists()) refuse(name, QStringLiteral("the file does not exist"));
  if (!info.isFile()) refuse(name, QStringLiteral("this is not a file"));
  if (info.size() > maxBytes)
    refuse(name, QStringLiteral("the file is %1, over the %2 limit for attachments (Settings)")
                     .arg(hub::formatBytes(info.size()), hub::formatBytes(maxBytes)));
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    refuse(name, QStringLiteral("the file could not be read: %1").arg(file.errorString()));
  // Read at most one byte past the limit: the file may have grown since it was measured.
  const QByteArray bytes = file.read(maxBytes + 1);
  if (bytes.size() > maxBytes)
    refuse(name, QStringLiteral("the file is over the %1 limit for attachments (Settings)")
                     .arg(hub::formatBytes(maxBytes)));
  if (file.error() != QFileDevice::NoError)
    refuse(name, QStringLiteral("the file could not be read: %1").arg(file.errorString()));

  ExtractedDocument out{name, qint64(bytes.size()), QString(), QString()};
  const QString suffix = info.suffix().toLower();
  if (suffix == QLatin1String("pdf") || startsWith(bytes, "%PDF-")) {
    out.format = QStringLiteral("PDF");
    out.text = pdfText(name, bytes);
  } else if (kHtml.contains(suffix)) {
    out.format = QStringLiteral("HTML");
    out.text = htmlText(decodeText(name, bytes));
  } else {
    out.format = kMarkdown.contains(suffix) ? QStringLiteral("Markdown")
                 : kCode.contains(suffix)   ? QStringLiteral("Source code")
                                            : QStringLiteral("Text");
    out.text = decodeText(name, bytes);
  }
  // Control characters other than tab and line breaks have no place in a prompt.
  for (QChar& c : out.text)
    if (c.unicode() < 0x20 && c != QLatin1Char('\n') && c != QLatin1Char('\t') &&
        c != QLatin1Char('\r'))
      c = QLatin1Char(' ');
  if (out.text.size() > kMaxTextChars)
    refuse(name, QStringLiteral("the file holds more than %1 million characters of text")
                     .arg(kMaxTextChars / 1000000));
  if (out.text.trimmed().isEmpty()) refuse(name, QStringLiteral("the file has no text"));
  return out;
}

}  // namespace coil::app
