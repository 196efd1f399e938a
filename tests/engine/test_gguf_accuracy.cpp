// What a quantized GGUF means, checked end to end: tools/make_gguf_goldens.py had Coil's
// `coil quantize` write every supported type of three checkpoints (tests/data/gguf), read
// each file back with gguf-py, dequantized it with gguf.quants and ran transformers on the
// result in f32. Here: coil quantize still writes exactly those bytes, Coil reads the same
// tensors and metadata gguf-py read, and Coil's logits (cpu-ref, cpu, GPUs) match transformers'
// to 1e-3 relative with >= 95% argmax agreement, and so do the GPU backends that can run
// here (Vulkan on lavapipe in CI), which dequantize in their kernels. And gguf-py read a whole
// model in one file (tokenizer, template) as Coil writes and reads it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "coil/error.hpp"
#include "coil/gguf.hpp"
#include "coil/model.hpp"
#include "coil/quantize.hpp"
#include "coil/session.hpp"
#include "golden.hpp"
#include "options.hpp"
#include "paths.hpp"

namespace coil {
namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in) << "missing " << p << " (tools/make_gguf_goldens.py writes it)";
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Case {
  std::string source, type;
  std::vector<int32_t> ids;
  nlohmann::json gguf_py;
  std::string name() const { return source + "." + type; }
};

std::vector<Case> load_cases() {
  const auto j = nlohmann::json::parse(read_all(test::test_data_dir() / "gguf" / "cases.json"));
  std::vector<Case> out;
  for (const auto& c : j.at("cases"))
    out.push_back(
        {c.at("source"), c.at("type"), c.at("ids").get<std::vector<int32_t>>(), c.at("gguf_py")});
  return out;
}

class GgufAccuracy : public ::testing::TestWithParam<Case> {};

TEST_P(GgufAccuracy, QuantizeWritesTheSameBytes) {
  const Case& c = GetParam();
  const auto out = test::temp_dir() / "q.gguf";
  QuantizeOptions o;
  o.type = parse_weight_type(c.type);
  o.threads = 2;
  quantize_model(test::model_dir(c.source), out, o);
  EXPECT_TRUE(read_all(out) == read_all(test::test_data_dir() / "gguf" / (c.name() + ".gguf")))
      << "coil quantize now writes another " << c.name()
      << ": if that is intended, run tools/make_gguf_goldens.py to make new goldens";
}

// GGUF's value type names as gguf-py spells them (GGUFValueType).
std::string py_type(GgufType t) {
  std::string s = gguf_type_name(t);
  std::transform(s.begin(), s.end(), s.begin(), ::toupper);
  return s;
}

TEST_P(GgufAccuracy, CoilReadsWhatGgufPyRead) {
  const Case& c = GetParam();
  GgufFile f(test::test_data_dir() / "gguf" / (c.name() + ".gguf"));
  const auto& tensors = c.gguf_py.at("tensors");
  ASSERT_EQ(f.tensor_infos().size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& ti = f.tensor_infos()[i];
    EXPECT_EQ(ti.name, tensors[i][0].get<std::string>());
    EXPECT_EQ(ggml_type_name(ti.ggml_type), tensors[i][1].get<std::string>()) << ti.name;
    EXPECT_EQ(ti.ne, tensors[i][2].get<std::vector<uint64_t>>()) << ti.name;
  }
  const auto& kv = c.gguf_py.at("kv");
  EXPECT_EQ(f.metadata().size(), kv.size());
  for (const auto& [key, v] : f.metadata()) {
    ASSERT_TRUE(kv.contains(key)) << key << " was not seen by gguf-py";
    std::vector<std::string> types{py_type(v.type)};
    if (v.is_array()) types.push_back(py_type(v.elem));
    EXPECT_EQ(kv[key].get<std::vector<std::string>>(), types) << key;
  }
}

TEST_P(GgufAccuracy, LogitsMatchTransformersOnTheDequantizedWeights) {
  const Case& c = GetParam();
  const std::string bytes = read_all(test::test_data_dir() / "gguf" / (c.name() + ".f32"));
  std::vector<float> want(bytes.size() / 4);
  std::memcpy(want.data(), bytes.data(), bytes.size());
  std::vector<std::string> backends{"cpu-ref", "cpu"};
  for (const auto& gpu : {"vulkan", "cuda"}) {  // the GPU backends that can run here, by name
    try {
      if (!describe_devices(gpu, test::backend_options()).empty()) backends.push_back(gpu);
    } catch (const Error&) {  // compiled in, but no driver or device here
    }
  }
  for (const std::string& backend : backends) {
    ModelOptions o = test::options();
    o.backend = backend;
    o.chunk_size = 8;  // three chunks
    auto m = Model::open(test::test_data_dir() / "gguf" / (c.name() + ".gguf"), o,
                         /*allow_fallback=*/false);
    ASSERT_EQ(m->backend().info().name, backend);
    const int64_t V = m->config().vocab_size;
    ASSERT_EQ(want.size(), c.ids.size() * V);
    Session s(*m);
    std::vector<float> got(want.size());
    s.eval(c.ids, got.data(), /*all_logits=*/true);
    const double diff = test::rel_diff(got.data(), want.data(), got.size());
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", diff);
    RecordProperty(std::string("rel_diff_") + backend, text);
    EXPECT_LT(diff, 1e-3) << backend;
    size_t agree = 0;
    for (size_t t = 0; t < c.ids.size(); ++t) {
      const float* g = got.data() + t * V;
      const float* w = want.data() + t * V;
      agree += std::max_element(g, g + V) - g == std::max_element(w, w + V) - w;
    }
    RecordProperty(std::string("argmax_agreement_") + backend,
                   std::to_string(double(agree) / c.ids.size()));
    EXPECT_GE(double(agree) / c.ids.size(), 0.95) << backend;
  }
}

// A whole model in one file (the demo model with its tokenizer.json and chat template, Q8_0):
// gguf-py read every key with the type and value Coil reads, and the same tensors.
TEST(GgufWholeFile, GgufPyReadsTheTokenizerAndTemplateCoilWrites) {
  const auto j = nlohmann::json::parse(read_all(test::test_data_dir() / "gguf" / "cases.json"));
  const auto& want = j.at("demo_q8_0");
  const auto file = test::temp_dir() / "demo.gguf";
  QuantizeOptions o;
  o.type = DType::Q8_0;
  quantize_model(std::filesystem::path(COIL_SOURCE_DIR) / "resources" / "models" / "coil-demo",
                 file, o);
  GgufFile f(file);
  ASSERT_EQ(f.metadata().size(), want.at("kv").size());
  for (const auto& [key, v] : f.metadata()) {
    ASSERT_TRUE(want.at("kv").contains(key)) << key;
    const auto& w = want.at("kv").at(key);
    std::vector<std::string> types{py_type(v.type)};
    if (v.is_array()) types.push_back(py_type(v.elem));
    EXPECT_EQ(w.at("types").get<std::vector<std::string>>(), types) << key;
    const auto& value = w.at("value");
    if (v.type == GgufType::String) {
      EXPECT_EQ(value.get<std::string>(), v.str) << key;
    } else if (v.type == GgufType::Bool) {
      EXPECT_EQ(value.get<bool>(), v.b) << key;
    } else if (v.type == GgufType::Float32) {
      EXPECT_EQ(value.get<double>(), v.f) << key;
    } else if (v.is_integer()) {
      EXPECT_EQ(value.get<uint64_t>(), v.u) << key;
    } else if (v.is_array()) {
      EXPECT_EQ(value.at("length").get<uint64_t>(), v.array_size()) << key;
      const auto& first = value.at("first");
      for (size_t i = 0; i < first.size(); ++i) {
        if (v.elem == GgufType::String)
          EXPECT_EQ(first[i].get<std::string>(), v.strings[i]) << key;
        else
          EXPECT_EQ(first[i].get<int64_t>(), v.ints[i]) << key;
      }
    }
  }
  const auto& tensors = want.at("tensors");
  ASSERT_EQ(f.tensor_infos().size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(f.tensor_infos()[i].name, tensors[i][0].get<std::string>());
    EXPECT_EQ(ggml_type_name(f.tensor_infos()[i].ggml_type), tensors[i][1].get<std::string>());
    EXPECT_EQ(f.tensor_infos()[i].ne, tensors[i][2].get<std::vector<uint64_t>>());
  }
}

INSTANTIATE_TEST_SUITE_P(Goldens, GgufAccuracy, ::testing::ValuesIn(load_cases()),
                         [](const auto& info) {
                           std::string n = info.param.source + "_" + info.param.type;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace coil
