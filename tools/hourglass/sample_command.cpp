// `hourglass sample`: new images from a trained run. Variational models sample their prior
// N(0, I); the others (or --from codes) decode codes drawn from a diagonal Gaussian fitted to the
// codes of the training data (or --input).
#include <iostream>
#include <memory>

#include "commands.h"
#include "hourglass/core/error.h"
#include "hourglass/core/progress.h"
#include "hourglass/io/npy.h"
#include "hourglass/io/png.h"
#include "hourglass/models/generation.h"
#include "hourglass/models/vae.h"
#include "pictures.h"
#include "run_command_options.h"

namespace hg::cli {
namespace {

struct SampleArgs {
  RunCommandOptions common;
  int64_t n = 64;
  std::string png;
  std::string from = "auto";
};

int run_sample(const SampleArgs& args) {
  LoadedRun run = open_run(args.common);
  models::Autoencoder& model = *run.model;
  const bool variational = dynamic_cast<models::VariationalAutoencoder*>(&model) != nullptr;
  const bool prior = args.from == "prior" || (args.from == "auto" && variational);
  HG_CHECK(!prior || variational, "--from prior needs a variational model, and ", run.dir,
           " holds a ", model.type_name(), ": use --from codes");
  Generator gen(args.common.seed);
  Tensor samples;
  std::string how;
  if (prior) {
    samples = generate_samples(model, Tensor(), args.n, gen);
    how = "the prior N(0, I)";
  } else {
    std::string source;
    const Tensor fit = inputs_or_split(run, args.common, data::Split::kTrain, &source);
    const Tensor codes = encode_all(model, fit, args.common.batch);
    if (variational) {
      samples = models::generate(model, models::fit_latent_gaussian(codes), args.n, gen);
    } else {
      samples = generate_samples(model, fit, args.n, gen);
    }
    how = "a diagonal Gaussian fitted to the " + std::to_string(codes.dim(1)) + "-value codes of " +
          format_thousands(fit.dim(0)) + " samples (" + source + ")";
  }
  std::vector<int64_t> shape{args.n};
  shape.insert(shape.end(), run.sample_shape.begin(), run.sample_shape.end());
  samples = samples.to(Device::cpu()).reshape(shape);
  std::cout << "sampled " << args.n << " images from " << how << ":";
  if (!args.common.output.empty()) {
    io::write_npy(args.common.output, samples);
    std::cout << " " << args.common.output;
  }
  if (!args.png.empty()) {
    io::GridOptions options;
    options.columns = 8;
    options.sample_shape = run.sample_shape;
    io::write_png(args.png, io::image_grid(samples, options));
    std::cout << " " << args.png;
  }
  std::cout << std::endl;
  return 0;
}

}  // namespace

Command add_sample_command(CLI::App& app) {
  auto args = std::make_shared<SampleArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sample", "New images: a VAE's prior, or a Gaussian fitted to the codes of the data");
  add_run_options(cmd, args->common);
  cmd->add_option("--n", args->n, "How many samples")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}))
      ->capture_default_str();
  CLI::Option* output =
      add_output_option(cmd, args->common, "The samples' .npy file", ".npy", false);
  CLI::Option* png = add_file_option(cmd, "--png", args->png, "The samples as a grid", ".png");
  cmd->add_option("--from", args->from,
                  "prior (variational models), codes (a Gaussian fitted to the data's codes), or "
                  "auto: prior when the model has one")
      ->check(CLI::IsMember({"auto", "prior", "codes"}))
      ->capture_default_str();
  add_input_option(cmd, args->common,
                   "--from codes: fit to these inputs' codes instead of the run's training split",
                   false);
  add_data_option(cmd, args->common);
  add_limit_option(cmd, args->common);
  add_seed_option(cmd, args->common);
  add_batch_option(cmd, args->common);
  cmd->callback([output, png] {
    if (output->count() == 0 && png->count() == 0)
      throw CLI::ValidationError("sample", "give --output FILE.npy, --png FILE.png or both");
  });
  return [args] { return run_sample(*args); };
}

}  // namespace hg::cli
