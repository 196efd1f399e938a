// The one table of op cases: every op of the Backend interface on random inputs, run on a
// backend under test and on the CPU reference side by side. The GPU self-check
// (self_check.cpp, a few small shapes with the model's weight dtype, at load) and the
// conformance test (tests/engine/test_backend_ops.cpp, every shape and weight dtype) both
// run it; a new op gets its cases here once.
#pragma once
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "coil/backend.hpp"

namespace coil {

// The same tensor on the backend under test (dev) and on the reference (ref).
struct TensorPair {
  Tensor dev, ref;
  const Tensor& side(bool on_ref) const { return on_ref ? ref : dev; }
};

// Makes tensors on both backends with the same contents, runs ops on both, compares.
class OpPairs {
 public:
  OpPairs(Backend& dev, Backend& ref, uint32_t seed);

  Backend& dev() const { return dev_; }
  Backend& ref() const { return ref_; }
  // rows x cols uniform in [lo, hi], stored in dt (rounded to it).
  TensorPair random(int64_t rows, int64_t cols, float lo = -1, float hi = 1, DType dt = DType::F32);
  // rows x cols of block type dt, of every bit pattern (random_blocks below).
  TensorPair random_blocks(DType dt, int64_t rows, int64_t cols);
  // rows x cols of block type dt, uniform in [lo, hi], given to each backend as a model's
  // weight (upload_weight: a backend may copy it into a layout of its own; the host data
  // lives as long as this object).
  TensorPair uploaded_weight(DType dt, int64_t rows, int64_t cols, float lo, float hi);
  TensorPair zeros(int64_t rows, int64_t cols);
  TensorPair ids(const std::vector<int32_t>& ids);  // [1, n] I32
  // A = -exp(A_log) of a trained Mamba: negative, growing with n (S4D-real init). [D, N]
  TensorPair decay_rates(int64_t D, int64_t N);
  // New uniform contents for an F32 pair.
  void refill(const TensorPair& p, float lo, float hi);
  // Runs op(backend, on_ref) on the device (an exception propagates), then on the reference.
  void run(const std::function<void(Backend&, bool on_ref)>& op);

  struct Diff {
    double rel = 0;  // max |dev - ref| / max |ref| (max |dev - ref| when ref is all zero)
    bool finite = true;
  };
  // Downloads both; `add_to_dev` is added to every device value first (the self-check's
  // fault hook).
  Diff diff(const TensorPair& p, float add_to_dev = 0.0f) const;

 private:
  TensorPair make(DType dt, int64_t rows, int64_t cols, const std::vector<float>& values);

  Backend& dev_;
  Backend& ref_;
  std::mt19937 rng_;
  std::vector<std::vector<uint8_t>> weights_;  // uploaded_weight's host data
};

// n blocks of block type t: the even ones quantized from random values (realistic scales),
// the odd ones random bytes (every code, scale and min bit pattern) with each f16 scale
// field replaced by a small finite value. For the kernels that read blocks: what a quantizer
// writes is not all a file may hold.
std::vector<uint8_t> random_blocks(DType t, int64_t n, uint32_t seed);

// Called after each op of a case with one of its outputs: what it is ("selective_scan state
// (F32, 5 tokens)") and the largest relative difference the conformance test allows (0:
// bit-exact).
using OpCheckFn =
    std::function<void(const std::string& what, const TensorPair& out, double tolerance)>;

struct OpCase {
  Op op;
  DType weight_dtype;   // F32 for ops without weights
  std::string variant;  // "" or what sets the case apart ("weightless, in place on views")
  std::string shape;    // "T=5 K=264 N=37", for people
  // Makes its inputs, runs the op (device first) and checks each output, in order.
  std::function<void(OpPairs&, const OpCheckFn&)> run;
};

enum class OpCoverage {
  SelfCheck,    // small shapes (tails of every vector width), weights of one dtype
  Conformance,  // every shape of the conformance test, weights in F32, F16 and BF16
};

// The cases of `coverage`, in a fixed order; `weight_dtype` is the SelfCheck's.
std::vector<OpCase> op_cases(OpCoverage coverage, DType weight_dtype = DType::F32);

}  // namespace coil
