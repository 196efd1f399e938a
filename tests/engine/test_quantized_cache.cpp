// coil::quantized_copy: a safetensors model quantized once into the cache folder, found
// again while its files are unchanged, quantized anew (the stale copy removed) when they
// change, the folder kept within its budget (least recently used first, never the copy
// asked for), a cancel leaving no file, and clear_quantized_cache emptying it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "coil/config.hpp"
#include "coil/error.hpp"
#include "coil/gguf.hpp"
#include "coil/model.hpp"
#include "coil/quantize.hpp"
#include "coil/quantized_cache.hpp"
#include "options.hpp"
#include "paths.hpp"

namespace coil {
namespace {
namespace fs = std::filesystem;

const fs::path kDemo = fs::path(COIL_SOURCE_DIR) / "resources" / "models" / "coil-demo";

struct Dirs {
  fs::path model, cache;
};

Dirs setup() {
  const fs::path root = test::temp_dir();
  Dirs d{root / "model", root / "cache"};
  fs::create_directories(d.model);
  for (const char* f : {"config.json", "model.safetensors"}) fs::copy_file(kDemo / f, d.model / f);
  return d;
}

QuantizedCacheOptions options(const fs::path& cache) {
  QuantizedCacheOptions o;
  o.dir = cache;
  o.threads = 2;
  return o;
}

TEST(QuantizedCache, QuantizesOnceThenFindsTheCopy) {
  const Dirs d = setup();
  QuantizedCacheOptions o = options(d.cache);
  double last = -1;
  o.progress = [&](double f, const std::string&) { last = f; };
  const QuantizedCopy first = quantized_copy(d.model, DType::Q8_0, o);
  EXPECT_TRUE(first.made);
  EXPECT_EQ(last, 1.0);
  ASSERT_TRUE(fs::is_regular_file(first.path));
  EXPECT_EQ(first.path.parent_path(), d.cache);

  ModelOptions mo = test::options();
  mo.backend = "cpu";
  const auto m = Model::open(first.path, mo);
  EXPECT_EQ(dtype_name(m->weight_dtype()), std::string("Q8_0"));

  last = -1;
  const QuantizedCopy again = quantized_copy(d.model, DType::Q8_0, o);
  EXPECT_FALSE(again.made);
  EXPECT_EQ(again.path, first.path);
  EXPECT_EQ(last, -1) << "a cached copy was quantized again";
  EXPECT_EQ(quantized_copies(d.cache).size(), 1u);
  EXPECT_EQ(quantized_cache_bytes(d.cache), fs::file_size(first.path));
}

TEST(QuantizedCache, AChangedSourceIsQuantizedAgainAndItsOldCopyRemoved) {
  const Dirs d = setup();
  const QuantizedCacheOptions o = options(d.cache);
  const QuantizedCopy before = quantized_copy(d.model, DType::Q8_0, o);
  fs::last_write_time(d.model / "model.safetensors",
                      fs::last_write_time(d.model / "model.safetensors") + std::chrono::hours(1));
  const QuantizedCopy after = quantized_copy(d.model, DType::Q8_0, o);
  EXPECT_TRUE(after.made);
  EXPECT_NE(after.path, before.path);
  EXPECT_FALSE(fs::exists(before.path)) << "the copy of the old contents stayed";
  EXPECT_EQ(quantized_copies(d.cache).size(), 1u);
}

TEST(QuantizedCache, StaysWithinItsBudgetLeastRecentlyUsedFirst) {
  const Dirs d = setup();
  QuantizedCacheOptions o = options(d.cache);
  const QuantizedCopy q8 = quantized_copy(d.model, DType::Q8_0, o);
  const QuantizedCopy q4 = quantized_copy(d.model, DType::Q4_0, o);
  EXPECT_EQ(quantized_copies(d.cache).size(), 2u) << "two types of one model are two copies";
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  (void)quantized_copy(d.model, DType::Q8_0, o);  // used: now the most recent
  o.budget_bytes = fs::file_size(q8.path) + fs::file_size(q4.path) - 1;
  const QuantizedCopy q5 = quantized_copy(d.model, DType::Q5_0, o);
  EXPECT_TRUE(fs::exists(q5.path)) << "the copy asked for is never evicted";
  EXPECT_FALSE(fs::exists(q4.path)) << "the least recently used copy stayed";
  EXPECT_LE(quantized_cache_bytes(d.cache), o.budget_bytes);
  o.budget_bytes = 1;  // over budget with the copy asked for alone: it stays, the rest go
  const QuantizedCopy only = quantized_copy(d.model, DType::Q5_0, o);
  EXPECT_TRUE(fs::exists(only.path));
  EXPECT_EQ(quantized_copies(d.cache).size(), 1u);
}

TEST(QuantizedCache, ACancelLeavesNoFile) {
  const Dirs d = setup();
  QuantizedCacheOptions o = options(d.cache);
  std::atomic<bool> cancel{true};
  o.cancel = &cancel;
  EXPECT_THROW(quantized_copy(d.model, DType::Q4_K, o), LoadCancelled);
  EXPECT_TRUE(fs::is_empty(d.cache));
}

TEST(QuantizedCache, ClearRemovesEveryCopyAndNothingElse) {
  const Dirs d = setup();
  const QuantizedCacheOptions o = options(d.cache);
  (void)quantized_copy(d.model, DType::Q8_0, o);
  (void)quantized_copy(d.model, DType::Q4_0, o);
  { std::ofstream(d.cache / "notes.txt") << "mine"; }
  clear_quantized_cache(d.cache);
  EXPECT_TRUE(quantized_copies(d.cache).empty());
  EXPECT_EQ(quantized_cache_bytes(d.cache), 0u);
  EXPECT_TRUE(fs::exists(d.cache / "notes.txt"));
  clear_quantized_cache(d.cache / "missing");  // nothing to do
}

// A copy found in the cache is checked against its record before use: cut short, bytes
// changed in place (same size), replaced by garbage, or without a record (its writer died
// between the copy and the record), it is removed and made anew, and the reason is given.
TEST(QuantizedCache, ADamagedCopyIsMadeAgain) {
  const Dirs d = setup();
  const QuantizedCacheOptions o = options(d.cache);
  const QuantizedCopy first = quantized_copy(d.model, DType::Q8_0, o);
  ASSERT_TRUE(first.remade_because.empty());
  EXPECT_EQ(quantized_copy_damage(first.path), "");
  const uintmax_t size = fs::file_size(first.path);
  const std::string check = first.path.string() + ".check";
  ASSERT_TRUE(fs::is_regular_file(check));
  const struct {
    const char* name;
    std::function<void()> damage;
    const char* reason;
  } cases[] = {
      {"truncated", [&] { fs::resize_file(first.path, size / 2); }, "bytes, not the"},
      {"one byte changed",
       [&] {
         std::fstream f(first.path, std::ios::in | std::ios::out | std::ios::binary);
         f.seekg(std::streamoff(size - 100));
         const char c = char(f.get() ^ 0x40);
         f.seekp(std::streamoff(size - 100));
         f.put(c);
       },
       "contents changed"},
      {"garbage", [&] { std::ofstream(first.path, std::ios::binary) << std::string(size, 'x'); },
       "contents changed"},
      {"no record", [&] { fs::remove(check); }, "no record"},
      {"a record of something else",
       [&] { std::ofstream(check, std::ios::binary) << "bytes 12\n"; }, "not one Coil wrote"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    c.damage();
    EXPECT_NE(quantized_copy_damage(first.path), "");
    const QuantizedCopy again = quantized_copy(d.model, DType::Q8_0, o);
    EXPECT_TRUE(again.made) << "the damaged copy was used";
    EXPECT_NE(again.remade_because.find(c.reason), std::string::npos) << again.remade_because;
    EXPECT_EQ(again.path, first.path);
    EXPECT_EQ(fs::file_size(again.path), size);
    EXPECT_EQ(quantized_copy_damage(again.path), "");
    ModelOptions mo = test::options();
    mo.backend = "cpu";
    EXPECT_EQ(dtype_name(Model::open(again.path, mo)->weight_dtype()), std::string("Q8_0"));
    EXPECT_EQ(quantized_copies(d.cache).size(), 1u);
  }
  // a whole copy is found, not made again; a cancel while it is checked leaves it there
  EXPECT_FALSE(quantized_copy(d.model, DType::Q8_0, o).made);
  QuantizedCacheOptions cancelled = options(d.cache);
  std::atomic<bool> cancel{true};
  cancelled.cancel = &cancel;
  EXPECT_THROW(quantized_copy(d.model, DType::Q8_0, cancelled), LoadCancelled);
  EXPECT_EQ(quantized_copy_damage(first.path), "");
}

// What a writer killed mid-quantization left (<copy>.tmp-<pid>-<random> of a process that is
// gone) is removed; a live writer's file is not.
TEST(QuantizedCache, ALeftoverOfADeadWriterIsRemoved) {
  const Dirs d = setup();
  fs::create_directories(d.cache);
  const fs::path dead = d.cache / "0123456789abcdef-0123456789abcdef.q4_k.gguf.tmp-999999999-00ff";
  const fs::path live = d.cache / ("0123456789abcdef-0123456789abcdef.q4_k.gguf.tmp-" +
                                   std::to_string(::getpid()) + "-00ff");
  for (const fs::path& p : {dead, live}) std::ofstream(p) << "partial";
  (void)quantized_copy(d.model, DType::Q4_0, options(d.cache));
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
  clear_quantized_cache(d.cache);
  EXPECT_FALSE(fs::exists(live)) << "clear leaves unfinished copies";
  EXPECT_TRUE(fs::is_empty(d.cache));
}

// The weight bytes the app's memory-fit badge counts for a model quantized at load are the
// bytes of the tensors of the copy (fallback types for short rows, F32 vectors included).
TEST(QuantizedCache, QuantizedWeightBytesAreTheCopysTensors) {
  const Dirs d = setup();
  const ModelConfig config = ModelConfig::load(d.model / "config.json");
  for (DType t : {DType::Q8_0, DType::Q4_K, DType::Q4_0}) {
    SCOPED_TRACE(dtype_name(t));
    const GgufFile file(quantized_copy(d.model, t, options(d.cache)).path);
    int64_t bytes = 0;
    for (const auto& [name, view] : file.tensors()) bytes += int64_t(view.nbytes);
    EXPECT_EQ(quantized_weight_bytes(config, t), bytes);
  }
}

TEST(QuantizedCache, RefusesWhatItCannotQuantize) {
  const Dirs d = setup();
  const QuantizedCacheOptions o = options(d.cache);
  try {
    quantized_copy(d.model / "config.json", DType::Q8_0, o);
    ADD_FAILURE() << "a file was taken for a model folder";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is not a folder of safetensors"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(quantized_copy(d.model, DType::BF16, o), Error);
  fs::remove(d.model / "model.safetensors");
  EXPECT_THROW(quantized_copy(d.model, DType::Q8_0, o), Error);
  EXPECT_TRUE(quantized_copies(d.cache).empty());
}

}  // namespace
}  // namespace coil
