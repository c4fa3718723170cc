// `hourglass latent-map`: every input's code as a point coloured by its label; codes wider than
// two values are projected on their first two principal components, and the picture and the
// summary say how much of the variance those keep.
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"
#include "hourglass/core/error.h"
#include "hourglass/io/png.h"
#include "model_inputs.h"
#include "pictures.h"
#include "run_command_options.h"

namespace hg::cli {
namespace {

struct LatentMapArgs {
  RunCommandOptions common;
  std::string labels;
};

int run_latent_map(const LatentMapArgs& args) {
  LoadedRun run = open_run(args.common);
  Tensor inputs, labels;
  std::string source;
  if (!args.common.input.empty()) {
    inputs = read_model_inputs(args.common.input, run.sample_shape, args.common.limit);
    source = args.common.input;
    if (!args.labels.empty()) labels = read_labels(args.labels);
  } else {
    const data::Dataset test = load_run_split(run, args.common, data::Split::kTest);
    inputs = test.images;
    labels = test.labels;
    source = "the test split of " + run_data_dir(run, args.common);
  }
  std::vector<int32_t> label_values;
  if (labels.defined()) {
    HG_CHECK(labels.dim(0) >= inputs.dim(0), "'", args.labels, "' holds ", labels.dim(0),
             " labels for ", inputs.dim(0), " inputs");
    label_values = labels.slice_rows(0, inputs.dim(0)).to_vector_i32();
  }
  const Tensor codes = encode_all(*run.model, inputs, args.common.batch);
  const Projection2d points = project_codes_2d(codes);
  const int64_t width = codes.dim(1);
  char share[32];
  std::snprintf(share, sizeof(share), "%.1f%%", points.explained_variance * 100.0);
  const std::string name = run.run.preset != nullptr ? run.run.preset->name : run.run.spec->name;
  const std::string title = points.is_pca ? name + ": PCA of " + std::to_string(width) +
                                                "-D codes (" + share + " of the variance)"
                                          : name + ": " + std::to_string(width) + "-D codes";
  io::write_png(args.common.output, latent_map_picture(points, label_values, title));
  std::cout << "latent map of " << inputs.dim(0) << " codes of " << width << " values (" << source
            << (label_values.empty() ? ", unlabelled" : ", coloured by label") << ")";
  if (points.is_pca)
    std::cout << ", PCA to 2-D (the first two components explain " << share << " of the variance)";
  std::cout << ": " << args.common.output << std::endl;
  return 0;
}

}  // namespace

Command add_latent_map_command(CLI::App& app) {
  auto args = std::make_shared<LatentMapArgs>();
  CLI::App* cmd = app.add_subcommand(
      "latent-map", "Codes in 2-D coloured by label (a PCA projection for wider codes)");
  add_run_options(cmd, args->common);
  CLI::Option* input = add_input_option(
      cmd, args->common, "Inputs (.npy or IDX; default: the run's test split)", false);
  CLI::Option* labels =
      cmd->add_option("--labels", args->labels, "Labels of --input (.npy int32/uint8 or IDX)");
  add_data_option(cmd, args->common);
  add_output_option(cmd, args->common, "The map's .png", ".png", true);
  add_limit_option(cmd, args->common);
  add_batch_option(cmd, args->common);
  cmd->callback([input, labels] {
    if (labels->count() > 0 && input->count() == 0)
      throw CLI::ValidationError("latent-map",
                                 "--labels labels --input; without --input the run's test split "
                                 "brings its own");
  });
  return [args] { return run_latent_map(*args); };
}

}  // namespace hg::cli
