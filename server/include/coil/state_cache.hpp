// Recurrent states kept by the token prefix they encode, so that a request resumes from the
// longest prefix already computed and prefills only the rest: a RAM tier (least recently used
// first out, within a byte budget) and, optionally, a folder of .coilstate files (written
// behind the requests by a thread of its own, crash-safe, reloaded at start, within a byte
// budget too). A state is found by the hash of its tokens (the state file's own token hash)
// and used only when its tokens, kept beside it, are really a prefix of the request's.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "coil/session.hpp"
#include "coil/state.hpp"

namespace coil {

struct StateCacheOptions {
  size_t ram_bytes = size_t(1) << 30;   // 0: no RAM tier
  std::filesystem::path dir;            // empty: no disk tier
  size_t disk_bytes = size_t(4) << 30;  // budget of the folder's files
  // Told what a person should know: files ignored at start (corrupt, another model), write
  // failures. Called from the cache's threads; must be thread-safe. nullptr: silent.
  std::function<void(const std::string&)> note;
};

struct StateCacheStats {
  size_t ram_entries = 0, ram_bytes = 0;    // states held in memory
  size_t disk_entries = 0, disk_bytes = 0;  // states written to the folder
  uint64_t disk_write_failures = 0;
};

class StateCache {
 public:
  // With a folder: creates it if needed, locks it (one server per folder), drops stale
  // temporary files and indexes the states of this model found there. Throws coil::Error when
  // the folder cannot be used.
  StateCache(uint64_t model_fingerprint, StateCacheOptions options);
  ~StateCache();  // finishes the pending writes
  StateCache(const StateCache&) = delete;
  StateCache& operator=(const StateCache&) = delete;

  bool enabled() const;

  // Restores into `session` the longest cached state whose tokens are a prefix of `tokens` no
  // longer than `max_len`, and returns that length. Returns 0 (the session reset) when there is
  // none. A file that fails its checks now is dropped with a note and the next best is tried.
  int64_t restore_longest(Session& session, std::span<const int32_t> tokens, int64_t max_len);

  // Keeps `state`, which encodes exactly `tokens` (checked against its token count and hash;
  // a mismatch is refused with a note). An empty token list is not kept.
  void insert(std::shared_ptr<const RecurrentState> state, std::vector<int32_t> tokens);

  void flush();  // waits until every pending file is written
  StateCacheStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The hash the state file records for a token sequence (Session::token_hash of a session that
// ran exactly these tokens from a reset).
uint64_t token_sequence_hash(std::span<const int32_t> tokens);

}  // namespace coil
