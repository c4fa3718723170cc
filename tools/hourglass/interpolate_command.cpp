// `hourglass interpolate`: decodes of a z_b + (1 - a) z_a for a from 0 to 1 between two inputs'
// codes (a VAE's means), drawn as one strip: input a, the decodes, input b.
#include <iostream>
#include <memory>

#include "commands.h"
#include "hourglass/core/error.h"
#include "hourglass/io/npy.h"
#include "hourglass/io/png.h"
#include "pictures.h"
#include "run_command_options.h"

namespace hg::cli {
namespace {

struct InterpolateArgs {
  RunCommandOptions common;
  int64_t a = 0, b = 1;
  int64_t steps = 10;
  std::string npy;
};

io::Image row_of(const Tensor& batch, const std::vector<int64_t>& sample_shape) {
  io::GridOptions options;
  options.columns = static_cast<int>(batch.dim(0));
  options.sample_shape = sample_shape;
  return io::image_grid(batch.reshape({batch.dim(0), -1}), options);
}

int run_interpolate(const InterpolateArgs& args) {
  LoadedRun run = open_run(args.common);
  std::string source;
  const Tensor inputs = inputs_or_split(run, args.common, data::Split::kTest, &source);
  const int64_t n = inputs.dim(0);
  for (const auto& [flag, index] :
       {std::pair<const char*, int64_t>{"--a", args.a}, {"--b", args.b}})
    HG_CHECK(index < n, flag, " ", index, " is out of range: ", source, " holds ", n,
             n == 1 ? " sample" : " samples");
  const Tensor a = inputs.slice_rows(args.a, args.a + 1);
  const Tensor b = inputs.slice_rows(args.b, args.b + 1);
  const Tensor strip = interpolate(*run.model, a, b, args.steps).to(Device::cpu());
  const io::Image picture = io::stack_images(
      {row_of(a, run.sample_shape), row_of(strip, run.sample_shape), row_of(b, run.sample_shape)},
      /*vertical=*/false);
  io::write_png(args.common.output, picture);
  std::cout << "interpolated " << args.steps << " steps between samples " << args.a << " and "
            << args.b << " of " << source << ": " << args.common.output;
  if (!args.npy.empty()) {
    io::write_npy(args.npy, strip);
    std::cout << ", " << args.npy << " " << strip.shape();
  }
  std::cout << std::endl;
  return 0;
}

}  // namespace

Command add_interpolate_command(CLI::App& app) {
  auto args = std::make_shared<InterpolateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "interpolate", "Decode a straight line between two inputs' codes: g(a z' + (1 - a) z)");
  add_run_options(cmd, args->common);
  add_input_option(cmd, args->common, "Inputs (.npy or IDX; default: the run's test split)", false);
  add_data_option(cmd, args->common);
  add_output_option(cmd, args->common, "The strip's .png: input a, the steps, input b", ".png",
                    true);
  add_file_option(cmd, "--npy", args->npy, "Also write the decoded steps [steps, ...]", ".npy");
  cmd->add_option("--a", args->a, "Index of the first input")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--b", args->b, "Index of the second input")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--steps", args->steps, "Decodes from a = 0 to a = 1, both ends included")
      ->check(CLI::Range(int64_t{2}, int64_t{100}))
      ->capture_default_str();
  return [args] { return run_interpolate(*args); };
}

}  // namespace hg::cli
