// The state cache of `coil serve`: longest token prefix, RAM bound, the folder (written,
// reloaded, bounded, one server per folder) and hostile or damaged files in it.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>

#include "coil/error.hpp"
#include "coil/model.hpp"
#include "coil/session.hpp"
#include "coil/state_cache.hpp"
#include "golden.hpp"
#include "options.hpp"
#include "paths.hpp"

namespace coil {
namespace {

namespace fs = std::filesystem;

const Model& demo() {
  static std::unique_ptr<Model> m = [] {
    ModelOptions o = test::options();
    o.backend = "cpu";
    o.backend_options.threads = 1;
    return Model::open(fs::path(COIL_SOURCE_DIR) / "resources/models/coil-demo", o);
  }();
  return *m;
}

// `n` token ids of the demo's 512, varied by `salt`.
std::vector<int32_t> tokens(int n, int salt = 0) {
  std::vector<int32_t> t;
  for (int i = 0; i < n; ++i) t.push_back(3 + (i * 37 + salt * 101) % 500);
  return t;
}
std::vector<int32_t> prefix(const std::vector<int32_t>& t, size_t n) {
  return {t.begin(), t.begin() + n};
}

std::shared_ptr<const RecurrentState> state_of(const std::vector<int32_t>& t) {
  Session s(demo());
  s.eval(t, nullptr);
  return std::make_shared<const RecurrentState>(s.save_state());
}

std::vector<float> last_logits(Session& s, const std::vector<int32_t>& ids) {
  std::vector<float> l(demo().config().vocab_size);
  s.eval(ids, l.data());
  return l;
}

// Collects the notes a cache gives.
struct Notes {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> fn() {
    return [this](const std::string& s) {
      std::lock_guard lock(mu);
      lines.push_back(s);
    };
  }
  std::string all() {
    std::lock_guard lock(mu);
    std::string s;
    for (auto& l : lines) s += l + "\n";
    return s;
  }
};

StateCacheOptions ram_only(size_t bytes = size_t(64) << 20) {
  StateCacheOptions o;
  o.ram_bytes = bytes;
  return o;
}

size_t state_bytes() {
  return Session(demo()).state_bytes();
}

std::vector<fs::path> files(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ext) out.push_back(e.path());
  return out;
}

TEST(StateCache, RestoresTheLongestTokenPrefixAndContinuesExactly) {
  StateCache cache(demo().fingerprint(), ram_only());
  const auto a = tokens(40);
  auto b = a;
  b[20] = 7;  // shares a's first 20 tokens only
  cache.insert(state_of(prefix(a, 10)), prefix(a, 10));
  cache.insert(state_of(prefix(a, 25)), prefix(a, 25));
  cache.insert(state_of(prefix(b, 30)), prefix(b, 30));

  Session s(demo());
  ASSERT_EQ(cache.restore_longest(s, a, 39), 25);
  EXPECT_EQ(s.n_tokens(), 25);
  EXPECT_EQ(s.token_hash(), token_sequence_hash(prefix(a, 25)));
  // the rest from the restored state gives a full run's logits
  const auto resumed = last_logits(s, std::vector<int32_t>(a.begin() + 25, a.end()));
  Session fresh(demo());
  const auto full = last_logits(fresh, a);
  EXPECT_LT(test::rel_diff(resumed.data(), full.data(), full.size()), 1e-5);

  EXPECT_EQ(cache.restore_longest(s, a, 24), 10);  // never longer than asked
  EXPECT_EQ(cache.restore_longest(s, a, 9), 0);
  EXPECT_EQ(s.n_tokens(), 0);  // reset
  EXPECT_EQ(cache.restore_longest(s, b, 40), 30);
  auto c = a;
  c[5] = 9;  // diverges before every cached state
  EXPECT_EQ(cache.restore_longest(s, c, 40), 0);
}

TEST(StateCache, RefusesAStateThatDoesNotEncodeItsTokens) {
  Notes notes;
  auto o = ram_only();
  o.note = notes.fn();
  StateCache cache(demo().fingerprint(), o);
  const auto a = tokens(12);
  cache.insert(state_of(prefix(a, 10)), prefix(a, 11));
  EXPECT_EQ(cache.stats().ram_entries, 0u);
  EXPECT_NE(notes.all().find("does not encode"), std::string::npos) << notes.all();
  Session s(demo());
  EXPECT_EQ(cache.restore_longest(s, a, 12), 0);
}

TEST(StateCache, RamHoldsItsBudgetLeastRecentlyUsedFirst) {
  StateCache cache(demo().fingerprint(), ram_only(2 * state_bytes()));
  const auto a = tokens(8, 1), b = tokens(8, 2), c = tokens(8, 3);
  cache.insert(state_of(a), a);
  cache.insert(state_of(b), b);
  Session s(demo());
  ASSERT_EQ(cache.restore_longest(s, a, 8), 8);  // a is now the most recently used
  cache.insert(state_of(c), c);                  // b goes
  EXPECT_EQ(cache.stats().ram_entries, 2u);
  EXPECT_LE(cache.stats().ram_bytes, 2 * state_bytes());
  EXPECT_EQ(cache.restore_longest(s, a, 8), 8);
  EXPECT_EQ(cache.restore_longest(s, b, 8), 0);
  EXPECT_EQ(cache.restore_longest(s, c, 8), 8);
  StateCache off(demo().fingerprint(), ram_only(0));
  EXPECT_FALSE(off.enabled());
  off.insert(state_of(a), a);
  EXPECT_EQ(off.restore_longest(s, a, 8), 0);
}

TEST(StateCache, SpillsToItsFolderAndReloadsIt) {
  const auto dir = test::temp_dir() / "cache";
  const auto a = tokens(30, 4);
  {
    StateCacheOptions o = ram_only(0);  // the folder alone
    o.dir = dir;
    StateCache cache(demo().fingerprint(), o);
    cache.insert(state_of(prefix(a, 12)), prefix(a, 12));
    cache.insert(state_of(prefix(a, 20)), prefix(a, 20));
    Session s(demo());
    EXPECT_EQ(cache.restore_longest(s, a, 30), 20);  // written or not yet, it is found
    cache.flush();
    EXPECT_EQ(cache.stats().disk_entries, 2u);
  }
  EXPECT_EQ(files(dir, ".coilstate").size(), 2u);
  EXPECT_EQ(files(dir, ".tokens").size(), 2u);
  StateCacheOptions o = ram_only(0);
  o.dir = dir;
  StateCache cache(demo().fingerprint(), o);
  EXPECT_EQ(cache.stats().disk_entries, 2u);
  Session s(demo());
  ASSERT_EQ(cache.restore_longest(s, a, 30), 20);
  const auto resumed = last_logits(s, std::vector<int32_t>(a.begin() + 20, a.end()));
  Session fresh(demo());
  const auto full = last_logits(fresh, a);
  EXPECT_LT(test::rel_diff(resumed.data(), full.data(), full.size()), 1e-5);
}

TEST(StateCache, IgnoresDamagedAndForeignFilesWithANote) {
  const auto dir = test::temp_dir() / "cache";
  const auto a = tokens(30, 5), b = tokens(30, 6), c = tokens(30, 7), d = tokens(30, 8);
  {
    StateCacheOptions o = ram_only(0);
    o.dir = dir;
    StateCache cache(demo().fingerprint(), o);
    for (const auto* t : {&a, &b, &c, &d}) cache.insert(state_of(*t), *t);
  }
  auto name = [&](const std::vector<int32_t>& t, const char* ext) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx",
                  static_cast<unsigned long long>(token_sequence_hash(t)));
    return dir / (std::string(hex) + ext);
  };
  {  // a: one payload byte flipped
    std::fstream f(name(a, ".coilstate"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(200);
    char x;
    f.get(x);
    f.seekp(200);
    f.put(static_cast<char>(x ^ 0x40));
  }
  fs::resize_file(name(b, ".tokens"),
                  fs::file_size(name(b, ".tokens")) - 4);  // b: tokens truncated
  fs::remove(name(c, ".tokens"));                          // c: tokens gone
  {  // d: a state of another model under d's name
    RecurrentState other = *state_of(d);
    other.model_fingerprint ^= 1;
    write_state_file(name(d, ".coilstate"), other);
  }
  std::ofstream(dir / ".00000000000000aa.coilstate.tmp") << "half a write";
  std::ofstream(dir / "notes.txt") << "not ours";

  Notes notes;
  StateCacheOptions o = ram_only(0);
  o.dir = dir;
  o.note = notes.fn();
  Session s(demo());
  {
    StateCache cache(demo().fingerprint(), o);
    const std::string said = notes.all();
    EXPECT_NE(said.find("ignoring " + name(a, ".coilstate").string()), std::string::npos) << said;
    EXPECT_NE(said.find("checksum"), std::string::npos) << said;
    EXPECT_NE(said.find("ignoring " + name(b, ".coilstate").string()), std::string::npos) << said;
    EXPECT_NE(said.find("ignoring " + name(c, ".coilstate").string()), std::string::npos) << said;
    EXPECT_NE(said.find("1 state file(s) of another model"), std::string::npos) << said;
    EXPECT_EQ(cache.stats().disk_entries, 0u);
    EXPECT_FALSE(fs::exists(dir / ".00000000000000aa.coilstate.tmp"));
    EXPECT_TRUE(fs::exists(dir / "notes.txt"));
    for (const auto* t : {&a, &b, &c, &d}) EXPECT_EQ(cache.restore_longest(s, *t, 30), 0);
    // a new state under a damaged one's name replaces it
    cache.insert(state_of(a), a);
  }
  o.note = nullptr;
  StateCache again(demo().fingerprint(), o);
  EXPECT_EQ(again.restore_longest(s, a, 30), 30);
}

TEST(StateCache, AFileDamagedAfterStartIsDroppedAndTheNextBestUsed) {
  const auto dir = test::temp_dir() / "cache";
  const auto a = tokens(30, 9);
  Notes notes;
  StateCacheOptions o = ram_only(0);
  o.dir = dir;
  o.note = notes.fn();
  StateCache cache(demo().fingerprint(), o);
  cache.insert(state_of(prefix(a, 10)), prefix(a, 10));
  cache.insert(state_of(prefix(a, 20)), prefix(a, 20));
  cache.flush();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(token_sequence_hash(prefix(a, 20))));
  fs::resize_file(dir / (std::string(hex) + ".coilstate"), 100);
  Session s(demo());
  EXPECT_EQ(cache.restore_longest(s, a, 30), 10);
  EXPECT_NE(notes.all().find("dropping a cached state"), std::string::npos) << notes.all();
  EXPECT_EQ(cache.stats().disk_entries, 1u);
}

TEST(StateCache, TheFolderKeepsItsBudgetAndOneServer) {
  const auto dir = test::temp_dir() / "cache";
  StateCacheOptions o = ram_only(0);
  o.dir = dir;
  o.disk_bytes = 2 * (state_bytes() + 8 * sizeof(int32_t));
  StateCache cache(demo().fingerprint(), o);
  EXPECT_THROW(StateCache(demo().fingerprint(), o), Error);  // the folder is locked
  for (int salt = 10; salt < 14; ++salt) {
    cache.insert(state_of(tokens(8, salt)), tokens(8, salt));
    cache.flush();
  }
  EXPECT_EQ(files(dir, ".coilstate").size(), 2u);
  EXPECT_EQ(files(dir, ".tokens").size(), 2u);
  Session s(demo());
  EXPECT_EQ(cache.restore_longest(s, tokens(8, 10), 8), 0);  // the oldest went
  EXPECT_EQ(cache.restore_longest(s, tokens(8, 13), 8), 8);
}

}  // namespace
}  // namespace coil
