// A GPU backend's check before it is trusted with a model: every op the session runs, on
// small random tensors with the model's weight dtype, against the CPU reference (as in
// tests/engine/test_backend_ops.cpp, but a few milliseconds at load). A driver or kernel
// that computes wrong numbers on this machine is then refused with the op and the error,
// and the engine falls back to the next backend, instead of answering garbage in a chat.
#pragma once
#include <string>

#include "coil/backend.hpp"

namespace coil {

// "" when every op matches the CPU reference within 1e-3 (max |diff| / max |ref|);
// otherwise the first failure, e.g. "matmul (BF16, 5 tokens) differs from the CPU reference
// by 0.31" or "selective_scan failed: <error>". Ops the backend does not support() are
// skipped (the session does not run them either).
// `fault` (an op name, COIL_SELF_CHECK_FAULT in the programs) makes that op's result count
// as wrong: tests use it to provoke the refusal on a backend that works.
std::string self_check(Backend& backend, DType weight_dtype, const std::string& fault = "");

}  // namespace coil
