// The models on this computer, for the Models page's installed list: the repos in the
// Hugging Face cache (models--org--name, the snapshot refs/main points to, else the newest
// one; in a GGUF repo each downloaded .gguf file is a model of its own), the bundled demo
// model and folders loaded by hand. Plus the two file operations the
// page does on the cache: removing a repo, and discarding what a cancelled download left.
#pragma once
#include <QJsonObject>
#include <QList>
#include <QString>

#include "resource_estimate.hpp"

namespace coil::app {

struct InstalledModel {
  QString name;          // the repo id ("org/name · Q4_K_M" for a GGUF file), or the folder's name
  QString quant;         // a GGUF file's quant type (from its name), "" otherwise
  QString repoId;        // "" outside the cache
  QString path;          // what the engine loads: a snapshot folder, or a .gguf file in one
  QString repoDir;       // the cache folder deleting removes; "" outside the cache
  QString file;          // a GGUF file's path in its repo (deleting removes only it), else ""
  QString kind;          // "hub", "demo" or "folder"
  qint64 sizeBytes = 0;  // on disk (a cached repo: its blobs)
  bool complete = false;         // config.json and every safetensors weight file are there
  bool compatible = false;       // complete and a falcon_mamba / mamba model
  QString reason;                // why it cannot be used, when it cannot
  hub::MemoryEstimate estimate;  // as stored
  // A safetensors folder's config.json and weight bytes: its estimate under Settings >
  // Weights (quantized at load) is made from them (estimateAs).
  QJsonObject config;
  qint64 weightBytes = 0;
};

// The memory `m` needs when it is run with Settings > Weights `weights`: a safetensors
// folder quantized at load holds its copy's weights; a GGUF file its own.
hub::MemoryEstimate estimateAs(const InstalledModel& m, const QString& weights);

// Every models--* folder of the cache that has a snapshot, sorted by repo id.
QList<InstalledModel> scanHubCache(const QString& cacheDir);
// A model folder outside the cache (the demo model, a folder chosen by hand).
InstalledModel describeFolder(const QString& path, const QString& kind);

// Whether a snapshot of the repo in the cache has config.json and all its weights.
bool hasCompleteSnapshot(const QString& cacheDir, const QString& repoId);
// Deletes the repo's partial files (blobs/*.incomplete); then, unless a complete snapshot of
// it is there, the whole repo folder. Returns at once: the deleting is done on a worker
// (hub::removeInBackground).
void discardIncompleteDownload(const QString& cacheDir, const QString& repoId);
// Deletes <cache>/models--org--name. False (with *error) when it could not.
bool removeRepoFromCache(const QString& cacheDir, const QString& repoId, QString* error);
// Deletes one file of a cached repo (one quant of a GGUF repo): its links in every snapshot
// and the blobs no other link uses; the other files stay. When no .gguf file is left in the
// repo, the whole repo folder goes. False (with *error) when it could not.
bool removeFileFromCache(const QString& cacheDir, const QString& repoId, const QString& file,
                         QString* error);

}  // namespace coil::app
