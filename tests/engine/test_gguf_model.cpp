// A .gguf file as a whole model: `coil quantize` of the fixture checkpoints read back by the
// engine (same logits as the folder in F32, tokenizer and chat template carried), the
// backend choice with block-type weights, state files across quantizations, and the CLI.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "coil/atomic_file.hpp"
#include "coil/chat.hpp"
#include "coil/config.hpp"
#include "coil/error.hpp"
#include "coil/gguf.hpp"
#include "coil/model.hpp"
#include "coil/quantize.hpp"
#include "coil/session.hpp"
#include "coil/state.hpp"
#include "coil/tokenizer.hpp"
#include "golden.hpp"
#include "options.hpp"
#include "paths.hpp"
#include "run_cli.hpp"
#include "safetensors_writer.hpp"

namespace coil {
namespace {

#define EXPECT_HAS(msg, part) \
  EXPECT_NE(std::string(msg).find(part), std::string::npos) << "message: " << (msg)

std::filesystem::path quantized(const std::filesystem::path& model, DType type,
                                const std::string& name) {
  const auto out = test::temp_dir() / name;
  QuantizeOptions o;
  o.type = type;
  o.threads = 2;
  quantize_model(model, out, o);
  return out;
}

std::vector<float> all_logits(const Model& m, const std::vector<int32_t>& ids) {
  Session s(m);
  const int64_t V = m.config().vocab_size;
  std::vector<float> out(ids.size() * V);
  s.eval(ids, out.data(), /*all_logits=*/true);
  return out;
}

std::unique_ptr<Model> open(const std::filesystem::path& p,
                            const std::string& backend = "cpu-ref") {
  ModelOptions o = test::options();
  o.backend = backend;
  o.chunk_size = 16;  // crosses chunks on the short fixture cases too
  return Model::open(p, o);
}

// F32 in a GGUF is the same model as its folder: identical config and identical logits.
TEST(GgufModel, F32GgufOfEveryFixtureMatchesItsFolderExactly) {
  for (const auto& name : test::fixture_models()) {
    const auto dir = test::model_dir(name);
    const auto gguf = quantized(dir, DType::F32, name + ".gguf");
    auto a = open(dir), b = open(gguf);
    EXPECT_EQ(b->config().arch, a->config().arch) << name;
    EXPECT_EQ(b->config().vocab_size, a->config().vocab_size) << name;
    EXPECT_EQ(b->config().use_bias, a->config().use_bias) << name;
    EXPECT_EQ(b->config().tie_word_embeddings, a->config().tie_word_embeddings) << name;
    const auto cases = test::load_golden(name);
    const auto& ids = cases.front().ids;
    const auto la = all_logits(*a, ids), lb = all_logits(*b, ids);
    // the folder's layer-norm epsilon is a double, the GGUF's a float: a last-bit difference
    EXPECT_LT(test::rel_diff(lb.data(), la.data(), la.size()), 1e-6) << name;
    EXPECT_LT(test::rel_diff(lb.data(), cases.front().logits.data(), la.size()), 2e-4) << name;
  }
}

TEST(GgufModel, QuantizedWeightsRunOnCpuAsOnTheReference) {
  const auto dir = test::model_dir("falcon-tiny-bf16");
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q5_1}) {
    const auto gguf = quantized(dir, t, std::string(dtype_name(t)) + ".gguf");
    auto ref = open(gguf), cpu = open(gguf, "cpu");
    EXPECT_EQ(cpu->weight_dtype(), t);
    const auto ids = test::load_golden("falcon-tiny-bf16").front().ids;
    const auto lr = all_logits(*ref, ids), lc = all_logits(*cpu, ids);
    EXPECT_LT(test::rel_diff(lc.data(), lr.data(), lr.size()), 1e-4) << dtype_name(t);
    // and decode (one token at a time) continues the same way
    Session s(*cpu);
    std::vector<float> last(cpu->config().vocab_size);
    for (int32_t id : ids) s.decode(id, last.data());
    const float* want = lr.data() + (ids.size() - 1) * last.size();
    EXPECT_LT(test::rel_diff(last.data(), want, last.size()), 1e-4) << dtype_name(t);
  }
}

// A FalconMamba checkpoint whose every matrix has rows of whole blocks of one type or its
// fallback: H = 128 (Q4_K falls back to Q5_0 there), D = 256, and a dt rank of 32, so that
// dt_proj is a block type too (the fixtures' ranks are 2 to 16: always F32).
std::filesystem::path block_rows_model() {
  const auto dir = test::temp_dir() / "block-rows";
  if (std::filesystem::exists(dir / "model.safetensors")) return dir;
  const nlohmann::json config = {{"architectures", {"FalconMambaForCausalLM"}},
                                 {"model_type", "falcon_mamba"},
                                 {"hidden_size", 128},
                                 {"intermediate_size", 256},
                                 {"state_size", 16},
                                 {"time_step_rank", 32},
                                 {"conv_kernel", 4},
                                 {"num_hidden_layers", 2},
                                 {"vocab_size", 300},
                                 {"layer_norm_epsilon", 1e-5},
                                 {"use_bias", false},
                                 {"use_conv_bias", true},
                                 {"tie_word_embeddings", false}};
  test::write_model(dir, config,
                    test::model_tensors(ModelConfig::parse(config, "block-rows"), DType::F32));
  return dir;
}

// Once a GPU backend has kernels for every type of a model, it gets the model (no fallback)
// and computes what the reference computes: prefill over several chunks (the GEMM with
// dequantized tiles), then decode token by token (the fused GEMV ops, proj_scan with a
// block-type dt_proj).
TEST(GgufModel, GpuBackendsRunQuantizedModelsAsTheReference) {
  const auto dir = block_rows_model();
  const std::vector<int32_t> ids{1, 17, 299, 42,  5,  5,  160, 8,   250, 3, 77,  120,
                                 9, 0,  33,  201, 64, 12, 2,   100, 150, 7, 280, 19};
  bool tried = false;
  for (const auto& be : compiled_backends()) {
    if (be != "vulkan" && be != "cuda") continue;
    try {
      create_backend(be, test::backend_options());
    } catch (const Error& e) {
      continue;  // no device here
    }
    tried = true;
    for (DType t : {DType::Q8_0, DType::Q4_K}) {
      const auto gguf = quantized(dir, t, std::string("rows-") + dtype_name(t) + ".gguf");
      EXPECT_EQ(GgufFile(gguf).find_tensor("blk.0.ssm_dt.weight")->dtype,
                t == DType::Q4_K ? DType::Q5_0 : t);  // rows of 32
      auto ref = open(gguf);
      ModelOptions o = test::options();
      o.backend = be;
      o.chunk_size = 16;
      auto m = Model::open(gguf, o, /*allow_fallback=*/false);
      ASSERT_EQ(m->backend().info().name, be);
      EXPECT_EQ(m->fallback_reason(), "");
      EXPECT_EQ(m->weight_dtype(), t == DType::Q4_K ? DType::Q5_0 : t);  // in_proj's rows: 128
      const auto want = all_logits(*ref, ids), got = all_logits(*m, ids);
      const double prefill = test::rel_diff(got.data(), want.data(), want.size());
      RecordProperty(be + "_" + dtype_name(t) + "_prefill", std::to_string(prefill));
      EXPECT_LT(prefill, 1e-4) << be << " " << dtype_name(t) << " prefill";
      Session s(*m);
      const size_t V = static_cast<size_t>(m->config().vocab_size);
      std::vector<float> step(V);
      double worst = 0;
      for (size_t i = 0; i < ids.size(); ++i) {
        s.decode(ids[i], step.data());
        worst = std::max(worst, test::rel_diff(step.data(), want.data() + i * V, V));
      }
      RecordProperty(be + "_" + dtype_name(t) + "_decode", std::to_string(worst));
      EXPECT_LT(worst, 1e-4) << be << " " << dtype_name(t) << " decode";
    }
  }
  if (!tried) GTEST_SKIP() << "no GPU backend can run here (Vulkan or CUDA device needed)";
}

TEST(GgufModel, StateOfQ4WeightsIsRefusedByBf16WeightsAndKeptAcrossLoads) {
  const auto dir = test::model_dir("falcon-tiny-bf16");
  const auto q4 = quantized(dir, DType::Q4_0, "q4.gguf");
  const auto bf16 = quantized(dir, DType::BF16, "bf16.gguf");
  const std::vector<int32_t> ids{5, 17, 200, 3, 99};
  const auto state_file = test::temp_dir() / "q4.coilstate";
  std::vector<float> expect(1000);
  {
    auto m = open(q4, "cpu");
    Session s(*m);
    s.eval(ids, nullptr);
    write_state_file(state_file, s.save_state());
    s.decode(7, expect.data());
  }
  for (const auto& other : {bf16, dir}) {  // BF16 in a GGUF, and the original folder
    auto m = open(other, "cpu");
    try {
      read_state_file(state_file, m->fingerprint());
      ADD_FAILURE() << "a Q4_0 state was accepted by " << other;
    } catch (const Error& e) {
      EXPECT_HAS(e.what(), "saved from a different model");
    }
  }
  auto again = open(q4, "cpu");  // the same file loaded again: the state is valid
  Session s(*again);
  s.restore_state(read_state_file(state_file, again->fingerprint()));
  std::vector<float> got(1000);
  s.decode(7, got.data());
  EXPECT_EQ(got, expect);
}

TEST(GgufModel, TokenizerAndChatTemplateTravelInTheFile) {
  COIL_REQUIRE_FIXTURES("tokenizers/falcon/tokenizer.json");
  // a model folder with the real Falcon tokenizer and a chat template
  const auto dir = test::temp_dir() / "with-tokenizer";
  std::filesystem::create_directories(dir);
  for (const char* f : {"config.json", "model.safetensors"})
    std::filesystem::copy_file(test::model_dir("falcon-tiny-f32") / f, dir / f);
  std::filesystem::copy_file(test::fixtures_dir() / "tokenizers/falcon/tokenizer.json",
                             dir / "tokenizer.json");
  std::ofstream(dir / "tokenizer_config.json")
      << R"({"chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}", "eos_token": "<|endoftext|>"})";
  std::ofstream(dir / "generation_config.json")
      << R"({"eos_token_id": [11, 10], "bos_token_id": 11})";
  const auto gguf = quantized(dir, DType::Q8_0, "tok.gguf");

  auto a = Tokenizer::load(dir), b = Tokenizer::load(gguf);
  for (const char* text :
       {"Hello, world! 12345 <|endoftext|>", "  spaces\tand\nlines", "ünïcödé 日本"})
    for (bool special : {false, true})
      EXPECT_EQ(b->encode(text, special), a->encode(text, special)) << text;
  EXPECT_EQ(b->vocab_size(), a->vocab_size());
  const ChatConfig ca = ChatConfig::load(dir), cb = ChatConfig::load(gguf);
  EXPECT_EQ(cb.chat_template, ca.chat_template);
  EXPECT_EQ(cb.eos_token_ids, (std::vector<int64_t>{11, 10}));
  EXPECT_EQ(cb.bos_token_id, 11);
  EXPECT_EQ(cb.eos_token, "<|endoftext|>");

  // the llama.cpp-style keys alone (no tokenizer.huggingface.json) give the same ids
  GgufFile f(gguf);
  EXPECT_EQ(f.get_string("tokenizer.ggml.pre"), "falcon");
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens")->size(), 65024u);
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.merges")->size(), 64784u);
  EXPECT_EQ(f.get_uint("tokenizer.ggml.eos_token_id"), 11u);
}

TEST(GgufModel, CliQuantizeThenRunTheFile) {
  const auto out = test::temp_dir() / "cli.gguf";
  auto r = test::run_cli({"quantize", "--model", test::model_dir("mamba-tiny-f16").string(),
                          "--type", "q5_0", "--out", out.string(), "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_HAS(r.err, "matrices in Q5_0");
  const auto logits = test::temp_dir() / "l.f32";
  r = test::run_cli({"logits", "--model", out.string(), "--ids", "1,2,3", "--out", logits.string(),
                     "--backend", "cpu"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::filesystem::file_size(logits), 3u * 300 * 4);

  // a bad type, a missing model: clear errors and no output file
  const auto bad = test::temp_dir() / "bad.gguf";
  r = test::run_cli({"quantize", "--model", test::model_dir("mamba-tiny-f16").string(), "--type",
                     "q3_k", "--out", bad.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_HAS(r.err, "unknown weight type 'q3_k'");
  r = test::run_cli(
      {"quantize", "--model", "/nonexistent", "--type", "q8_0", "--out", bad.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_HAS(r.err, "/nonexistent");
  EXPECT_FALSE(std::filesystem::exists(bad));
  for (const auto& e : std::filesystem::directory_iterator(bad.parent_path()))
    EXPECT_NE(e.path().filename().string().rfind("bad.gguf" + std::string(kTempFileMarker), 0), 0u)
        << e.path();
  // requantizing a quantized file into another type is refused, naming the tensor
  r = test::run_cli({"quantize", "--model", out.string(), "--type", "q8_0", "--out", bad.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_HAS(r.err, "is already Q5_0");
  EXPECT_FALSE(std::filesystem::exists(bad));
}

TEST(GgufModel, BenchRunsBlockTypesAndGgufFiles) {
  // tiny's rows are 64 values: Q4_K falls back to Q5_0, as coil quantize would store it
  const std::pair<const char*, const char*> kinds[] = {
      {"q8_0", "Q8_0"}, {"q4_0", "Q4_0"}, {"q4_k", "Q5_0"}};
  for (const auto& [dtype, stored] : kinds) {
    const auto r =
        test::run_cli({"bench", "--synthetic", "tiny", "--dtype", dtype, "--backend", "cpu",
                       "--prompt-len", "8", "--gen-len", "4", "--no-bandwidth", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
    EXPECT_EQ(j.at("dtype"), stored) << dtype;
    EXPECT_GT(j.at("decode_tokens_per_s").get<double>(), 0.0);
  }
  const auto r = test::run_cli(
      {"bench", "--model", (test::test_data_dir() / "gguf" / "falcon-k256.q4_k.gguf").string(),
       "--backend", "cpu", "--prompt-len", "8", "--gen-len", "4", "--no-bandwidth", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j.at("dtype"), "Q4_K");
  EXPECT_EQ(j.at("model"), "falcon-k256.q4_k");
}

TEST(GgufModel, KTypesFallBackWhereRowsAreNotWholeBlocks) {
  // the tiny fixtures' rows are 32 or 64 values: Q4_K cannot hold them, Q5_0 does
  const auto dir = test::model_dir("falcon-tiny-f32");
  QuantizeOptions o;
  o.type = DType::Q4_K;
  const auto out = test::temp_dir() / "k.gguf";
  const QuantizeReport r = quantize_model(dir, out, o);
  EXPECT_EQ(r.quantized, 0);
  std::string notes;
  for (const auto& n : r.notes) notes += n + "\n";
  EXPECT_HAS(notes, "blk.*.ssm_in.weight is Q5_0: its rows of 32 values are not whole Q4_K blocks");
  EXPECT_HAS(notes, "blk.*.ssm_dt.weight is F32");
  GgufFile f(out);
  EXPECT_EQ(f.find_tensor("blk.0.ssm_in.weight")->dtype, DType::Q5_0);
  EXPECT_EQ(f.find_tensor("blk.0.ssm_dt.weight")->dtype, DType::F32);  // rows of 2
  EXPECT_EQ(f.find_tensor("blk.0.ssm_a")->dtype, DType::F32);
  EXPECT_EQ(f.find_tensor("output_norm.weight")->dtype, DType::F32);
}

}  // namespace
}  // namespace coil
