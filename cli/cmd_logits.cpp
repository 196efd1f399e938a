// coil logits --model DIR --ids 1,2,3 --out FILE [--state-in F] [--state-out F]
// Writes little-endian float32 [n_ids, vocab], row-major.
#include <memory>
#include <vector>

#include "cli_common.hpp"
#include "coil/atomic_file.hpp"
#include "coil/error.hpp"
#include "coil/session.hpp"
#include "coil/state.hpp"

namespace coil::cli {

void register_logits(CLI::App& app) {
  struct Args {
    ModelArgs model;
    std::string ids, out, state_in, state_out;
  };
  auto args = std::make_shared<Args>();
  auto* cmd =
      app.add_subcommand("logits", "Write the logits at every position of a token sequence");
  args->model.add_to(cmd);
  cmd->add_option("--ids", args->ids, "Comma-separated token ids")->required();
  cmd->add_option("--out", args->out, "Output file: float32 [n_ids, vocab]")->required();
  cmd->add_option("--state-in", args->state_in, "Start from this saved state");
  cmd->add_option("--state-out", args->state_out, "Save the state after the last id here");
  cmd->callback([args] {
    const auto ids = parse_ids(args->ids);
    auto model = open_model(args->model);
    Session session(*model);
    if (!args->state_in.empty())
      session.restore_state(MappedStateFile(args->state_in, model->fingerprint()).view());
    std::vector<float> logits(ids.size() * model->config().vocab_size);
    session.eval(ids, logits.data(), /*all_logits=*/true);
    if (!args->state_out.empty()) write_state_file(args->state_out, session.save_state());
    write_file_atomically(args->out, logits.data(), logits.size() * sizeof(float));
  });
}

}  // namespace coil::cli
