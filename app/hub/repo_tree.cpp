#include "repo_tree.hpp"

#include <QRegularExpression>

#include "search_results.hpp"

namespace coil::hub {

RepoInfo parseRepoInfo(const QJsonObject& j) {
  RepoInfo info;
  info.summary = parseModelSummary(j);
  info.sha = j.value(QLatin1String("sha")).toString();
  const QJsonObject st = j.value(QLatin1String("safetensors")).toObject();
  info.parameterCount = st.value(QLatin1String("total")).toInteger();
  const QJsonObject params = st.value(QLatin1String("parameters")).toObject();
  for (auto it = params.begin(); it != params.end(); ++it)
    info.parametersByDtype.insert(it.key(), it.value().toInteger());
  return info;
}

bool parseTree(const QJsonArray& json, QList<RepoFile>& files, QString* error) {
  static const QRegularExpression sha256(QStringLiteral("^[0-9a-f]{64}$"));
  for (const QJsonValue& v : json) {
    const QJsonObject e = v.toObject();
    if (e.value(QLatin1String("type")).toString() != QLatin1String("file")) continue;
    RepoFile f;
    f.path = e.value(QLatin1String("path")).toString();
    f.size = e.value(QLatin1String("size")).toInteger(-1);
    f.blobId = e.value(QLatin1String("oid")).toString();
    const QJsonObject lfs = e.value(QLatin1String("lfs")).toObject();
    if (!lfs.isEmpty()) {
      f.lfsSha256 = lfs.value(QLatin1String("oid")).toString().toLower();
      if (lfs.contains(QLatin1String("size")))
        f.size = lfs.value(QLatin1String("size")).toInteger(-1);
      if (!sha256.match(f.lfsSha256).hasMatch()) {
        if (error)
          *error =
              QStringLiteral("tree entry '%1' has an LFS oid that is not a sha256").arg(f.path);
        return false;
      }
    }
    if (f.path.isEmpty() || f.size < 0 || f.path.startsWith(QLatin1Char('/')) ||
        f.path.split(QLatin1Char('/')).contains(QLatin1String(".."))) {
      if (error) *error = QStringLiteral("malformed tree entry '%1'").arg(f.path);
      return false;
    }
    files << f;
  }
  return true;
}

}  // namespace coil::hub
