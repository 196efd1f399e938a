// The attachment fixtures, written at test time into a folder (nothing binary is committed):
// PDFs drawn with Qt's QPdfWriter (one with a text layer, one whose only page is an image),
// a damaged and an "encrypted" PDF (an /Encrypt dictionary whose password check fails, so
// poppler reports it locked), and text files in UTF-8, UTF-16 and Latin-1, HTML, Markdown,
// source code and a binary file.
#pragma once
#include <QString>

namespace coil::test {

// Writes every fixture into `dir`; returns false if one could not be written.
// Names: text.pdf, image-only.pdf, damaged.pdf, encrypted.pdf, notes.md, page.html,
// main.cpp, utf16.txt, latin1.txt, binary.dat, empty.txt, long.txt (300 kB).
bool writeAttachmentFixtures(const QString& dir);

// The sentence text.pdf holds (a PDF's text layer may break lines differently).
inline constexpr char kPdfSentence[] = "The secret word is marmalade.";

}  // namespace coil::test
