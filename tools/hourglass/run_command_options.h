// The options the commands on a trained run share (--run, --device, --input, --output, --limit,
// --seed, --batch, --data) and what they do with them: open the run on the chosen device, read
// its data split. Each command registers only the options it takes.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "hourglass/core/tensor.h"
#include "hourglass/data/dataset.h"
#include "run_config.h"

namespace hg::cli {

struct RunCommandOptions {
  std::string run;
  std::string device = "auto";
  std::string input;
  std::string output;
  std::string data;  // overrides the run's data folder (config.json's "data")
  int64_t limit = -1;
  uint64_t seed = 0;
  int64_t batch = 256;
  CLI::Option* input_option = nullptr;
  CLI::Option* output_option = nullptr;
};

// --run DIR (required) and --device.
void add_run_options(CLI::App* cmd, RunCommandOptions& o);
// --input FILE (.npy or IDX), --output FILE (its name must end in `extension`, e.g. ".npy").
CLI::Option* add_input_option(CLI::App* cmd, RunCommandOptions& o, const std::string& help,
                              bool required);
CLI::Option* add_output_option(CLI::App* cmd, RunCommandOptions& o, const std::string& help,
                               const std::string& extension, bool required);
// A file option of `cmd` whose name must end in `extension`.
CLI::Option* add_file_option(CLI::App* cmd, const std::string& flag, std::string& value,
                             const std::string& help, const std::string& extension);
CLI::Option* add_limit_option(CLI::App* cmd, RunCommandOptions& o);
CLI::Option* add_seed_option(CLI::App* cmd, RunCommandOptions& o);
CLI::Option* add_batch_option(CLI::App* cmd, RunCommandOptions& o);
CLI::Option* add_data_option(CLI::App* cmd, RunCommandOptions& o);

// load_run(--run) on Device::parse(--device).
LoadedRun open_run(const RunCommandOptions& o);

// Where the model's parameters live.
Device model_device(const models::Autoencoder& model);

// The run's data folder: --data when given, else config.json's "data".
std::string run_data_dir(const LoadedRun& run, const RunCommandOptions& o);
// A split of the run's data (the first --limit samples), checked against the model's sample shape.
data::Dataset load_run_split(const LoadedRun& run, const RunCommandOptions& o, data::Split split);

// --input's samples for the run's model (model_inputs.h), or the split's images without one.
// `source` receives a description for summaries ("x.npy", "the test split of DIR").
Tensor inputs_or_split(const LoadedRun& run, const RunCommandOptions& o, data::Split split,
                       std::string* source);

// "[64, 1, 28, 28]".
std::string shape_text(const Tensor& t);

}  // namespace hg::cli
