// The decode step must not allocate: count every operator new while decoding on the CPU
// backend (the step replays a graph recorded once, into tensors allocated once).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "coil/model.hpp"
#include "coil/session.hpp"
#include "golden.hpp"
#include "options.hpp"
#include "paths.hpp"

namespace {
std::atomic<long> g_allocations{0};
std::atomic<bool> g_counting{false};
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// These replace the global allocation functions: GCC 12 takes free() of what the replaced
// operator new returned for a mismatch (-Wmismatched-new-delete) where it inlines them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

namespace coil {
namespace {

TEST(Decode, DoesNotAllocate) {
  for (const auto& name : test::fixture_models()) {
    ModelOptions o = test::options();
    o.backend = "cpu";
    o.backend_options.threads = 2;
    auto m = Model::open(test::model_dir(name), o);
    Session s(*m);
    std::vector<float> logits(m->config().vocab_size);
    s.decode(1, logits.data());  // first call: nothing lazy may remain after it
    g_allocations = 0;
    g_counting = true;
    for (int i = 0; i < 50; ++i) s.decode((i * 7) % m->config().vocab_size, logits.data());
    g_counting = false;
    EXPECT_EQ(g_allocations.load(), 0) << name;
  }
}

// GGUF files with block-type weights (the CPU backend's dequantizing path).
TEST(Decode, DoesNotAllocateWithQuantizedWeights) {
  for (const char* file : {"mamba-tiny-f16.q8_0.gguf", "falcon-k256.q4_k.gguf"}) {
    ModelOptions o = test::options();
    o.backend = "cpu";
    o.backend_options.threads = 2;
    auto m = Model::open(test::test_data_dir() / "gguf" / file, o);
    Session s(*m);
    std::vector<float> logits(m->config().vocab_size);
    s.decode(1, logits.data());
    g_allocations = 0;
    g_counting = true;
    for (int i = 0; i < 20; ++i) s.decode((i * 7) % m->config().vocab_size, logits.data());
    g_counting = false;
    EXPECT_EQ(g_allocations.load(), 0) << file;
  }
}

}  // namespace
}  // namespace coil

namespace coil {
namespace {

TEST(Prefill, MemoryDoesNotGrowWithPromptLength) {
  ModelOptions o = test::options();
  o.backend = "cpu";
  o.chunk_size = 64;
  auto m = Model::open(test::model_dir("falcon-tiny-bf16"), o);
  Session s(*m);
  const size_t before = m->backend().allocated_bytes();
  std::vector<int32_t> ids(5000);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>((i * 31) % 1000);
  std::vector<float> logits(m->config().vocab_size);
  g_allocations = 0;
  g_counting = true;
  s.eval(ids, logits.data());
  g_counting = false;
  EXPECT_EQ(m->backend().allocated_bytes(), before);
  EXPECT_EQ(g_allocations.load(), 0);  // chunked prefill reuses the chunk tensors
  EXPECT_EQ(s.n_tokens(), 5000);
}

}  // namespace
}  // namespace coil
