#include "fixture_model.hpp"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace coil::test {

namespace {

// GPT-2's printable stand-ins for the 256 bytes (the byte-level BPE alphabet).
QString byteChar(int b) {
  if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255))
    return QString(QChar(b));
  int n = 0;
  for (int i = 0; i < b; ++i)
    if (!((i >= 33 && i <= 126) || (i >= 161 && i <= 172) || (i >= 174 && i <= 255))) ++n;
  return QString(QChar(256 + n));
}

void write(const QString& path, const QByteArray& data) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size())
    qFatal("cannot write %s", qPrintable(path));
}

}  // namespace

QByteArray byteTokenizerJson(int vocab) {
  QJsonObject v;
  for (int b = 0; b < 256; ++b) v.insert(byteChar(b), b);
  for (int i = 256; i < vocab; ++i) v.insert(QStringLiteral("<filler_%1>").arg(i), i);
  const QJsonObject tok{
      {"version", "1.0"},
      {"added_tokens", QJsonArray()},
      {"normalizer", QJsonValue::Null},
      {"pre_tokenizer", QJsonObject{{"type", "ByteLevel"},
                                    {"add_prefix_space", false},
                                    {"trim_offsets", true},
                                    {"use_regex", true}}},
      {"decoder", QJsonObject{{"type", "ByteLevel"}}},
      {"model", QJsonObject{{"type", "BPE"}, {"vocab", v}, {"merges", QJsonArray()}}}};
  return QJsonDocument(tok).toJson(QJsonDocument::Compact);
}

QString makeFixtureModel(const QString& dir, const QString& fixture, bool noEos) {
  const QDir src(QStringLiteral(COIL_TEST_MODELS_DIR "/") + fixture);
  QDir().mkpath(dir);
  const QDir dst(dir);
  for (const char* name : {"config.json", "model.safetensors"}) {
    const QString to = dst.filePath(QLatin1String(name));
    QFile::remove(to);
    if (!QFile::copy(src.filePath(QLatin1String(name)), to))
      qFatal("cannot copy %s to %s", name, qPrintable(dir));
  }
  write(dst.filePath(QStringLiteral("tokenizer.json")), byteTokenizerJson());
  if (noEos) {
    QFile f(dst.filePath(QStringLiteral("config.json")));
    if (!f.open(QIODevice::ReadOnly)) qFatal("cannot read %s", qPrintable(f.fileName()));
    QJsonObject config = QJsonDocument::fromJson(f.readAll()).object();
    f.close();
    config.remove(QStringLiteral("eos_token_id"));
    write(f.fileName(), QJsonDocument(config).toJson());
  }
  return dst.absolutePath();
}

}  // namespace coil::test
