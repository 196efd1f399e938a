// ModelWeights::bind and ModelFiles::open: the fixture models, and every refusal.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "coil/error.hpp"
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

fs::path model_dir(const std::string& name) {
  return test::test_data_dir() / "models" / name;
}

TEST(ModelFiles, OpensFalconTinyF32Tied) {
  const auto m = ModelFiles::open(model_dir("falcon-tiny-f32"));
  EXPECT_EQ(m.config.arch, Arch::FalconMamba);
  ASSERT_EQ(m.weights.layers.size(), 2u);
  EXPECT_EQ(m.weights.lm_head, m.weights.embeddings);
  EXPECT_EQ(m.weights.embeddings->shape, (std::vector<int64_t>{256, 32}));
  EXPECT_EQ(m.weights.embeddings->dtype, DType::F32);
  const LayerWeights& l = m.weights.layers[1];
  EXPECT_EQ(l.in_proj->shape, (std::vector<int64_t>{128, 32}));
  EXPECT_EQ(l.conv_weight->shape, (std::vector<int64_t>{64, 1, 4}));
  ASSERT_NE(l.conv_bias, nullptr);
  EXPECT_EQ(l.in_proj_bias, nullptr);
  EXPECT_EQ(l.out_proj_bias, nullptr);
  EXPECT_EQ(l.x_proj->shape, (std::vector<int64_t>{2 + 32, 64}));  // R = ceil(32/16) = 2
  EXPECT_EQ(l.dt_proj->shape, (std::vector<int64_t>{64, 2}));
  EXPECT_EQ(l.A_log->shape, (std::vector<int64_t>{64, 16}));
  EXPECT_EQ(l.out_proj->shape, (std::vector<int64_t>{32, 64}));
  EXPECT_EQ(m.store->all().size(), 2u + 2 * 10);
}

TEST(ModelFiles, OpensFalconTinyBf16Untied) {
  const auto m = ModelFiles::open(model_dir("falcon-tiny-bf16"));
  ASSERT_NE(m.weights.lm_head, nullptr);
  EXPECT_NE(m.weights.lm_head, m.weights.embeddings);
  EXPECT_EQ(m.weights.lm_head->name, "lm_head.weight");
  EXPECT_EQ(m.weights.lm_head->shape, (std::vector<int64_t>{1000, 64}));
  EXPECT_EQ(m.weights.layers[0].A_log->dtype, DType::BF16);
  EXPECT_EQ(m.weights.layers[0].x_proj->shape, (std::vector<int64_t>{4 + 32, 128}));
}

TEST(ModelFiles, OpensMambaTinyF16) {
  const auto m = ModelFiles::open(model_dir("mamba-tiny-f16"));
  EXPECT_EQ(m.config.arch, Arch::Mamba);
  EXPECT_EQ(m.weights.layers.size(), 3u);
  EXPECT_EQ(m.weights.norm_f->dtype, DType::F16);
  EXPECT_EQ(m.weights.lm_head, m.weights.embeddings);
}

json small_config() {
  return json::parse(R"({"architectures": ["FalconMambaForCausalLM"],
    "model_type": "falcon_mamba", "vocab_size": 50, "hidden_size": 64,
    "intermediate_size": 64, "state_size": 4, "num_hidden_layers": 4, "conv_kernel": 3,
    "time_step_rank": "auto", "tie_word_embeddings": true})");
}

// Writes a synthetic model of `config` (tensors possibly edited) and returns open()'s error.
std::string open_error(const json& config,
                       const std::function<void(std::vector<TensorData>&)>& edit,
                       fs::path* dir_out = nullptr) {
  const auto dir = test::temp_dir() / "model";
  auto tensors = test::model_tensors(ModelConfig::parse(config, "synthetic"), DType::F32);
  edit(tensors);
  test::write_model(dir, config, tensors);
  if (dir_out) *dir_out = dir;
  try {
    ModelFiles::open(dir);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "the model was accepted";
  return {};
}

TensorData* named(std::vector<TensorData>& t, const std::string& name) {
  for (auto& x : t)
    if (x.name == name) return &x;
  ADD_FAILURE() << "no tensor " << name;
  return &t.front();
}

TEST(ModelFiles, EveryModelInTestDataOpens) {
  int n = 0;
  for (const auto& entry : fs::directory_iterator(test::test_data_dir() / "models")) {
    if (!fs::exists(entry.path() / "config.json")) continue;
    const auto m = ModelFiles::open(entry.path());
    EXPECT_EQ(m.weights.layers.size(), static_cast<size_t>(m.config.num_layers)) << entry.path();
    EXPECT_EQ(m.store->all().size(),
              test::model_tensors(m.config).size())  // bound exactly, nothing left over
        << entry.path();
    ++n;
  }
  EXPECT_GE(n, 3);
}

TEST(ModelWeights, SyntheticModelsOfEveryFlavourBind) {
  for (bool bias : {false, true})
    for (bool conv_bias : {false, true})
      for (bool tied : {false, true})
        for (DType dt : {DType::F32, DType::F16, DType::BF16}) {
          auto cfg = small_config();
          cfg["use_bias"] = bias;
          cfg["use_conv_bias"] = conv_bias;
          cfg["tie_word_embeddings"] = tied;
          const auto dir = test::temp_dir() / "m";
          const auto c = ModelConfig::parse(cfg, "synthetic");
          test::write_model(dir, cfg, test::model_tensors(c, dt));
          const auto m = ModelFiles::open(dir);
          const auto& l = m.weights.layers.at(3);
          EXPECT_EQ(l.in_proj_bias != nullptr, bias);
          EXPECT_EQ(l.out_proj_bias != nullptr, bias);
          EXPECT_EQ(l.conv_bias != nullptr, conv_bias);
          EXPECT_EQ(m.weights.lm_head == m.weights.embeddings, tied);
          EXPECT_EQ(l.D->dtype, dt);
          if (bias) {
            EXPECT_EQ(l.in_proj_bias->shape, std::vector<int64_t>{128});
            EXPECT_EQ(l.out_proj_bias->shape, std::vector<int64_t>{64});
          }
        }
}

TEST(ModelWeights, ShapeMismatchNamesTensorFileAndConfigFields) {
  fs::path dir;
  const auto msg = open_error(
      small_config(),
      [](auto& t) {
        *named(t, "backbone.layers.3.mixer.in_proj.weight") =
            test::make_tensor("backbone.layers.3.mixer.in_proj.weight", DType::F32, {256, 64});
      },
      &dir);
  EXPECT_EQ(msg, "tensor backbone.layers.3.mixer.in_proj.weight in " +
                     (dir / "model.safetensors").string() +
                     " has shape [256, 64] but config.json (hidden_size 64, intermediate_size "
                     "64) implies [128, 64]");
}

TEST(ModelWeights, EveryTensorShapeIsChecked) {
  // Grow each tensor's first dimension by one in turn: every one must be refused by name.
  const auto c = ModelConfig::parse(small_config(), "synthetic");
  const auto names = test::model_tensors(c);
  for (const auto& victim : names) {
    const auto msg = open_error(small_config(), [&](auto& t) {
      TensorData* x = named(t, victim.name);
      auto shape = x->shape;
      shape[0] += 1;
      *x = test::make_tensor(x->name, DType::F32, shape);
    });
    EXPECT_HAS(msg, "tensor " + victim.name + " in ");
    EXPECT_HAS(msg, "model.safetensors has shape");
  }
}

TEST(ModelWeights, ConvWeightMustBeThreeDimensional) {
  const auto msg = open_error(small_config(), [](auto& t) {
    *named(t, "backbone.layers.0.mixer.conv1d.weight") =
        test::make_tensor("backbone.layers.0.mixer.conv1d.weight", DType::F32, {64, 3});
  });
  EXPECT_HAS(msg,
             "has shape [64, 3] but config.json (intermediate_size 64, conv_kernel 3) "
             "implies [64, 1, 3]");
}

TEST(ModelWeights, ConfigIntermediateSizeDisagreesWithTensors) {
  // Like the 7B's trap inverted: tensors of intermediate 64, config says 128.
  auto cfg = small_config();
  const auto tensors = test::model_tensors(ModelConfig::parse(cfg, "s"));
  cfg["intermediate_size"] = 128;
  const auto dir = test::temp_dir() / "m";
  test::write_model(dir, cfg, tensors);
  try {
    ModelFiles::open(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "intermediate_size 128");
    EXPECT_HAS(e.what(), (dir / "model.safetensors").string());
  }
}

TEST(ModelWeights, MissingTensor) {
  fs::path dir;
  const auto msg = open_error(
      small_config(),
      [](auto& t) {
        std::erase_if(
            t, [](const TensorData& x) { return x.name == "backbone.layers.2.mixer.A_log"; });
      },
      &dir);
  EXPECT_HAS(msg, "missing tensor backbone.layers.2.mixer.A_log in " + dir.string());
}

TEST(ModelWeights, MissingLayer) {
  auto cfg = small_config();
  cfg["num_hidden_layers"] = 5;
  const auto tensors = test::model_tensors(ModelConfig::parse(small_config(), "s"));
  const auto dir = test::temp_dir() / "m";
  test::write_model(dir, cfg, tensors);
  try {
    ModelFiles::open(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "missing tensor backbone.layers.4.norm.weight");
    EXPECT_HAS(e.what(), "num_hidden_layers 5");
  }
}

TEST(ModelWeights, ExtraTensor) {
  fs::path dir;
  auto msg = open_error(
      small_config(),
      [](auto& t) {
        t.push_back(test::make_tensor("backbone.layers.0.mixer.surprise", DType::F32, {2}));
      },
      &dir);
  EXPECT_HAS(msg, "unexpected tensor backbone.layers.0.mixer.surprise in " +
                      (dir / "model.safetensors").string());
  // A fifth layer that config.json does not know about.
  msg = open_error(small_config(), [](auto& t) {
    t.push_back(test::make_tensor("backbone.layers.4.norm.weight", DType::F32, {64}));
  });
  EXPECT_HAS(msg, "unexpected tensor backbone.layers.4.norm.weight");
  EXPECT_HAS(msg, "num_hidden_layers 4");
  // A bias although use_bias is false.
  msg = open_error(small_config(), [](auto& t) {
    t.push_back(test::make_tensor("backbone.layers.1.mixer.in_proj.bias", DType::F32, {128}));
  });
  EXPECT_HAS(msg, "unexpected tensor backbone.layers.1.mixer.in_proj.bias");
  EXPECT_HAS(msg, "use_bias false");
}

TEST(ModelWeights, LmHeadPresentAlthoughTied) {
  fs::path dir;
  const auto msg = open_error(
      small_config(),
      [](auto& t) {
        t.push_back(test::make_tensor("lm_head.weight", DType::F32, {50, 64}));
      },
      &dir);
  EXPECT_HAS(msg, "tensor lm_head.weight in " + (dir / "model.safetensors").string());
  EXPECT_HAS(msg, "tie_word_embeddings true");
}

TEST(ModelWeights, LmHeadAbsentAlthoughUntied) {
  auto cfg = small_config();
  cfg["tie_word_embeddings"] = false;
  fs::path dir;
  const auto msg = open_error(
      cfg,
      [](auto& t) {
        std::erase_if(t, [](const TensorData& x) { return x.name == "lm_head.weight"; });
      },
      &dir);
  EXPECT_HAS(msg, "missing tensor lm_head.weight in " + dir.string());
  EXPECT_HAS(msg, "tie_word_embeddings false");
}

TEST(ModelWeights, OnlyFloatDtypes) {
  fs::path dir;
  const auto msg = open_error(
      small_config(),
      [](auto& t) {
        *named(t, "backbone.layers.1.mixer.D") =
            test::make_tensor("backbone.layers.1.mixer.D", DType::I32, {64});
      },
      &dir);
  EXPECT_HAS(msg, "tensor backbone.layers.1.mixer.D in " + (dir / "model.safetensors").string());
  EXPECT_HAS(msg, "dtype I32");
}

TEST(ModelWeights, MixedFloatDtypesAreFine) {
  const auto dir = test::temp_dir() / "m";
  auto t = test::model_tensors(ModelConfig::parse(small_config(), "s"), DType::BF16);
  *named(t, "backbone.layers.0.mixer.A_log") =
      test::make_tensor("backbone.layers.0.mixer.A_log", DType::F32, {64, 4});
  test::write_model(dir, small_config(), t);
  const auto m = ModelFiles::open(dir);
  EXPECT_EQ(m.weights.layers[0].A_log->dtype, DType::F32);
  EXPECT_EQ(m.weights.layers[1].A_log->dtype, DType::BF16);
}

TEST(ModelFiles, MissingFolderOrConfig) {
  const auto dir = test::temp_dir();
  try {
    ModelFiles::open(dir / "nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), (dir / "nope").string());
  }
  fs::copy_file(model_dir("falcon-tiny-f32") / "model.safetensors", dir / "model.safetensors");
  try {
    ModelFiles::open(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "config.json");
    EXPECT_HAS(e.what(), dir.string());
  }
  fs::copy_file(model_dir("falcon-tiny-f32") / "config.json", dir / "config.json");
  EXPECT_EQ(ModelFiles::open(dir).weights.layers.size(), 2u);
}

TEST(ModelFiles, WrongConfigForTheTensors) {
  // The bf16 fixture's tensors with the f32 fixture's config: refused, not mis-bound.
  const auto dir = test::temp_dir();
  fs::copy_file(model_dir("falcon-tiny-bf16") / "model.safetensors", dir / "model.safetensors");
  fs::copy_file(model_dir("falcon-tiny-f32") / "config.json", dir / "config.json");
  try {
    ModelFiles::open(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "backbone.embeddings.weight");
    EXPECT_HAS(e.what(), "[1000, 64]");
    EXPECT_HAS(e.what(), "implies [256, 32]");
  }
}

TEST(ModelFiles, WeightsStayValidAfterMove) {
  auto m = ModelFiles::open(model_dir("falcon-tiny-bf16"));
  const void* data = m.weights.layers[1].out_proj->data;
  ModelFiles moved = std::move(m);
  EXPECT_EQ(moved.weights.layers[1].out_proj->data, data);
  EXPECT_EQ(moved.store->find("backbone.layers.1.mixer.out_proj.weight"),
            moved.weights.layers[1].out_proj);
}

}  // namespace
}  // namespace coil
