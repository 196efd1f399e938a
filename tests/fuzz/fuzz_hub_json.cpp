// An answer of the Hugging Face API (search results, repo details, a file tree) or a
// config.json read for a memory estimate, through the app's JSON helper and the Hub client's
// parsing functions (coil_hub; the network code around them only hands them the bytes).
#include <QJsonArray>
#include <QJsonObject>
#include <cstdint>

#include "json_document.hpp"
#include "repo_tree.hpp"
#include "resource_estimate.hpp"
#include "search_results.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coil;
  const QByteArray bytes(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
  QString error;
  const auto doc = parseJsonDocument(bytes, QStringLiteral("the Hub's answer"), &error);
  if (!doc) {
    if (error.isEmpty()) __builtin_trap();
    return 0;
  }
  if (doc->isArray()) {
    hub::parseSearchResults(doc->array());
    QList<hub::RepoFile> files;
    QString treeError;
    if (!hub::parseTree(doc->array(), files, &treeError) && treeError.isEmpty()) __builtin_trap();
    for (const auto& f : files)
      if (f.size < 0 || f.path.isEmpty()) __builtin_trap();
  } else if (doc->isObject()) {
    hub::parseRepoInfo(doc->object());
    const hub::MemoryEstimate e = hub::estimateMemory(doc->object(), qint64(size), 0, 1 << 30);
    if (e.valid && (e.weightBytes < 0 || e.stateBytes < 0 || e.totalBytes < 0)) __builtin_trap();
  }
  return 0;
}
