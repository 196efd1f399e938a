// Plain values the Hub API returns, as Coil uses them.
#pragma once
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace coil::hub {

enum class SearchSort { Downloads, Likes, LastModified };

struct SearchQuery {
  QString text;                             // `search`: substring of the repo id
  SearchSort sort = SearchSort::Downloads;  // always descending
  QString author;                           // `author`: an org or user, optional
  QStringList filters;  // `filter` (repeated): tags, e.g. "falcon_mamba", "safetensors"
  int limit = 20;       // page size
};

// One repository as search and repo details describe it.
struct ModelSummary {
  QString id;  // "org/name"
  qint64 downloads = 0;
  qint64 likes = 0;
  QDateTime lastModified;
  QString modelType;          // config.model_type, empty when unknown
  QStringList architectures;  // config.architectures
  QStringList tags;
  QString pipelineTag;
  QString libraryName;
  QString gated;  // "" (not gated), "auto" or "manual"
  bool isPrivate = false;
  QStringList files;  // sibling file names (with full=true)
  bool hasSafetensors = false;
  bool ggufOnly = false;       // .gguf weights and no safetensors: a GGUF repo
  QString ggufArchitecture;    // its general.architecture (the Hub's `gguf` field, or the
                               // header of one of its files read with a Range request)
  QString ggufError;           // why the header could not be read, "" if it was (or not yet)
  bool compatible = false;     // Coil can run it
  bool ggufPending = false;    // a GGUF repo whose architecture is not known yet
  QString incompatibleReason;  // why not, for a greyed-out entry

  bool isGated() const { return !gated.isEmpty(); }
};

struct SearchPage {
  QList<ModelSummary> models;
  QUrl next;  // from the Link header; empty on the last page
  bool hasNext() const { return next.isValid() && !next.isEmpty(); }
};

// Repo details: GET /api/models/{id}[/revision/{rev}].
struct RepoInfo {
  ModelSummary summary;
  QString sha;                              // the commit the revision points to
  qint64 parameterCount = 0;                // safetensors.total, 0 when unknown
  QMap<QString, qint64> parametersByDtype;  // safetensors.parameters, e.g. {"BF16": 7.27e9}
};

// A file of the tree: GET /api/models/{id}/tree/{rev}?recursive=true.
struct RepoFile {
  QString path;       // relative, '/'-separated
  qint64 size = 0;    // the real size (the LFS object's for LFS files)
  QString blobId;     // git oid
  QString lfsSha256;  // lfs.oid, empty for a regular git file
  bool isLfs() const { return !lfsSha256.isEmpty(); }
};

}  // namespace coil::hub
