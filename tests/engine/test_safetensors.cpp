// SafetensorsFile: the fixtures map correctly, and every malformed file is refused with a
// message naming the file (and the tensor, where there is one).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "coil/error.hpp"
#include "coil/safetensors.hpp"
#include "paths.hpp"
#include "safetensors_writer.hpp"

namespace coil {
namespace {

namespace fs = std::filesystem;
using test::TensorData;

#define EXPECT_HAS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

std::string open_error(const fs::path& p) {
  try {
    SafetensorsFile f(p);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << p << " was accepted";
  return {};
}

std::vector<TensorData> two_tensors() {
  return {test::make_tensor("a.weight", DType::F32, {2, 3}),
          test::make_tensor("b.bias", DType::BF16, {4})};
}

std::string u64le(uint64_t n) {
  std::string s;
  for (int i = 0; i < 8; ++i) s += static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

TEST(Safetensors, MapsFixtureTensors) {
  const auto path = test::test_data_dir() / "models" / "falcon-tiny-f32" / "model.safetensors";
  SafetensorsFile f(path);
  EXPECT_EQ(f.path(), path);
  ASSERT_EQ(f.tensors().size(), 22u);
  const TensorView& e = f.tensors().at("backbone.embeddings.weight");
  EXPECT_EQ(e.dtype, DType::F32);
  EXPECT_EQ(e.shape, (std::vector<int64_t>{256, 32}));
  EXPECT_EQ(e.numel(), 256 * 32);
  EXPECT_EQ(e.nbytes, 256u * 32 * 4);
  EXPECT_EQ(e.file, path);
  EXPECT_EQ(e.name, "backbone.embeddings.weight");
  // The view points at the bytes the header's data_offsets name, read here independently.
  std::ifstream in(path, std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), {});
  uint64_t n = 0;
  std::memcpy(&n, all.data(), 8);
  const auto header = nlohmann::json::parse(all.substr(8, n));
  const auto begin = header["backbone.embeddings.weight"]["data_offsets"][0].get<size_t>();
  EXPECT_EQ(std::memcmp(e.data, all.data() + 8 + n + begin, e.nbytes), 0);
}

TEST(Safetensors, RoundTripsWriterOutputAndMetadata) {
  const auto dir = test::temp_dir();
  auto t = two_tensors();
  t.push_back({"empty", "F16", {0, 5}, {}});
  test::write_safetensors(dir / "x.safetensors", t,
                          test::safetensors_header(t, {{"format", "pt"}}));
  SafetensorsFile f(dir / "x.safetensors");
  ASSERT_EQ(f.tensors().size(), 3u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  const TensorView& b = f.tensors().at("b.bias");
  EXPECT_EQ(b.dtype, DType::BF16);
  EXPECT_EQ(b.shape, std::vector<int64_t>{4});
  EXPECT_EQ(std::memcmp(b.data, t[1].bytes.data(), 8), 0);
  EXPECT_EQ(std::memcmp(f.tensors().at("a.weight").data, t[0].bytes.data(), 24), 0);
  EXPECT_EQ(f.tensors().at("empty").nbytes, 0u);
  EXPECT_EQ(f.tensors().at("empty").numel(), 0);
}

TEST(Safetensors, ScalarAndI32Accepted) {
  const auto dir = test::temp_dir();
  test::write_safetensors(dir / "x.safetensors", {test::make_tensor("s", DType::F32, {}),
                                                  test::make_tensor("i", DType::I32, {3})});
  SafetensorsFile f(dir / "x.safetensors");
  EXPECT_EQ(f.tensors().at("s").numel(), 1);
  EXPECT_EQ(f.tensors().at("i").dtype, DType::I32);
}

TEST(Safetensors, MissingFile) {
  const auto p = test::temp_dir() / "nope.safetensors";
  EXPECT_HAS(open_error(p), p.string());
}

TEST(Safetensors, ShorterThanEightBytes) {
  const auto p = test::temp_dir() / "short.safetensors";
  test::write_file(p, "abc");
  const auto msg = open_error(p);
  EXPECT_HAS(msg, p.string());
  EXPECT_HAS(msg, "truncated");
  test::write_file(p, "");
  EXPECT_HAS(open_error(p), p.string());
}

TEST(Safetensors, AbsurdHeaderLength) {
  const auto p = test::temp_dir() / "absurd.safetensors";
  test::write_file(p, u64le(1ull << 40) + "{}");
  auto msg = open_error(p);
  EXPECT_HAS(msg, p.string());
  EXPECT_HAS(msg, "header length");
  test::write_file(p, u64le(200ull * 1024 * 1024) + std::string(16, ' '));
  EXPECT_HAS(open_error(p), "header length");
  // Longer than the file by one byte: a truncated header.
  test::write_file(p, u64le(3) + "{}");
  EXPECT_HAS(open_error(p), "header length");
}

TEST(Safetensors, InvalidJsonHeader) {
  const auto p = test::temp_dir() / "json.safetensors";
  test::write_safetensors(p, {}, std::string("{\"a\": [1, 2"));
  const auto msg = open_error(p);
  EXPECT_HAS(msg, p.string());
  EXPECT_HAS(msg, "JSON header): invalid JSON");
}

TEST(Safetensors, HeaderNotAnObject) {
  const auto p = test::temp_dir() / "arr.safetensors";
  test::write_safetensors(p, {}, std::string("[1, 2, 3]"));
  const auto msg = open_error(p);
  EXPECT_HAS(msg, p.string());
  EXPECT_HAS(msg, "not a JSON object");
}

TEST(Safetensors, EntryMissingKeys) {
  const auto p = test::temp_dir() / "keys.safetensors";
  const auto t = two_tensors();
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    auto h = nlohmann::json::parse(test::safetensors_header(t));
    h["b.bias"].erase(key);
    test::write_safetensors(p, t, h.dump());
    const auto msg = open_error(p);
    EXPECT_HAS(msg, p.string());
    EXPECT_HAS(msg, "tensor b.bias");
    EXPECT_HAS(msg, key);
  }
  test::write_safetensors(p, t, std::string(R"({"a.weight": 5})"));
  EXPECT_HAS(open_error(p), "tensor a.weight");
}

TEST(Safetensors, UnknownDtype) {
  const auto p = test::temp_dir() / "dtype.safetensors";
  for (const char* dt : {"F64", "I8", "U8", "BOOL", "F8_E4M3", "bf16", "WHAT"}) {
    std::vector<TensorData> t = {{"x.weight", dt, {2}, std::vector<uint8_t>(16)}};
    test::write_safetensors(p, t);
    const auto msg = open_error(p);
    EXPECT_HAS(msg, p.string());
    EXPECT_HAS(msg, "tensor x.weight");
    EXPECT_HAS(msg, std::string("dtype ") + dt);
  }
}

TEST(Safetensors, BadShapeAndOffsetsTypes) {
  const auto p = test::temp_dir() / "types.safetensors";
  const std::string bytes(8, '\0');
  for (const char* h : {R"({"t": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})",
                        R"({"t": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}})",
                        R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0]}})",
                        R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [-1, 7]}})",
                        R"({"t": {"dtype": 1, "shape": [2], "data_offsets": [0, 8]}})"}) {
    test::write_safetensors(p, {{"t", "F32", {2}, std::vector<uint8_t>(8)}}, std::string(h));
    const auto msg = open_error(p);
    EXPECT_HAS(msg, p.string());
    EXPECT_HAS(msg, "tensor t ");
  }
}

TEST(Safetensors, OffsetsOutsideDataSection) {
  const auto p = test::temp_dir() / "trunc.safetensors";
  auto t = two_tensors();
  const std::string header = test::safetensors_header(t);
  t[1].bytes.resize(4);  // the file ends 4 bytes early: b.bias runs past the end
  test::write_safetensors(p, t, header);
  const auto msg = open_error(p);
  EXPECT_HAS(msg, p.string());
  EXPECT_HAS(msg, "tensor b.bias");
  EXPECT_HAS(msg, "outside the data section");
}

TEST(Safetensors, BeginAfterEnd) {
  const auto p = test::temp_dir() / "order.safetensors";
  test::write_safetensors(
      p, {{"t", "F32", {2}, std::vector<uint8_t>(8)}},
      std::string(R"({"t": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}})"));
  const auto msg = open_error(p);
  EXPECT_HAS(msg, p.string());
  EXPECT_HAS(msg, "tensor t ");
  EXPECT_HAS(msg, "[8, 0]");
}

TEST(Safetensors, ByteCountDisagreesWithShape) {
  const auto p = test::temp_dir() / "count.safetensors";
  // a.weight is F32 [2, 3] = 24 bytes; declare [2, 4].
  const auto t = two_tensors();
  auto h = nlohmann::json::parse(test::safetensors_header(t));
  h["a.weight"]["shape"] = {2, 4};
  test::write_safetensors(p, t, h.dump());
  const auto msg = open_error(p);
  EXPECT_HAS(msg, p.string());
  EXPECT_HAS(msg, "tensor a.weight");
  EXPECT_HAS(msg, "24 bytes");
  EXPECT_HAS(msg, "[2, 4]");
  EXPECT_HAS(msg, "32");
  // Same bytes, other element size: BF16 [2, 3] needs 12.
  h = nlohmann::json::parse(test::safetensors_header(t));
  h["a.weight"]["dtype"] = "BF16";
  test::write_safetensors(p, t, h.dump());
  EXPECT_HAS(open_error(p), "tensor a.weight");
  // Overflowing shapes are refused, not wrapped around.
  h = nlohmann::json::parse(test::safetensors_header(t));
  h["a.weight"]["shape"] = {4294967296ull, 4294967296ull, 2};
  test::write_safetensors(p, t, h.dump());
  EXPECT_HAS(open_error(p), "tensor a.weight");
}

TEST(Safetensors, OverlappingTensors) {
  const auto p = test::temp_dir() / "overlap.safetensors";
  const std::vector<TensorData> t = {{"first", "F32", {4}, std::vector<uint8_t>(16)},
                                     {"second", "F32", {2}, std::vector<uint8_t>(8)}};
  const std::string h = R"({"first": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                            "second": {"dtype": "F32", "shape": [2], "data_offsets": [12, 20]}})";
  test::write_safetensors(p, t, h);
  const auto msg = open_error(p);
  EXPECT_HAS(msg, p.string());
  EXPECT_HAS(msg, "first");
  EXPECT_HAS(msg, "second");
  EXPECT_HAS(msg, "overlap");
}

TEST(Safetensors, BadMetadata) {
  const auto p = test::temp_dir() / "meta.safetensors";
  const auto t = two_tensors();
  auto h = nlohmann::json::parse(test::safetensors_header(t));
  h["__metadata__"] = {{"format", 1}};
  test::write_safetensors(p, t, h.dump());
  auto msg = open_error(p);
  EXPECT_HAS(msg, p.string());
  EXPECT_HAS(msg, "__metadata__");
  EXPECT_HAS(msg, "format");
  h["__metadata__"] = "pt";
  test::write_safetensors(p, t, h.dump());
  EXPECT_HAS(open_error(p), "__metadata__");
}

}  // namespace
}  // namespace coil
