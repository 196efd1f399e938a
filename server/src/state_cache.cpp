#include "coil/state_cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "coil/error.hpp"
#include "coil/hash.hpp"
#include "token_file.hpp"

namespace coil {

namespace fs = std::filesystem;

uint64_t token_sequence_hash(std::span<const int32_t> tokens) {
  uint64_t h = kEmptyTokenHash;
  for (int32_t id : tokens) h = extend_token_hash(h, id);
  return h;
}

namespace {

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// "<16 hex digits><suffix>" -> the number; nullopt for any other name.
std::optional<uint64_t> parse_entry_name(const std::string& name, const std::string& suffix) {
  if (name.size() != 16 + suffix.size() || name.compare(16, suffix.size(), suffix) != 0)
    return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 0; i < 16; ++i) {
    const char c = name[i];
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else
      return std::nullopt;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

constexpr const char* kStateSuffix = ".coilstate";
constexpr const char* kTokensSuffix = ".tokens";

}  // namespace

struct StateCache::Impl {
  struct Entry {
    std::vector<int32_t> tokens;
    std::shared_ptr<const RecurrentState> ram;  // null when only on disk
    std::shared_ptr<const RecurrentState>
        pending;             // held for the writer until its file is complete
    size_t state_bytes = 0;  // the payload
    bool on_disk = false;    // its files are complete
    bool write_pending = false;
    uint64_t ram_used = 0, disk_used = 0;  // when last used (a tick), for the LRU order
  };
  struct Write {
    uint64_t hash;
    std::shared_ptr<const RecurrentState> state;
    std::vector<int32_t> tokens;
  };

  uint64_t fingerprint;
  StateCacheOptions opt;
  mutable std::mutex mu;
  std::unordered_map<uint64_t, Entry> entries;
  uint64_t tick = 0;
  size_t ram_total = 0, disk_total = 0;
  uint64_t write_failures = 0;
  int lock_fd = -1;
  // the writer thread
  std::deque<Write> writes;
  bool writing = false, quit = false;
  std::condition_variable cv, idle_cv;
  std::thread writer;

  Impl(uint64_t fp, StateCacheOptions o) : fingerprint(fp), opt(std::move(o)) {}

  void note(const std::string& s) const {
    if (opt.note) opt.note("state cache: " + s);
  }
  // What an entry's two files take (their headers aside).
  static size_t disk_size(const Entry& e) {
    return e.state_bytes + e.tokens.size() * sizeof(int32_t);
  }
  bool has_disk() const { return !opt.dir.empty(); }
  fs::path state_path(uint64_t h) const { return opt.dir / (hex16(h) + kStateSuffix); }
  fs::path tokens_path(uint64_t h) const { return opt.dir / (hex16(h) + kTokensSuffix); }

  void open_dir();
  void load_index();
  void writer_loop();
  void erase_files(uint64_t h) {
    std::error_code ec;
    fs::remove(state_path(h), ec);
    fs::remove(tokens_path(h), ec);
  }
  // Both under mu.
  void trim_ram();
  void trim_disk();
  void drop(uint64_t h, bool remove_files);
};

void StateCache::Impl::open_dir() {
  std::error_code ec;
  fs::create_directories(opt.dir, ec);
  if (ec)
    throw Error("cannot create the state cache folder " + opt.dir.string() + ": " + ec.message());
  const fs::path lock = opt.dir / "coil-serve.lock";
  lock_fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0)
    throw Error("cannot use the state cache folder " + opt.dir.string() + ": " +
                std::strerror(errno));
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    lock_fd = -1;
    throw Error("the state cache folder " + opt.dir.string() +
                " is in use by another coil serve (one server per folder)");
  }
}

// Indexes the folder: every <hash>.coilstate of this model with its <hash>.tokens beside it,
// both checked (checksum, the tokens' hash against the state's). Anything else of ours is
// ignored with a note; stale temporary files of an interrupted write are removed.
void StateCache::Impl::load_index() {
  struct Found {
    uint64_t hash;
    fs::file_time_type time;
  };
  std::vector<Found> found;
  size_t other_model = 0;
  std::error_code ec;
  for (fs::directory_iterator it(opt.dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 5 && name[0] == '.' && name.ends_with(".tmp")) {
      const std::string inner = name.substr(1, name.size() - 5);
      if (parse_entry_name(inner, kStateSuffix) || parse_entry_name(inner, kTokensSuffix)) {
        std::error_code rm;
        fs::remove(it->path(), rm);  // an interrupted write
      }
      continue;
    }
    const auto h = parse_entry_name(name, kStateSuffix);
    if (!h) continue;
    try {
      const MappedStateFile file(it->path(), 0);
      const RecurrentState& s = file.view().header;
      if (s.model_fingerprint != fingerprint) {
        ++other_model;
        continue;
      }
      if (s.token_hash != *h)
        throw Error(name + " is named after another token hash than the one it holds");
      std::vector<int32_t> tokens = read_token_file(tokens_path(*h));
      if (static_cast<int64_t>(tokens.size()) != s.n_tokens || token_sequence_hash(tokens) != *h)
        throw Error(tokens_path(*h).filename().string() + " does not hold the tokens of " + name);
      Entry e;
      e.tokens = std::move(tokens);
      e.state_bytes = file.view().floats() * sizeof(float);
      e.on_disk = true;
      disk_total += disk_size(e);
      entries.emplace(*h, std::move(e));
      found.push_back({*h, fs::last_write_time(it->path(), ec)});
    } catch (const Error& e) {
      note("ignoring " + it->path().string() + ": " + e.what());
    }
  }
  if (ec)
    throw Error("cannot read the state cache folder " + opt.dir.string() + ": " + ec.message());
  if (other_model > 0)
    note("ignoring " + std::to_string(other_model) + " state file(s) of another model in " +
         opt.dir.string());
  // older files count as less recently used
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.time < b.time; });
  for (const Found& f : found) entries[f.hash].disk_used = ++tick;
  trim_disk();
}

void StateCache::Impl::drop(uint64_t h, bool remove_files) {
  auto it = entries.find(h);
  if (it == entries.end()) return;
  Entry& e = it->second;
  if (e.ram) ram_total -= e.state_bytes;
  if (e.on_disk) disk_total -= disk_size(e);
  if (remove_files && e.on_disk) erase_files(h);
  entries.erase(it);
}

void StateCache::Impl::trim_ram() {
  while (ram_total > opt.ram_bytes) {
    uint64_t victim = 0, oldest = UINT64_MAX;
    for (const auto& [h, e] : entries)
      if (e.ram && e.ram_used < oldest) oldest = e.ram_used, victim = h;
    if (oldest == UINT64_MAX) break;
    Entry& e = entries[victim];
    if (e.on_disk || e.write_pending) {
      e.ram.reset();  // still on disk (or about to be)
      ram_total -= e.state_bytes;
    } else {
      drop(victim, false);
    }
  }
}

void StateCache::Impl::trim_disk() {
  while (disk_total > opt.disk_bytes) {
    uint64_t victim = 0, oldest = UINT64_MAX;
    for (const auto& [h, e] : entries)
      if (e.on_disk && e.disk_used < oldest) oldest = e.disk_used, victim = h;
    if (oldest == UINT64_MAX) break;
    Entry& e = entries[victim];
    erase_files(victim);
    e.on_disk = false;
    disk_total -= disk_size(e);
    if (!e.ram) entries.erase(victim);
  }
}

void StateCache::Impl::writer_loop() {
  std::unique_lock lock(mu);
  while (true) {
    cv.wait(lock, [&] { return quit || !writes.empty(); });
    if (writes.empty()) break;  // quit, and nothing left to write
    Write w = std::move(writes.front());
    writes.pop_front();
    writing = true;
    lock.unlock();
    std::string error;
    try {
      // the tokens first: a state file is indexed only with its tokens beside it
      write_token_file(tokens_path(w.hash), w.tokens, w.hash);
      write_state_file(state_path(w.hash), *w.state);
    } catch (const Error& e) {
      error = e.what();
    }
    lock.lock();
    writing = false;
    auto it = entries.find(w.hash);
    const bool current =
        it != entries.end() && it->second.write_pending && it->second.tokens == w.tokens;
    if (current) {
      it->second.write_pending = false;
      it->second.pending.reset();
    }
    if (!error.empty()) {
      ++write_failures;
      erase_files(w.hash);
      if (current && !it->second.ram) entries.erase(it);
      lock.unlock();
      note(error);
      lock.lock();
    } else if (!current) {
      erase_files(w.hash);  // dropped meanwhile
    } else {
      Entry& e = it->second;
      e.on_disk = true;
      e.disk_used = ++tick;
      disk_total += disk_size(e);
      trim_disk();
    }
    idle_cv.notify_all();
  }
}

StateCache::StateCache(uint64_t model_fingerprint, StateCacheOptions options)
    : impl_(std::make_unique<Impl>(model_fingerprint, std::move(options))) {
  if (impl_->has_disk()) {
    impl_->open_dir();
    impl_->load_index();
    impl_->writer = std::thread([this] { impl_->writer_loop(); });
  }
}

StateCache::~StateCache() {
  if (impl_->writer.joinable()) {
    {
      std::lock_guard lock(impl_->mu);
      impl_->quit = true;
    }
    impl_->cv.notify_all();
    impl_->writer.join();
  }
  if (impl_->lock_fd >= 0) ::close(impl_->lock_fd);
}

bool StateCache::enabled() const {
  return impl_->opt.ram_bytes > 0 || impl_->has_disk();
}

int64_t StateCache::restore_longest(Session& session, std::span<const int32_t> tokens,
                                    int64_t max_len) {
  Impl& d = *impl_;
  max_len = std::min<int64_t>(max_len, static_cast<int64_t>(tokens.size()));
  if (!enabled() || max_len <= 0) {
    session.reset();
    return 0;
  }
  // the hash of every prefix, longest first
  std::vector<uint64_t> prefix_hash(static_cast<size_t>(max_len) + 1);
  prefix_hash[0] = kEmptyTokenHash;
  for (int64_t i = 0; i < max_len; ++i)
    prefix_hash[i + 1] = extend_token_hash(prefix_hash[i], tokens[i]);
  for (int64_t len = max_len; len > 0; --len) {
    const uint64_t h = prefix_hash[static_cast<size_t>(len)];
    std::shared_ptr<const RecurrentState> ram;
    {
      std::lock_guard lock(d.mu);
      auto it = d.entries.find(h);
      if (it == d.entries.end()) continue;
      Impl::Entry& e = it->second;
      if (static_cast<int64_t>(e.tokens.size()) != len ||
          !std::equal(e.tokens.begin(), e.tokens.end(), tokens.begin()))
        continue;                       // another sequence with the same hash
      ram = e.ram ? e.ram : e.pending;  // out of RAM but not yet written: the writer's copy
      if (ram) e.ram_used = ++d.tick;
      if (e.on_disk) e.disk_used = ++d.tick;
    }
    try {
      if (ram) {
        session.restore_state(*ram);
      } else {
        // mapped, checked (checksum, model) and uploaded from the mapping; an unlinked file
        // stays readable while mapped
        const MappedStateFile file(d.state_path(h), d.fingerprint);
        if (file.view().header.token_hash != h || file.view().header.n_tokens != len)
          throw Error(d.state_path(h).string() + " no longer holds the state it was indexed with");
        session.restore_state(file.view());
      }
      return len;
    } catch (const Error& e) {
      d.note("dropping a cached state: " + std::string(e.what()));
      std::lock_guard lock(d.mu);
      d.drop(h, true);
    }
  }
  session.reset();
  return 0;
}

void StateCache::insert(std::shared_ptr<const RecurrentState> state, std::vector<int32_t> tokens) {
  Impl& d = *impl_;
  if (!enabled() || tokens.empty() || !state) return;
  const uint64_t h = token_sequence_hash(tokens);
  if (state->n_tokens != static_cast<int64_t>(tokens.size()) || state->token_hash != h) {
    d.note("internal: a state does not encode the tokens it was offered with; not kept");
    return;
  }
  const size_t bytes = state->data.size() * sizeof(float);
  std::lock_guard lock(d.mu);
  auto it = d.entries.find(h);
  if (it != d.entries.end() && it->second.tokens == tokens) {
    // already known: refresh it (it may have left RAM)
    Impl::Entry& e = it->second;
    if (!e.ram && bytes <= d.opt.ram_bytes) {
      e.ram = state;
      d.ram_total += e.state_bytes;
    }
    e.ram_used = ++d.tick;
    if (e.on_disk) e.disk_used = ++d.tick;
    d.trim_ram();
    return;
  }
  if (it != d.entries.end()) d.drop(h, false);  // a hash collision: the newest wins
  Impl::Entry e;
  e.state_bytes = bytes;
  e.ram_used = ++d.tick;
  if (bytes <= d.opt.ram_bytes) {
    e.ram = state;
    d.ram_total += bytes;
  }
  if (d.has_disk() && bytes <= d.opt.disk_bytes) {
    e.write_pending = true;
    e.pending = state;
    d.writes.push_back({h, state, tokens});
  }
  if (!e.ram && !e.write_pending) return;  // fits nowhere
  e.tokens = std::move(tokens);
  d.entries.emplace(h, std::move(e));
  d.trim_ram();
  d.cv.notify_all();
}

void StateCache::flush() {
  Impl& d = *impl_;
  std::unique_lock lock(d.mu);
  d.idle_cv.wait(lock, [&] { return d.writes.empty() && !d.writing; });
}

StateCacheStats StateCache::stats() const {
  const Impl& d = *impl_;
  std::lock_guard lock(d.mu);
  StateCacheStats s;
  for (const auto& [h, e] : d.entries) {
    if (e.ram) ++s.ram_entries;
    if (e.on_disk) ++s.disk_entries;
  }
  s.ram_bytes = d.ram_total;
  s.disk_bytes = d.disk_total;
  s.disk_write_failures = d.write_failures;
  return s;
}

}  // namespace coil
