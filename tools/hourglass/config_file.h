// `--config FILE` for any command: a TOML file whose keys are the command's long option names
// without the dashes (`model = "keras-conv"`, `epochs = 5`, `hidden = [128, 64]`, `tied = true`).
// Its entries become command-line arguments placed before the user's own, and an option the
// user gives on the command line is taken from there instead, so the command line wins. Unknown
// keys then fail parsing like unknown flags (exit 2). Done before CLI11 parses, because CLI11
// 2.1 reads a config file only for the top-level app, not for a subcommand.
#pragma once

#include <string>
#include <vector>

namespace hg::cli {

// args: the program's arguments without argv[0]. Returns them with every `--config FILE` /
// `--config=FILE` replaced by the file's options (hg::Error for an unreadable file, TOML syntax
// errors with line and column, tables, and values that are not strings, numbers, booleans or
// flat arrays of those).
std::vector<std::string> expand_config_files(const std::vector<std::string>& args);

}  // namespace hg::cli
