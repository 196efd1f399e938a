// A model folder: config.json and model.safetensors (two parts of the input). The config is
// parsed, the tensors bound and checked against it, and when everything holds, the model is
// loaded on the reference CPU backend and runs one decode step.
#include <cstdint>
#include <vector>

#include "coil/error.hpp"
#include "coil/model.hpp"
#include "coil/session.hpp"
#include "coil/weights.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coil;
  const auto parts = fuzz::split_parts({reinterpret_cast<const char*>(data), size}, 2);
  fuzz::write_scratch("model/config.json", parts[0]);
  fuzz::write_scratch("model/model.safetensors", parts[1]);
  const auto dir = fuzz::scratch_dir() / "model";
  fuzz::expect_errors([&] {
    const ModelFiles files = ModelFiles::open(dir);
    ModelOptions options;
    options.backend = "cpu-ref";
    options.chunk_size = 4;
    auto model = Model::open(dir, options);
    Session session(*model);
    const int32_t ids[] = {0, static_cast<int32_t>(model->config().vocab_size - 1)};
    std::vector<float> logits(static_cast<size_t>(model->config().vocab_size));
    session.eval(ids, logits.data());
    session.decode(0, logits.data());
  });
  return 0;
}
