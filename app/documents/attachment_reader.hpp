// Reading an attached file into plain text for the model: plain text, Markdown and source
// code (UTF-8, or UTF-16 with a byte-order mark), HTML (its text only) and PDF (the text
// layer, through poppler's Qt 6 binding). Runs on any thread but the GUI's (the files may be
// large; ChatController reads them on the thread pool). Every file is hostile: the size is
// checked before reading, the extracted text is bounded, and each refusal is a sentence a
// person understands, naming the file.
#pragma once
#include <QString>
#include <stdexcept>

namespace coil::app {

struct ExtractedDocument {
  QString name;      // the file's name, without its folder
  qint64 bytes = 0;  // the file's size on disk
  QString format;    // "PDF", "HTML", "Markdown", "Source code", "Text"
  QString text;      // the extracted text (never empty)
};

class AttachmentError : public std::runtime_error {
 public:
  explicit AttachmentError(const QString& message)
      : std::runtime_error(message.toStdString()), message_(message) {}
  const QString& message() const { return message_; }

 private:
  QString message_;
};

inline constexpr qint64 kDefaultAttachmentLimitBytes = 20000000;  // 20 MB (Settings)

// Throws AttachmentError: the file is missing or unreadable, larger than maxBytes, binary,
// in an unknown encoding, a damaged, encrypted or image-only PDF, or has no text at all.
ExtractedDocument readAttachment(const QString& path,
                                 qint64 maxBytes = kDefaultAttachmentLimitBytes);

}  // namespace coil::app
