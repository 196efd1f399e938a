// Parsing of repo details (/api/models/{id}) and file trees (/api/models/{id}/tree/{rev}).
#pragma once
#include <QJsonArray>
#include <QJsonObject>

#include "hub_types.hpp"

namespace coil::hub {

RepoInfo parseRepoInfo(const QJsonObject& json);

// Files of one tree page; directories are skipped. Returns false (with *error) when an
// entry is malformed (no path, negative size, an lfs object without a sha256 oid).
bool parseTree(const QJsonArray& json, QList<RepoFile>& files, QString* error);

}  // namespace coil::hub
