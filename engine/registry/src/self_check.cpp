// self_check(): the op cases of OpCoverage::SelfCheck (coil/op_cases.hpp) on the backend
// against the CPU reference, then a captured graph replayed with new inputs.
#include "coil/self_check.hpp"

#include <cstdio>
#include <exception>
#include <memory>

#include "coil/cpu_ref_backend.hpp"
#include "coil/op_cases.hpp"

namespace coil {

namespace {

constexpr double kTolerance = 1e-3;

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// The first failure of a comparison, or "".
std::string judge(const std::string& what, const OpPairs::Diff& d) {
  if (!d.finite) return what + " gives non-finite values";
  if (d.rel > kTolerance)
    return what + " differs from the CPU reference by " + short_number(d.rel) +
           " (max |diff| / max |ref|; allowed " + short_number(kTolerance) + ")";
  return "";
}

// The decode step runs as a replayed graph: a replay must see inputs uploaded after capture.
std::string check_graph(OpPairs& t, DType wdt, bool fault) {
  const int64_t kK = dtype_block_size(wdt) > 1 ? 512 : 264, kN = 37;
  if (!t.dev().supports(Op::MatMul, wdt)) return "";
  const TensorPair x = t.random(1, kK), w = t.random(kN, kK, -0.5f, 0.5f, wdt),
                   out = t.zeros(1, kN);
  std::unique_ptr<Graph> graph;
  try {
    graph = t.dev().capture([&] { t.dev().matmul(x.dev, w.dev, nullptr, out.dev); });
  } catch (const std::exception& e) {
    return std::string("a captured graph failed: ") + e.what();
  }
  t.refill(x, -1, 1);
  try {
    graph->replay();
  } catch (const std::exception& e) {
    return std::string("a graph replay failed: ") + e.what();
  }
  t.ref().matmul(x.ref, w.ref, nullptr, out.ref);
  OpPairs::Diff d;
  try {
    d = t.diff(out, fault ? 1.0f : 0.0f);
  } catch (const std::exception& e) {
    return std::string("a graph replay failed: ") + e.what();
  }
  const std::string wrong =
      judge(std::string("a graph replay of matmul (") + dtype_name(wdt) + ", 1 token)", d);
  if (!wrong.empty()) return wrong;
  try {
    graph.reset();
    t.dev().synchronize();
  } catch (const std::exception& e) {
    return std::string("releasing a graph failed: ") + e.what();
  }
  return "";
}

}  // namespace

std::string self_check(Backend& backend, DType weight_dtype, const std::string& fault) {
  const std::unique_ptr<Backend> ref = create_cpu_reference_backend();
  OpPairs t(backend, *ref, 20261124);
  for (const OpCase& c : op_cases(OpCoverage::SelfCheck, weight_dtype)) {
    if (!backend.supports(c.op, c.weight_dtype)) continue;  // the session does not run it
    const bool faulty = fault == op_name(c.op);
    std::string failure;
    try {
      c.run(t, [&](const std::string& what, const TensorPair& out, double) {
        if (failure.empty()) failure = judge(what, t.diff(out, faulty ? 1.0f : 0.0f));
      });
    } catch (const std::exception& e) {
      failure = std::string(op_name(c.op)) + " failed: " + e.what();
    }
    if (!failure.empty()) return failure;
  }
  return check_graph(t, weight_dtype, fault == "graph");
}

}  // namespace coil
