// The options of `hourglass train` and their resolution into a model choice and a recipe: the
// preset's (or spec file's) recipe, with every recipe option given on the command line (CLI11's
// count() > 0) taking its place.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hourglass/models/presets.h"
#include "hourglass/models/recipe.h"
#include "hourglass/models/spec.h"

namespace hg::cli {

// A recipe option: its flag, and how to copy its value into a recipe.
struct RecipeOption {
  CLI::Option* option = nullptr;
  std::string flag;
  std::function<void(models::Recipe& to, const models::Recipe& from)> copy;
};

struct TrainArgs {
  std::string model = "dense";
  std::string spec;
  std::string data = "mnist";
  uint64_t seed = 0;
  std::string device = "auto";
  std::string conv_impl = "native";
  std::string cuda_graph = "on";  // --cuda-graph on|off: replay the step as a CUDA graph on a GPU
  int64_t limit = -1;
  std::string out;
  std::string config;      // --config FILE (expanded before parsing; see config_file.h)
  bool resume = false;     // continue the run in --out from its checkpoint
  bool overwrite = false;  // replace another run's files in --out
  int64_t log_every = 0;   // > 0: a metrics.jsonl record every N steps
  bool pictures = true;    // reconstructions, samples, latent map, loss curves, report.html
  models::Recipe given;    // the command line's values of the recipe options
  std::vector<RecipeOption> recipe_options;
  // The dense presets' layers.
  std::vector<int64_t> hidden{64};
  std::string activation = "relu";
  std::string output_activation = "sigmoid";
  CLI::Option* spec_option = nullptr;
  CLI::Option* model_option = nullptr;
  CLI::Option* data_option = nullptr;
  CLI::Option* seed_option = nullptr;
  CLI::Option* limit_option = nullptr;
  CLI::Option* hidden_option = nullptr;
  CLI::Option* activation_option = nullptr;
  CLI::Option* output_activation_option = nullptr;
};

// What to build and how to train it.
struct ResolvedRun {
  const models::Preset* preset = nullptr;          // null for a spec
  std::optional<models::ModelSpec> spec;           // set for --spec
  std::optional<models::DenseArchitecture> dense;  // --hidden / --activation / --output-activation
  models::Recipe recipe;
  std::vector<std::string> overrides;  // the recipe flags given, e.g. "--lr"
};

// Registers the train options on `cmd`, and --config FILE: a TOML file of the same options
// (`model = "keras-conv"`, `epochs = 5`, `noise = "gaussian"`, ...; the command line wins).
void add_train_options(CLI::App* cmd, TrainArgs& args);

// --overwrite and --resume exclude each other.
// --resume takes the model, data and recipe from the run directory: only --out (required),
// --epochs (the new total), --device, --conv-impl, --log-every and --no-pictures may be given.
// hg::Error naming the offending flags otherwise.
void check_resume_flags(const TrainArgs& args);

// The preset or spec with its recipe and the command line's overrides. Throws hg::Error for bad
// combinations (--l1 without --sparsity l1, --tied on a conv preset, ...) and bad spec files.
// The spec file is read only when read_spec is true.
ResolvedRun resolve_run(const TrainArgs& args, bool read_spec = true);

// The --help footer: every preset with its architecture and recipe on one line each.
std::string presets_help();

}  // namespace hg::cli
