// coil quantize --model DIR|FILE --type q8_0|q4_0|q4_1|q5_0|q5_1|q4_k|q5_k|q6_k --out FILE.gguf
//               [--threads N]
#include <iostream>
#include <memory>

#include "cli_common.hpp"
#include "coil/error.hpp"
#include "coil/quantize.hpp"

namespace coil::cli {

void register_quantize(CLI::App& app) {
  struct Args {
    std::string model, type, out;
    int threads = 0;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "quantize", "Write a model (folder or GGUF) as one GGUF file with quantized weights");
  cmd->add_option("--model", args->model, "Model folder (config.json + safetensors) or .gguf file")
      ->required();
  cmd->add_option("--type", args->type,
                  "Weight type: q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k (or f32, f16, bf16)")
      ->required();
  cmd->add_option("--out", args->out, "The GGUF file to write")->required();
  cmd->add_option("--threads", args->threads, "Threads (default: all)");
  cmd->callback([args] {
    QuantizeOptions o;
    o.type = parse_weight_type(args->type);
    o.threads = args->threads;
    // a 7B takes minutes in the K types: a line every 5% of the bytes
    auto shown = std::make_shared<int>(-1);
    o.progress = [shown](double fraction, const std::string& tensor) {
      const int pct = static_cast<int>(fraction * 100);
      if (pct / 5 == *shown / 5 && pct < 100) return;
      *shown = pct;
      std::cerr << "[" << pct << "%] " << tensor << std::endl;
    };
    const QuantizeReport r = quantize_model(args->model, args->out, o);
    for (const auto& note : r.notes) std::cerr << "note: " << note << "\n";
    std::cerr << "wrote " << r.tensors << " tensors (" << r.quantized << " matrices in "
              << dtype_name(o.type) << "), " << r.bytes << " bytes\n";
    std::cout << args->out << "\n";
  });
}

}  // namespace coil::cli
