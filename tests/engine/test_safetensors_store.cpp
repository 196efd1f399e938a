// TensorStore: a single model.safetensors, a sharded checkpoint through
// model.safetensors.index.json, and every inconsistency between the index and its shards.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "coil/error.hpp"
#include "coil/safetensors.hpp"
#include "coil/weights.hpp"
#include "paths.hpp"
#include "safetensors_writer.hpp"

namespace coil {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::TensorData;

#define EXPECT_HAS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

fs::path fixture(const std::string& name) {
  return test::test_data_dir() / "models" / name;
}

std::string store_error(const fs::path& dir) {
  try {
    TensorStore s(dir);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << dir << " was accepted";
  return {};
}

// A copy of the falcon-tiny-bf16 fixture, split into `n` shards in a fresh folder.
fs::path sharded_copy(int n, std::vector<TensorData>* tensors = nullptr,
                      std::vector<std::string>* shards = nullptr) {
  const auto dir = test::temp_dir();
  SafetensorsFile src(fixture("falcon-tiny-bf16") / "model.safetensors");
  auto t = test::read_tensors(src);
  auto names = test::write_sharded(dir, t, n);
  fs::copy_file(fixture("falcon-tiny-bf16") / "config.json", dir / "config.json");
  if (tensors) *tensors = t;
  if (shards) *shards = names;
  return dir;
}

void rewrite_index(const fs::path& dir, const std::function<void(json&)>& edit) {
  std::ifstream in(dir / "model.safetensors.index.json");
  json j = json::parse(in);
  edit(j);
  test::write_file(dir / "model.safetensors.index.json", j.dump());
}

TEST(TensorStore, SingleFile) {
  TensorStore s(fixture("mamba-tiny-f16"));
  EXPECT_EQ(s.dir(), fixture("mamba-tiny-f16"));
  EXPECT_EQ(s.all().size(), 1u + 3 * 10 + 1);
  ASSERT_NE(s.find("backbone.norm_f.weight"), nullptr);
  EXPECT_EQ(s.find("lm_head.weight"), nullptr);
  EXPECT_EQ(&s.at("backbone.norm_f.weight"), s.find("backbone.norm_f.weight"));
  try {
    s.at("lm_head.weight");
    FAIL();
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "lm_head.weight");
    EXPECT_HAS(e.what(), fixture("mamba-tiny-f16").string());
  }
}

TEST(TensorStore, ShardedCheckpointMatchesTheSingleFile) {
  std::vector<std::string> shards;
  const auto dir = sharded_copy(3, nullptr, &shards);
  TensorStore sharded(dir);
  TensorStore single(fixture("falcon-tiny-bf16"));
  ASSERT_EQ(sharded.all().size(), single.all().size());
  std::set<fs::path> files;
  for (const auto& [name, v] : single.all()) {
    const TensorView* w = sharded.find(name);
    ASSERT_NE(w, nullptr) << name;
    EXPECT_EQ(w->shape, v->shape);
    EXPECT_EQ(w->dtype, v->dtype);
    ASSERT_EQ(w->nbytes, v->nbytes);
    EXPECT_EQ(std::memcmp(w->data, v->data, v->nbytes), 0) << name;
    files.insert(w->file);
  }
  EXPECT_EQ(files.size(), 3u);  // the tensors really come from the three shards
  EXPECT_EQ(files.count(dir / shards[1]), 1u);

  // And the whole model opens from the shards.
  const auto m = ModelFiles::open(dir);
  EXPECT_EQ(m.weights.layers.size(), 2u);
  EXPECT_EQ(m.weights.lm_head->name, "lm_head.weight");
}

TEST(TensorStore, NeitherFile) {
  const auto dir = test::temp_dir();
  auto msg = store_error(dir);
  EXPECT_HAS(msg, dir.string());
  EXPECT_HAS(msg, "model.safetensors");
  test::write_file(dir / "pytorch_model.bin", "x");
  EXPECT_HAS(store_error(dir), "pytorch_model.bin");
  EXPECT_HAS(store_error(dir / "absent"), (dir / "absent").string());
}

TEST(TensorStore, MissingShard) {
  std::vector<std::string> shards;
  const auto dir = sharded_copy(2, nullptr, &shards);
  fs::remove(dir / shards[1]);
  const auto msg = store_error(dir);
  EXPECT_HAS(msg, (dir / shards[1]).string());
  EXPECT_HAS(msg, "model.safetensors.index.json");
  EXPECT_HAS(msg, "missing");
}

TEST(TensorStore, TensorListedButAbsentFromItsShard) {
  std::vector<TensorData> t;
  std::vector<std::string> shards;
  const auto dir = sharded_copy(2, &t, &shards);
  rewrite_index(dir, [&](json& j) { j["weight_map"]["backbone.extra.weight"] = shards[0]; });
  const auto msg = store_error(dir);
  EXPECT_HAS(msg, "tensor backbone.extra.weight");
  EXPECT_HAS(msg, (dir / shards[0]).string());
  EXPECT_HAS(msg, "does not hold it");
}

TEST(TensorStore, TensorInTwoShards) {
  std::vector<TensorData> t;
  std::vector<std::string> shards;
  const auto dir = sharded_copy(2, &t, &shards);
  // Shard 2 gets a second copy of a tensor that the index assigns to shard 1 (tensor 0).
  std::vector<TensorData> second;
  for (size_t k = 1; k < t.size(); k += 2) second.push_back(t[k]);
  second.push_back(t[0]);
  test::write_safetensors(dir / shards[1], second);
  const auto msg = store_error(dir);
  EXPECT_HAS(msg, "tensor " + t[0].name);
  EXPECT_HAS(msg, "two files");
  EXPECT_HAS(msg, (dir / shards[1]).string());
  EXPECT_HAS(msg, shards[0]);
}

TEST(TensorStore, ShardHoldsATensorTheIndexDoesNotList) {
  std::vector<TensorData> t;
  std::vector<std::string> shards;
  const auto dir = sharded_copy(2, &t, &shards);
  rewrite_index(dir, [&](json& j) { j["weight_map"].erase(t[0].name); });
  const auto msg = store_error(dir);
  EXPECT_HAS(msg, "tensor " + t[0].name);
  EXPECT_HAS(msg, (dir / shards[0]).string());
  EXPECT_HAS(msg, "not listed");
}

TEST(TensorStore, MalformedIndex) {
  const auto dir = sharded_copy(2);
  const auto index = (dir / "model.safetensors.index.json").string();
  test::write_file(index, "{\"weight_map\": ");
  EXPECT_HAS(store_error(dir), index);
  test::write_file(index, "{\"metadata\": {}}");
  EXPECT_HAS(store_error(dir), "weight_map");
  test::write_file(index, R"({"weight_map": {"a": "../../etc/passwd"}})");
  auto msg = store_error(dir);
  EXPECT_HAS(msg, "tensor a");
  EXPECT_HAS(msg, index);
  test::write_file(index, R"({"weight_map": {}})");
  EXPECT_HAS(store_error(dir), "empty weight_map");
}

TEST(TensorStore, CorruptShardIsNamed) {
  std::vector<std::string> shards;
  const auto dir = sharded_copy(2, nullptr, &shards);
  test::write_file(dir / shards[1], "junk");
  EXPECT_HAS(store_error(dir), (dir / shards[1]).string());
}

}  // namespace
}  // namespace coil
