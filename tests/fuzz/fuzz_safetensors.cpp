// A .safetensors file: the header is parsed and validated, then every tensor's bytes are
// read and widened to float (misaligned data would trip UBSan here).
#include <cstdint>
#include <vector>

#include "coil/error.hpp"
#include "coil/safetensors.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coil;
  const auto path =
      fuzz::write_scratch("model.safetensors", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_errors([&] {
    const SafetensorsFile file(path);
    std::vector<float> widened;
    for (const auto& [name, v] : file.tensors()) {
      const int64_t n = v.numel();
      if (static_cast<size_t>(n) * dtype_size(v.dtype) != v.nbytes) __builtin_trap();
      widened.resize(static_cast<size_t>(n));
      convert_to_f32(v.dtype, v.data, widened.data(), widened.size());
    }
  });
  return 0;
}
