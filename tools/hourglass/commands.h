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

}  // namespace hg::cli
