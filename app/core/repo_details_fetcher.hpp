// What the Models page shows about one repo beyond a search answer: its files and sizes (the
// tree API) and its config.json (read from the cache when the repo is there, else fetched
// from /resolve), from which the memory estimate is made. For a GGUF repo (.gguf files, no
// safetensors) the header of one of its files is read with a Range request (its first
// 256 KiB): its general.architecture says whether Coil runs it. Fetched once per repo and kept for
// the session; every answer, good or not, arrives as `fetched`.
#pragma once
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>

#include "hub_types.hpp"
#include "resource_estimate.hpp"

namespace coil::hub {
class HubClient;
}

namespace coil::app {

struct RepoDetails {
  QString repoId;
  QList<hub::RepoFile> files;
  qint64 totalBytes = 0;
  qint64 weightBytes = 0;  // the *.safetensors files
  QJsonObject config;      // empty when it could not be read (a gated repo without a token)
  hub::MemoryEstimate estimate;
  QString error;             // why the files could not be listed ("" when they were)
  bool missing = false;      // the Hub has no such repo (RepoNotFound): error says so
  bool gguf = false;         // a GGUF repo
  QString ggufArchitecture;  // from the header of ggufProbed
  QString ggufProbed;        // the file whose header was read
  QString ggufError;         // why that header could not be read
};

class RepoDetailsFetcher : public QObject {
  Q_OBJECT
 public:
  explicit RepoDetailsFetcher(hub::HubClient* client, QObject* parent = nullptr);

  // Starts fetching unless the repo's details are here or on the way; one that failed is
  // fetched again.
  void fetch(const QString& repoId);
  // nullptr until fetched.
  const RepoDetails* details(const QString& repoId) const;
  bool isPending(const QString& repoId) const { return pending_.contains(repoId); }
  // Drops what is known (after a download or a token change).
  void forget(const QString& repoId);
  void clear();

 signals:
  void fetched(const QString& repoId);

 private:
  void onTree(const QString& repoId, const QList<hub::RepoFile>& files, const QString& error,
              bool missing);
  bool readCachedConfig(RepoDetails& details) const;
  void fetchConfig(RepoDetails details);
  void probeGguf(RepoDetails details);
  void finish(RepoDetails details);

  hub::HubClient* client_;
  QHash<QString, RepoDetails> done_;
  QSet<QString> pending_;
};

}  // namespace coil::app
