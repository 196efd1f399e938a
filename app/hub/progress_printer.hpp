// How `coil download` shows progress: a redrawn bar on a terminal, plain lines otherwise
// (a line per file and one per 10% of the whole).
#pragma once
#include <QString>
#include <cstdio>

namespace coil::hub {

class ProgressPrinter {
 public:
  ProgressPrinter(std::FILE* out, bool terminal);

  void fileStarted(const QString& path, qint64 size);
  void progress(qint64 done, qint64 total, double bytesPerSecond);
  // "checking 3.1 GB of 14.5 GB already downloaded" while a resumed file is re-hashed.
  void checking(qint64 done, qint64 total);
  void message(const QString& line);  // a line of its own (clears the bar first)
  void finish();                      // ends the bar's line

 private:
  void write(const QString& text);
  void clearBar();

  std::FILE* out_;
  bool terminal_;
  bool barShown_ = false;
  int lastTenth_ = -1;
  QString file_;
};

}  // namespace coil::hub
