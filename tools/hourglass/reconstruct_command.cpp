// `hourglass reconstruct`: the model's output for each input (eval mode: a VAE decodes its mean
// code), as an .npy shaped like the model's samples, with an optional grid of inputs above their
// reconstructions, and the mean squared error between the two.
#include <algorithm>
#include <iostream>
#include <memory>

#include "commands.h"
#include "hourglass/core/error.h"
#include "hourglass/io/npy.h"
#include "hourglass/io/png.h"
#include "model_inputs.h"
#include "pictures.h"
#include "run_command_options.h"

namespace hg::cli {
namespace {

struct ReconstructArgs {
  RunCommandOptions common;
  std::string png;
  int64_t png_count = 30;
};

int run_reconstruct(const ReconstructArgs& args) {
  LoadedRun run = open_run(args.common);
  const Tensor inputs = read_model_inputs(args.common.input, run.sample_shape, args.common.limit);
  models::Autoencoder& model = *run.model;
  const std::vector<float> values = reconstruct_all(model, inputs, args.common.batch).to_vector();
  HG_CHECK(values.size() == static_cast<size_t>(inputs.numel()), "the model's outputs hold ",
           values.size(), " values for ", inputs.numel(), " input values");
  const Tensor outputs = Tensor::from_vector(values, inputs.shape());
  io::write_npy(args.common.output, outputs);

  const std::vector<float> x = inputs.to_vector();
  double squared = 0.0;
  for (size_t i = 0; i < x.size(); ++i)
    squared += (static_cast<double>(values[i]) - x[i]) * (static_cast<double>(values[i]) - x[i]);
  std::cout << "reconstructed " << inputs.dim(0) << " samples of " << Shape(run.sample_shape)
            << " (mean squared error " << squared / static_cast<double>(x.size())
            << "): " << args.common.output;
  if (!args.png.empty()) {
    const int64_t shown = std::min(args.png_count, inputs.dim(0));
    io::write_png(args.png, reconstruction_picture(model, inputs.slice_rows(0, shown)));
    std::cout << ", grid of " << shown << " inputs above their reconstructions " << args.png;
  }
  std::cout << std::endl;
  return 0;
}

}  // namespace

Command add_reconstruct_command(CLI::App& app) {
  auto args = std::make_shared<ReconstructArgs>();
  CLI::App* cmd = app.add_subcommand(
      "reconstruct", "Reconstruct inputs through a trained run's model (VAEs: from the mean code)");
  add_run_options(cmd, args->common);
  add_input_option(cmd, args->common,
                   "Inputs: .npy ([N,C,H,W], [N,H,W] or [N,C*H*W]; float in [0,1] or uint8) or "
                   "an IDX image file",
                   true);
  add_output_option(cmd, args->common, "The reconstructions' .npy file", ".npy", true);
  add_file_option(cmd, "--png", args->png, "Also draw inputs above their reconstructions", ".png");
  cmd->add_option("--png-count", args->png_count, "How many samples the --png grid shows")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}))
      ->capture_default_str();
  add_limit_option(cmd, args->common);
  add_batch_option(cmd, args->common);
  return [args] { return run_reconstruct(*args); };
}

}  // namespace hg::cli
