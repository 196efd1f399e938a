// A snapshot download run to its end in a nested event loop, for the CLI and tests.
#pragma once
#include <functional>
#include <optional>

#include "hub_error.hpp"
#include "resource_estimate.hpp"
#include "snapshot_downloader.hpp"

namespace coil::hub {

class HubClient;

struct SyncDownloadResult {
  QString snapshotDir;  // empty on failure
  HubError error;
  std::optional<MemoryEstimate> memory;
  bool fromCache = false;
};

// `observe` may connect to the downloader's signals before it starts.
SyncDownloadResult downloadSnapshotSync(
    HubClient* client, const DownloadRequest& request,
    const std::function<void(SnapshotDownloader*)>& observe = {});

}  // namespace coil::hub
