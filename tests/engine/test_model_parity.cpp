// Whole-model parity: every fixture checkpoint on every compiled backend against golden
// logits from an independent float64 reference, at every position; one-shot, chunked and
// token-by-token runs; and runs split by saving and restoring the state.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "coil/error.hpp"
#include "coil/model.hpp"
#include "coil/session.hpp"
#include "coil/state.hpp"
#include "golden.hpp"
#include "options.hpp"
#include "paths.hpp"

namespace coil {
namespace {

using test::GoldenCase;

// Tolerance (max |diff| / max |ref|) for a checkpoint on a backend: the bounds.
double tolerance(const Model& m) {
  const bool f32 = m.weight_dtype() == DType::F32;
  const std::string be = m.backend().info().name;
  const bool cpu = be == "cpu" || be == "cpu-ref";
  if (!f32) return 5e-3;
  return cpu ? 1e-4 : 1e-3;
}

class Parity : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
 protected:
  void SetUp() override {
    const auto& [backend, model] = GetParam();
    try {
      create_backend(backend, test::backend_options());
    } catch (const Error& e) {
      GTEST_SKIP() << "backend " << backend << " cannot run here: " << e.what();
    }
    cases_ = test::load_golden(model);
  }
  std::unique_ptr<Model> open(int64_t chunk, bool fused_decode = true) {
    ModelOptions o = test::options();
    o.backend = std::get<0>(GetParam());
    o.chunk_size = chunk;
    o.fused_decode = fused_decode;
    return Model::open(test::model_dir(std::get<1>(GetParam())), o);
  }
  std::vector<float> run(Model& m, const std::vector<int32_t>& ids) {
    Session s(m);
    std::vector<float> out(ids.size() * m.config().vocab_size);
    s.eval(ids, out.data(), true);
    return out;
  }
  std::vector<GoldenCase> cases_;
};

TEST_P(Parity, OneShotMatchesGoldenAtEveryPosition) {
  auto m = open(1024);
  for (const auto& c : cases_) {
    const auto out = run(*m, c.ids);
    ASSERT_EQ(out.size(), c.logits.size()) << c.name;
    const double d = test::rel_diff(out.data(), c.logits.data(), out.size());
    EXPECT_LT(d, tolerance(*m)) << c.name;
    RecordProperty(c.name + "_rel_diff", std::to_string(d));
  }
}

TEST_P(Parity, ChunkedMatchesOneShot) {
  auto whole = open(1024);
  for (int64_t chunk : {7, 64}) {
    auto m = open(chunk);
    for (const auto& c : cases_) {
      const auto a = run(*whole, c.ids), b = run(*m, c.ids);
      EXPECT_LT(test::rel_diff(b.data(), a.data(), a.size()), 1e-5) << c.name << " chunk " << chunk;
      EXPECT_LT(test::rel_diff(b.data(), c.logits.data(), a.size()), tolerance(*m)) << c.name;
    }
  }
}

TEST_P(Parity, TokenByTokenMatchesGolden) {
  auto m = open(64);
  const int64_t V = m->config().vocab_size;
  for (const auto& c : cases_) {
    Session s(*m);
    std::vector<float> out(c.ids.size() * V);
    for (size_t i = 0; i < c.ids.size(); ++i) s.decode(c.ids[i], out.data() + i * V);
    EXPECT_LT(test::rel_diff(out.data(), c.logits.data(), out.size()), tolerance(*m)) << c.name;
    EXPECT_EQ(s.n_tokens(), static_cast<int64_t>(c.ids.size()));
  }
}

// The fused decode ops (where a backend has them) against the unfused sequence on the same
// backend, token by token over every case (the decode path of every fixture).
TEST_P(Parity, FusedDecodeMatchesUnfusedDecode) {
  auto m = open(64);
  const Backend& be = m->backend();
  const bool has_fused = be.supports(Op::NormMatMul, m->weight_dtype()) &&
                         be.supports(Op::MatMulAdd, m->weight_dtype()) &&
                         be.supports(Op::ProjScan, m->weight_dtype());
  const int64_t V = m->config().vocab_size;
  // the model-wide option (COIL_FUSED_DECODE=0 in the programs) holds for every session
  EXPECT_FALSE(Session(*open(64, /*fused_decode=*/false)).fused_decode());
  for (const auto& c : cases_) {
    Session fused(*m);
    EXPECT_EQ(fused.fused_decode(), has_fused);
    Session plain(*m, /*fused_decode=*/false);
    EXPECT_FALSE(plain.fused_decode()) << "fused_decode false turns the fused ops off";
    std::vector<float> a(V), b(V);
    double worst = 0;
    for (int32_t id : c.ids) {
      fused.decode(id, a.data());
      plain.decode(id, b.data());
      worst = std::max(worst, test::rel_diff(a.data(), b.data(), a.size()));
    }
    EXPECT_LT(worst, 1e-4) << c.name << (has_fused ? " (fused ops)" : " (both unfused)");
  }
}

TEST_P(Parity, SaveRestoreSplitReproducesUninterruptedRunExactly) {
  const int64_t chunk = 16;
  auto m = open(chunk);
  const int64_t V = m->config().vocab_size;
  const auto dir = test::temp_dir();
  for (const auto& c : cases_) {
    // split at a chunk boundary so both runs issue the same ops on the same shapes (GPU
    // GEMM libraries choose algorithms by shape)
    ASSERT_GT(c.ids.size(), size_t(chunk)) << c.name;
    const size_t split = chunk;
    const auto full = run(*m, c.ids);
    std::vector<float> out(c.ids.size() * V);
    const auto path = dir / (c.name + ".coilstate");
    {
      Session s(*m);
      s.eval(std::span(c.ids.data(), split), out.data(), true);
      write_state_file(path, s.save_state());
    }
    Session s2(*m);
    s2.restore_state(read_state_file(path, m->fingerprint()));
    EXPECT_EQ(s2.n_tokens(), static_cast<int64_t>(split));
    s2.eval(std::span(c.ids.data() + split, c.ids.size() - split), out.data() + split * V, true);
    EXPECT_EQ(std::memcmp(out.data(), full.data(), out.size() * 4), 0)
        << c.name << " split " << split;

    // token by token: decode, save mid-way, restore in a fresh session, continue
    std::vector<float> a(V), b(V);
    Session u(*m), p(*m);
    for (size_t i = 0; i < c.ids.size(); ++i) u.decode(c.ids[i], a.data());
    for (size_t i = 0; i < split; ++i) p.decode(c.ids[i], b.data());
    Session r(*m);
    r.restore_state(p.save_state());
    EXPECT_EQ(r.token_hash(), p.token_hash());
    for (size_t i = split; i < c.ids.size(); ++i) r.decode(c.ids[i], b.data());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), V * 4), 0) << c.name << " decode split";
    EXPECT_EQ(r.token_hash(), u.token_hash());
  }
}

std::vector<std::string> backends() {
  std::vector<std::string> b;
  for (const auto& n : compiled_backends()) b.push_back(n);
  return b;
}

INSTANTIATE_TEST_SUITE_P(AllBackends, Parity,
                         ::testing::Combine(::testing::ValuesIn(backends()),
                                            ::testing::ValuesIn(test::fixture_models())),
                         [](const auto& info) {
                           std::string n = std::get<0>(info.param) + "_" + std::get<1>(info.param);
                           for (auto& ch : n)
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace coil
