// A .coilstate file, read, checked and restored into a session of the tiny Falcon model
// (tests/data). The first input byte chooses what the harness repairs so that the fuzzer
// gets past the checks a random file cannot pass: bit 0 rewrites the trailing checksum,
// bit 1 writes the model's fingerprint into the header. The rest is the file.
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "coil/error.hpp"
#include "coil/hash.hpp"
#include "coil/model.hpp"
#include "coil/session.hpp"
#include "coil/state.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coil;
  static const std::unique_ptr<Model> model = [] {
    ModelOptions options;
    options.backend = "cpu-ref";
    return Model::open(fuzz::test_data_dir() / "models" / "falcon-tiny-f32", options);
  }();
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  std::vector<uint8_t> file(data + 1, data + size);
  if ((flags & 2) && file.size() >= 24) {
    const uint64_t fp = model->fingerprint();
    std::memcpy(file.data() + 16, &fp, 8);
  }
  if ((flags & 1) && file.size() >= 8) {
    const uint64_t sum = hash_bytes(file.data(), file.size() - 8);
    std::memcpy(file.data() + file.size() - 8, &sum, 8);
  }
  fuzz::expect_errors([&] {
    const StateView view = parse_state_view(file.data(), file.size(), 0, "fuzz.coilstate");
    const RecurrentState copy = parse_state(file.data(), file.size(), 0, "fuzz.coilstate");
    if (copy.n_tokens < 0 || copy.data.size() != view.floats()) __builtin_trap();
    if (serialize_state(copy) != file) __builtin_trap();  // what was read writes back the same
    Session session(*model);
    session.restore_state(view);
    std::vector<float> logits(static_cast<size_t>(model->config().vocab_size));
    session.decode(1, logits.data());
  });
  const auto path = fuzz::write_scratch("fuzz.coilstate",
                                        {reinterpret_cast<const char*>(file.data()), file.size()});
  fuzz::expect_errors([&] { read_state_file(path, model->fingerprint()); });
  return 0;
}
