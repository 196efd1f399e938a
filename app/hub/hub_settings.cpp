#include "hub_settings.hpp"

#include <QDir>
#include <QFile>
#include <QtGlobal>

namespace coil::hub {

namespace {

QString env(const char* name) {
  return qEnvironmentVariable(name).trimmed();
}

QString expandHome(const QString& path) {
  if (path == QLatin1String("~")) return QDir::homePath();
  if (path.startsWith(QLatin1String("~/"))) return QDir::homePath() + path.mid(1);
  return path;
}

}  // namespace

bool isTruthy(const QString& value) {
  const QString v = value.trimmed().toLower();
  return v == QLatin1String("1") || v == QLatin1String("true") || v == QLatin1String("yes") ||
         v == QLatin1String("on");
}

QString HubSettings::hfHome() {
  if (const QString h = env("HF_HOME"); !h.isEmpty()) return QDir::cleanPath(expandHome(h));
  if (const QString x = env("XDG_CACHE_HOME"); !x.isEmpty())
    return QDir::cleanPath(expandHome(x) + QStringLiteral("/huggingface"));
  return QDir::homePath() + QStringLiteral("/.cache/huggingface");
}

QString HubSettings::defaultCacheDir() {
  if (const QString c = env("HF_HUB_CACHE"); !c.isEmpty()) return QDir::cleanPath(expandHome(c));
  if (const QString c = env("HUGGINGFACE_HUB_CACHE"); !c.isEmpty())
    return QDir::cleanPath(expandHome(c));
  return hfHome() + QStringLiteral("/hub");
}

HubSettings HubSettings::fromEnvironment(const QString& savedToken) {
  HubSettings s;
  if (QString e = env("HF_ENDPOINT"); !e.isEmpty()) {
    while (e.endsWith(QLatin1Char('/'))) e.chop(1);
    s.endpoint = e;
  }
  s.token = savedToken.trimmed();
  if (s.token.isEmpty()) s.token = env("HF_TOKEN");
  if (s.token.isEmpty()) s.token = env("HUGGING_FACE_HUB_TOKEN");
  if (s.token.isEmpty()) {
    QString path = env("HF_TOKEN_PATH");
    if (path.isEmpty()) path = hfHome() + QStringLiteral("/token");
    QFile f(expandHome(path));
    if (f.open(QIODevice::ReadOnly)) s.token = QString::fromUtf8(f.readAll()).trimmed();
  }
  s.cacheDir = defaultCacheDir();
  s.offline = isTruthy(env("HF_HUB_OFFLINE"));
  return s;
}

}  // namespace coil::hub
