// The attachment fixtures: small files committed in tests/app/data/attachments, made by
// tools/make-attachment-fixtures.sh (tools/fixtures/make_attachment_fixtures.cpp: PDFs drawn
// by Qt's QPdfWriter, a damaged and an "encrypted" PDF, text in several encodings, HTML,
// Markdown, code, a binary file, a 300 kB text). Names: text.pdf, image-only.pdf,
// damaged.pdf, encrypted.pdf, notes.md, page.html, main.cpp, utf16.txt, latin1.txt,
// binary.dat, empty.txt, long.txt.
#pragma once
#include <QString>

#include "attachment_fixture_text.hpp"  // kPdfSentence

namespace coil::test {

// The folder of the committed fixtures (read only: tests copy what they change).
inline QString attachmentFixturesDir() {
  return QStringLiteral(COIL_ATTACHMENT_FIXTURES_DIR);
}

}  // namespace coil::test
