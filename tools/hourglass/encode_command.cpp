// `hourglass encode` (inputs to codes, an .npy of [N, code...]; a VAE's codes are its posterior
// means) and `hourglass decode` (codes back to samples, with an optional picture grid).
#include <algorithm>
#include <iostream>
#include <memory>

#include "commands.h"
#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/io/npy.h"
#include "hourglass/io/png.h"
#include "model_inputs.h"
#include "pictures.h"
#include "run_command_options.h"

namespace hg::cli {
namespace {

struct CodecArgs {
  RunCommandOptions common;
  std::string png;
};

// The shape of one sample's code: encode() of a single zero sample.
std::vector<int64_t> code_shape(models::Autoencoder& model, const std::vector<int64_t>& sample) {
  std::vector<int64_t> shape{1};
  shape.insert(shape.end(), sample.begin(), sample.end());
  const bool was_training = model.is_training();
  model.eval();
  NoGrad no_grad;
  const Tensor code = model.encode(Tensor::zeros(Shape(shape), model_device(model)));
  model.train(was_training);
  const std::vector<int64_t> dims = code.shape().dims();
  return {dims.begin() + 1, dims.end()};
}

int run_encode(const CodecArgs& args) {
  LoadedRun run = open_run(args.common);
  const Tensor inputs = read_model_inputs(args.common.input, run.sample_shape, args.common.limit);
  const Tensor flat = encode_all(*run.model, inputs, args.common.batch);
  std::vector<int64_t> shape{flat.dim(0)};
  const std::vector<int64_t> code = code_shape(*run.model, run.sample_shape);
  shape.insert(shape.end(), code.begin(), code.end());
  const Tensor codes = flat.reshape(shape);
  io::write_npy(args.common.output, codes);
  std::cout << "encoded " << inputs.dim(0) << " samples of " << Shape(run.sample_shape)
            << " into codes " << codes.shape() << (run.model->is_variational() ? " (means)" : "")
            << ": " << args.common.output << std::endl;
  return 0;
}

int run_decode(const CodecArgs& args) {
  LoadedRun run = open_run(args.common);
  const std::vector<int64_t> code = code_shape(*run.model, run.sample_shape);
  Tensor codes = io::read_npy(args.common.input);
  const std::string& path = args.common.input;
  HG_CHECK(codes.dtype() == DType::kFloat32, "'", path, "' holds ", dtype_name(codes.dtype()),
           " values; codes are float32");
  const std::vector<int64_t> dims = codes.shape().dims();
  const std::vector<int64_t> given(dims.begin() + (dims.empty() ? 0 : 1), dims.end());
  HG_CHECK(
      dims.size() >= 2 && dims[0] > 0 && (given == code || given.size() == 1) &&
          Shape(given).numel() == Shape(code).numel(),
      "'", path, "' holds an array of shape ", codes.shape(), "; the run's codes are ", Shape(code),
      " per sample: expected [N, ", Shape(code).str().substr(1),
      code.size() > 1 ? " or [N, " + std::to_string(Shape(code).numel()) + "]" : std::string());
  if (args.common.limit >= 0 && args.common.limit < dims[0])
    codes = codes.slice_rows(0, args.common.limit);
  HG_CHECK(codes.dim(0) > 0, "--limit 0 leaves no codes of '", path, "'");
  std::vector<int64_t> shape{codes.dim(0)};
  shape.insert(shape.end(), code.begin(), code.end());
  codes = codes.reshape(shape);

  std::vector<Tensor> parts;
  {
    const bool was_training = run.model->is_training();
    run.model->eval();
    NoGrad no_grad;
    const Device device = model_device(*run.model);
    for (int64_t begin = 0; begin < codes.dim(0); begin += args.common.batch) {
      const int64_t end = std::min(codes.dim(0), begin + args.common.batch);
      parts.push_back(run.model->decode(codes.slice_rows(begin, end).to(device)).to(Device::cpu()));
    }
    run.model->train(was_training);
  }
  std::vector<float> values;
  for (const Tensor& p : parts) {
    const std::vector<float> v = p.to_vector();
    values.insert(values.end(), v.begin(), v.end());
  }
  std::vector<int64_t> out_shape{codes.dim(0)};
  out_shape.insert(out_shape.end(), run.sample_shape.begin(), run.sample_shape.end());
  const Tensor samples = Tensor::from_vector(values, Shape(out_shape));
  io::write_npy(args.common.output, samples);
  std::cout << "decoded " << codes.dim(0) << " codes of " << Shape(code) << " into samples "
            << samples.shape() << ": " << args.common.output;
  if (!args.png.empty()) {
    io::GridOptions options;
    options.columns = 8;
    options.sample_shape = run.sample_shape;
    io::write_png(args.png, io::image_grid(samples, options));
    std::cout << ", grid " << args.png;
  }
  std::cout << std::endl;
  return 0;
}

}  // namespace

Command add_encode_command(CLI::App& app) {
  auto args = std::make_shared<CodecArgs>();
  CLI::App* cmd = app.add_subcommand(
      "encode", "Encode inputs into codes (.npy [N, code...]; a VAE's posterior means)");
  add_run_options(cmd, args->common);
  add_input_option(cmd, args->common, "Inputs: .npy ([N,C,H,W], [N,H,W] or [N,C*H*W]) or IDX",
                   true);
  add_output_option(cmd, args->common, "The codes' .npy file", ".npy", true);
  add_limit_option(cmd, args->common);
  add_batch_option(cmd, args->common);
  return [args] { return run_encode(*args); };
}

Command add_decode_command(CLI::App& app) {
  auto args = std::make_shared<CodecArgs>();
  CLI::App* cmd =
      app.add_subcommand("decode", "Decode codes (.npy [N, code...] or [N, D]) into samples");
  add_run_options(cmd, args->common);
  add_input_option(cmd, args->common, "Codes: a float32 .npy, as hourglass encode writes", true);
  add_output_option(cmd, args->common, "The samples' .npy file [N, C, H, W]", ".npy", true);
  add_file_option(cmd, "--png", args->png, "Also draw the samples as a grid", ".png");
  add_limit_option(cmd, args->common);
  add_batch_option(cmd, args->common);
  return [args] { return run_decode(*args); };
}

}  // namespace hg::cli
