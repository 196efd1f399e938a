#include "progress_printer.hpp"

#include <algorithm>
#include <cmath>

#include "resource_estimate.hpp"

namespace coil::hub {

namespace {

QString formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("--:--");
  const qint64 s = qint64(seconds + 0.5);
  if (s >= 3600)
    return QStringLiteral("%1:%2:%3")
        .arg(s / 3600)
        .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
        .arg(s % 60, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

}  // namespace

ProgressPrinter::ProgressPrinter(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}

void ProgressPrinter::write(const QString& text) {
  std::fputs(text.toLocal8Bit().constData(), out_);
  std::fflush(out_);
}

void ProgressPrinter::clearBar() {
  if (terminal_ && barShown_) write(QStringLiteral("\r\033[K"));
  barShown_ = false;
}

void ProgressPrinter::message(const QString& line) {
  clearBar();
  write(line + QLatin1Char('\n'));
}

void ProgressPrinter::fileStarted(const QString& path, qint64 size) {
  file_ = path;
  if (!terminal_) message(QStringLiteral("downloading %1 (%2)").arg(path, formatBytes(size)));
}

void ProgressPrinter::progress(qint64 done, qint64 total, double speed) {
  const double fraction = total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 1.0;
  const QString amounts = QStringLiteral("%1 / %2").arg(formatBytes(done), formatBytes(total));
  const QString rate =
      speed > 0 ? formatBytes(qint64(speed)) + QStringLiteral("/s") : QStringLiteral("-");
  if (!terminal_) {
    const int tenth = int(fraction * 10.0);
    if (tenth == lastTenth_) return;
    lastTenth_ = tenth;
    message(QStringLiteral("progress %1% (%2, %3)").arg(tenth * 10).arg(amounts, rate));
    return;
  }
  constexpr int width = 30;
  const int filled = int(fraction * width);
  QString bar(width, QLatin1Char(' '));
  for (int i = 0; i < filled; ++i) bar[i] = QLatin1Char('=');
  if (filled < width) bar[filled] = QLatin1Char('>');
  const double eta = speed > 0 ? double(total - done) / speed : -1;
  write(QStringLiteral("\r\033[K[%1] %2% %3 %4 ETA %5 %6")
            .arg(bar)
            .arg(int(fraction * 100.0), 3)
            .arg(amounts, rate, formatDuration(eta), file_));
  barShown_ = true;
}

void ProgressPrinter::checking(qint64 done, qint64 total) {
  const QString line = QStringLiteral("checking %1 of %2 already downloaded")
                           .arg(formatBytes(done), formatBytes(total));
  if (!terminal_) {
    if (done == 0) message(line);
    return;
  }
  write(QStringLiteral("\r\033[K") + line);
  barShown_ = true;
}

void ProgressPrinter::finish() {
  if (terminal_ && barShown_) write(QStringLiteral("\n"));
  barShown_ = false;
}

}  // namespace coil::hub
