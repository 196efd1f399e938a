// ModelConfig::parse / load / canonical: the fixtures, the 7B's traps, and every refusal.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "coil/config.hpp"
#include "coil/error.hpp"
#include "coil/safetensors.hpp"
#include "golden.hpp"
#include "paths.hpp"
#include "safetensors_writer.hpp"

namespace coil {
namespace {

using nlohmann::json;

// Asserts that `text` contains `part`, printing the whole text when it does not.
#define EXPECT_HAS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

// The published tiiuae/falcon-mamba-7b config.json, as far as the engine reads it.
json falcon_7b() {
  return json::parse(R"({
    "architectures": ["FalconMambaForCausalLM"], "model_type": "falcon_mamba",
    "hidden_size": 4096, "intermediate_size": 8192, "expand": 16, "num_hidden_layers": 64,
    "state_size": 16, "conv_kernel": 4, "vocab_size": 65024, "time_step_rank": 256,
    "layer_norm_epsilon": 1e-5, "use_bias": false, "use_conv_bias": true,
    "tie_word_embeddings": false, "bos_token_id": 0, "eos_token_id": 11, "pad_token_id": 11,
    "torch_dtype": "bfloat16"})");
}

json tiny() {
  return json::parse(R"({"architectures": ["MambaForCausalLM"], "model_type": "mamba",
    "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "state_size": 16,
    "conv_kernel": 4, "vocab_size": 100})");
}

std::string error_of(const json& j, const std::string& src = "/m/config.json") {
  try {
    ModelConfig::parse(j, src);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "parse accepted " << j.dump();
  return {};
}

TEST(Config, Falcon7bTraps) {
  const auto c = ModelConfig::parse(falcon_7b(), "/m/config.json");
  EXPECT_EQ(c.arch, Arch::FalconMamba);
  EXPECT_EQ(c.architecture, "FalconMambaForCausalLM");
  EXPECT_EQ(c.model_type, "falcon_mamba");
  EXPECT_EQ(c.hidden_size, 4096);
  EXPECT_EQ(c.intermediate_size, 8192);  // not expand * hidden = 65536
  EXPECT_EQ(c.num_layers, 64);
  EXPECT_EQ(c.state_size, 16);
  EXPECT_EQ(c.conv_kernel, 4);
  EXPECT_EQ(c.vocab_size, 65024);
  EXPECT_EQ(c.time_step_rank, 256);
  EXPECT_DOUBLE_EQ(c.mixer_rms_eps, 1e-6);
  EXPECT_DOUBLE_EQ(c.layer_norm_epsilon, 1e-5);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_FALSE(c.use_bias);
  EXPECT_TRUE(c.use_conv_bias);
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{11});
  EXPECT_EQ(c.pad_token_id, 11);
  EXPECT_EQ(c.bos_token_id, 0);
  EXPECT_EQ(c.torch_dtype, "bfloat16");
}

TEST(Config, LoadsEveryFixture) {
  const auto dir = test::test_data_dir() / "models";
  const auto f32 = ModelConfig::load(dir / "falcon-tiny-f32" / "config.json");
  EXPECT_EQ(f32.arch, Arch::FalconMamba);
  EXPECT_EQ(f32.hidden_size, 32);
  EXPECT_EQ(f32.time_step_rank, 2);  // "auto"
  EXPECT_TRUE(f32.tie_word_embeddings);
  const auto bf16 = ModelConfig::load(dir / "falcon-tiny-bf16" / "config.json");
  EXPECT_EQ(bf16.time_step_rank, 4);
  EXPECT_FALSE(bf16.tie_word_embeddings);
  EXPECT_EQ(bf16.vocab_size, 1000);
  const auto f16 = ModelConfig::load(dir / "mamba-tiny-f16" / "config.json");
  EXPECT_EQ(f16.arch, Arch::Mamba);
  EXPECT_EQ(f16.num_layers, 3);
  EXPECT_EQ(f16.model_type, "mamba");
}

TEST(Config, TimeStepRankAutoRoundsUp) {
  auto j = tiny();
  j["hidden_size"] = 33;
  j["time_step_rank"] = "auto";
  EXPECT_EQ(ModelConfig::parse(j, "c").time_step_rank, 3);
  j.erase("time_step_rank");  // absent = auto, as in transformers
  EXPECT_EQ(ModelConfig::parse(j, "c").time_step_rank, 3);
  j["time_step_rank"] = 7;
  EXPECT_EQ(ModelConfig::parse(j, "c").time_step_rank, 7);
}

TEST(Config, IntermediateSizeFallsBackToExpand) {
  auto j = tiny();
  j.erase("intermediate_size");
  j["expand"] = 3;
  EXPECT_EQ(ModelConfig::parse(j, "c").intermediate_size, 96);
  j.erase("expand");
  EXPECT_EQ(ModelConfig::parse(j, "c").intermediate_size, 64);  // transformers' default 2
}

TEST(Config, Defaults) {
  const auto c = ModelConfig::parse(tiny(), "c");
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_TRUE(c.use_conv_bias);
  EXPECT_FALSE(c.use_bias);
  EXPECT_DOUBLE_EQ(c.mixer_rms_eps, 1e-6);
  EXPECT_DOUBLE_EQ(c.layer_norm_epsilon, 1e-5);
  EXPECT_TRUE(c.eos_token_ids.empty());
  EXPECT_EQ(c.bos_token_id, -1);
}

TEST(Config, NewerTransformersWriteDtype) {
  auto j = tiny();
  j["dtype"] = "float32";
  EXPECT_EQ(ModelConfig::parse(j, "c").torch_dtype, "float32");
}

TEST(Config, EosTokenIdList) {
  auto j = tiny();
  j["eos_token_id"] = {11, 10};
  EXPECT_EQ(ModelConfig::parse(j, "c").eos_token_ids, (std::vector<int64_t>{11, 10}));
  j["eos_token_id"] = "x";
  EXPECT_HAS(error_of(j), "eos_token_id");
}

TEST(Config, AlternativeMambaNames) {
  const auto c = ModelConfig::parse(json::parse(R"({"model_type": "mamba", "d_model": 64,
    "n_layer": 3, "d_state": 8, "d_conv": 3, "vocab_size": 50, "rms_norm_eps": 1e-6,
    "expand": 2})"),
                                    "c");
  EXPECT_EQ(c.arch, Arch::Mamba);
  EXPECT_EQ(c.architecture, "MambaForCausalLM");
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.num_layers, 3);
  EXPECT_EQ(c.state_size, 8);
  EXPECT_EQ(c.conv_kernel, 3);
  EXPECT_EQ(c.intermediate_size, 128);
  EXPECT_EQ(c.time_step_rank, 4);
  EXPECT_DOUBLE_EQ(c.layer_norm_epsilon, 1e-6);
}

TEST(Config, ArchitectureAloneOrModelTypeAlone) {
  auto j = tiny();
  j.erase("model_type");
  EXPECT_EQ(ModelConfig::parse(j, "c").model_type, "mamba");
  j = falcon_7b();
  j.erase("architectures");
  EXPECT_EQ(ModelConfig::parse(j, "c").arch, Arch::FalconMamba);
}

TEST(Config, UnknownArchitecture) {
  auto j = tiny();
  j["architectures"] = {"LlamaForCausalLM"};
  j.erase("model_type");
  EXPECT_EQ(error_of(j, "/path/config.json"),
            "unsupported architecture 'LlamaForCausalLM' in /path/config.json (supported: "
            "FalconMambaForCausalLM, MambaForCausalLM)");
  j = tiny();
  j.erase("architectures");
  j["model_type"] = "llama";
  EXPECT_HAS(error_of(j, "/path/config.json"),
             "unsupported model_type 'llama' in /path/config.json");
}

TEST(Config, ArchitectureAndModelTypeDisagree) {
  auto j = tiny();
  j["model_type"] = "falcon_mamba";
  const auto msg = error_of(j, "/path/config.json");
  EXPECT_HAS(msg, "/path/config.json");
  EXPECT_HAS(msg, "MambaForCausalLM");
  EXPECT_HAS(msg, "falcon_mamba");
}

TEST(Config, NoArchitectureAtAll) {
  auto j = tiny();
  j.erase("architectures");
  j.erase("model_type");
  EXPECT_HAS(error_of(j, "/path/config.json"), "/path/config.json");
  j = tiny();
  j["architectures"] = json::array();
  EXPECT_HAS(error_of(j), "'architectures'");
}

TEST(Config, MissingField) {
  for (const char* field :
       {"vocab_size", "hidden_size", "num_hidden_layers", "state_size", "conv_kernel"}) {
    auto j = tiny();
    j.erase(field);
    const auto msg = error_of(j, "/path/config.json");
    EXPECT_HAS(msg, "/path/config.json") << field;
    EXPECT_HAS(msg, std::string("'") + field + "'") << field;
    EXPECT_HAS(msg, "missing") << field;
  }
}

TEST(Config, NonPositiveOrWrongTypedDims) {
  for (const char* field : {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                            "state_size", "conv_kernel", "time_step_rank"}) {
    for (json bad : {json(0), json(-4), json("12"), json(2.5), json(true)}) {
      auto j = tiny();
      j[field] = bad;
      const auto msg = error_of(j, "/path/config.json");
      EXPECT_HAS(msg, "/path/config.json") << field << " " << bad;
      EXPECT_HAS(msg, std::string("'") + field + "'") << field << " " << bad;
    }
  }
  auto j = tiny();
  j["hidden_size"] = 32.0;  // integral floats are tolerated
  EXPECT_EQ(ModelConfig::parse(j, "c").hidden_size, 32);
}

TEST(Config, BadFlagsAndEpsilons) {
  auto j = tiny();
  j["tie_word_embeddings"] = "yes";
  EXPECT_HAS(error_of(j), "'tie_word_embeddings'");
  j = tiny();
  j["layer_norm_epsilon"] = -1;
  EXPECT_HAS(error_of(j), "'layer_norm_epsilon'");
  j = tiny();
  j["mixer_rms_eps"] = "small";
  EXPECT_HAS(error_of(j), "'mixer_rms_eps'");
  EXPECT_HAS(error_of(json::array()), "not a JSON object");
}

TEST(Config, LoadErrorsNameTheFile) {
  const auto dir = test::temp_dir();
  try {
    ModelConfig::load(dir / "config.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), (dir / "config.json").string());
  }
  test::write_file(dir / "config.json", "{\"vocab_size\": 3,");
  try {
    ModelConfig::load(dir / "config.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), (dir / "config.json").string());
    EXPECT_HAS(e.what(), "invalid JSON");
  }
}

TEST(Config, CanonicalIsStableAndSensitive) {
  const auto a = ModelConfig::parse(falcon_7b(), "a");
  auto j = falcon_7b();
  j["expand"] = 2;  // ignored field: same model
  const auto b = ModelConfig::parse(j, "b");
  EXPECT_EQ(a.canonical(), b.canonical());
  j["state_size"] = 8;
  EXPECT_NE(a.canonical(), ModelConfig::parse(j, "c").canonical());
  const auto parsed = json::parse(a.canonical());
  EXPECT_EQ(parsed["intermediate_size"], 8192);
  EXPECT_EQ(parsed["architecture"], "FalconMambaForCausalLM");
}

// The engine's parameter count and state size (what the app's memory estimate asks for
// before a download) agree with the tensors of every fixture: tied and untied heads,
// conv and in/out-projection biases.
TEST(Config, ParameterCountAndStateBytesMatchTheFixtures) {
  for (const std::string& name : test::fixture_models()) {
    const auto dir = test::model_dir(name);
    const ModelConfig c = ModelConfig::load(dir / "config.json");
    const TensorStore store(dir);
    int64_t numel = 0;
    for (const auto& [tensor, view] : store.all()) numel += view->numel();
    EXPECT_EQ(c.parameter_count(), numel) << name;
    const int64_t per_layer =
        (c.conv_kernel - 1) * c.intermediate_size + c.intermediate_size * c.state_size;
    EXPECT_EQ(c.state_bytes(), c.num_layers * per_layer * 4) << name;
    const MemoryEstimate e = memory_estimate(c, 2);
    EXPECT_EQ(e.weight_bytes, 2 * numel) << name;
    EXPECT_EQ(e.total_bytes, e.weight_bytes + c.state_bytes()) << name;
  }
  // the published 7B: 7.27 billion parameters, a 38 MiB state
  const ModelConfig big = ModelConfig::parse(falcon_7b(), "7b");
  EXPECT_GT(big.parameter_count(), 7'200'000'000);
  EXPECT_LT(big.parameter_count(), 7'350'000'000);
  EXPECT_EQ(big.state_bytes(), int64_t(64) * (3 * 8192 + 8192 * 16) * 4);
}

}  // namespace
}  // namespace coil
