// The subcommands of the `hourglass` program. Each add_*_command registers its options on the
// main CLI11 app and returns the function that runs it once parsing succeeded; that function
// returns the exit code and may throw hg::Error (main prints it on one line and exits 1).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace hg::cli {

using Command = std::function<int()>;

Command add_train_command(CLI::App& app);
Command add_info_command(CLI::App& app);

// Commands on a trained run (--run DIR): inference_commands.cpp and friends.
Command add_eval_command(CLI::App& app);
Command add_encode_command(CLI::App& app);
Command add_decode_command(CLI::App& app);
Command add_reconstruct_command(CLI::App& app);
Command add_sample_command(CLI::App& app);
Command add_interpolate_command(CLI::App& app);
Command add_latent_map_command(CLI::App& app);

// The applications: image-to-image repairs, semantic hashing, classification.
Command add_denoise_command(CLI::App& app);
Command add_inpaint_command(CLI::App& app);
Command add_super_resolve_command(CLI::App& app);
Command add_hash_command(CLI::App& app);
Command add_classify_command(CLI::App& app);

}  // namespace hg::cli
