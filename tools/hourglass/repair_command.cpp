// The shared implementation of `denoise`, `inpaint` and `super-resolve` (repair_command.h).
//
// The transform's strength defaults to the one the run was trained with when it was trained on
// the same kind of transform (its recipe's --noise / --noise-level), else to a fixed default
// (gaussian 0.3; a square of half the image's smaller side; factor 2). Inputs are --input's
// samples, or the run's test split without one. The transform is drawn on the CPU from
// Generator(--seed) (the same images on every device), the model runs in eval mode on the run's
// device, and PSNR is computed from the mean squared error over all pixels (peak 1).
//
// Inpainting keeps what is known: the repaired image is the corrupted one with only the masked
// square filled in from the model's reconstruction (the mask is the same transform applied to an
// image of ones, which draws the same square positions). Its error inside the squares is reported
// too. Denoising and super-resolution replace every pixel (all of them are corrupted).
#include "repair_command.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/io/npy.h"
#include "hourglass/io/png.h"
#include "hourglass/ops/regularizers.h"
#include "pictures.h"
#include "run_command_options.h"

namespace hg::cli {
namespace {

struct RepairArgs {
  RepairMode mode = RepairMode::kDenoise;
  RunCommandOptions common;
  std::string png;
  int64_t png_count = 10;
  std::string noise;          // denoise: gaussian, masking, salt-and-pepper
  float noise_level = -1.0f;  // denoise; < 0: the run's, else the default
  int64_t patch = 0;          // inpaint; 0: the run's, else the default
  int64_t factor = 0;         // super-resolve; 0: the run's, else 2
};

const char* mode_name(RepairMode mode) {
  switch (mode) {
    case RepairMode::kDenoise:
      return "denoise";
    case RepairMode::kInpaint:
      return "inpaint";
    case RepairMode::kSuperResolve:
      return "super-resolve";
  }
  return "?";
}

// The transform of this command, its strength from the flags, the run's recipe or the default.
CorruptionOptions repair_transform(const RepairArgs& args, const models::Recipe& recipe,
                                   const std::vector<int64_t>& sample) {
  CorruptionOptions o;
  const bool trained_denoising =
      recipe.noise == "gaussian" || recipe.noise == "masking" || recipe.noise == "salt-and-pepper";
  switch (args.mode) {
    case RepairMode::kDenoise: {
      const std::string kind =
          !args.noise.empty() ? args.noise : (trained_denoising ? recipe.noise : "gaussian");
      o.kind = parse_corruption(kind);
      float level = args.noise_level;
      if (level < 0.0f) level = kind == recipe.noise ? recipe.noise_level : 0.3f;
      if (o.kind == Corruption::kGaussian) o.sigma = level;
      o.fraction = level;
      HG_CHECK(o.kind == Corruption::kGaussian || level <= 1.0f, "--noise-level: ", kind,
               " noise hits a share of the pixels, in [0, 1], got ", level);
      return o;
    }
    case RepairMode::kInpaint: {
      o.kind = Corruption::kBlock;
      HG_CHECK(sample.size() >= 2,
               "inpaint needs image samples [C, H, W] or [H, W]; the run's "
               "model takes samples of shape ",
               Shape(sample));
      const int64_t side = std::min(sample[sample.size() - 2], sample.back());
      o.patch = args.patch > 0            ? args.patch
                : recipe.noise == "block" ? static_cast<int64_t>(recipe.noise_level)
                                          : std::max<int64_t>(1, side / 2);
      return o;
    }
    case RepairMode::kSuperResolve:
      o.kind = Corruption::kDownsample;
      o.factor = args.factor > 0                ? args.factor
                 : recipe.noise == "downsample" ? static_cast<int64_t>(recipe.noise_level)
                                                : 2;
      return o;
  }
  HG_FAIL("invalid repair mode");
}

std::string transform_text(const CorruptionOptions& o) {
  std::ostringstream out;
  switch (o.kind) {
    case Corruption::kGaussian:
      out << "gaussian noise (sigma " << o.sigma << ")";
      break;
    case Corruption::kMasking:
    case Corruption::kSaltPepper:
      out << corruption_name(o.kind) << " noise (" << o.fraction << " of the pixels)";
      break;
    case Corruption::kBlock:
      out << "a masked " << o.patch << " x " << o.patch << " square per image";
      break;
    case Corruption::kDownsample:
      out << "downsampled by " << o.factor << " (" << o.factor << " x " << o.factor
          << " block means)";
      break;
    default:
      out << corruption_name(o.kind);
  }
  return out.str();
}

double mean_squared_error(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    sum += d * d;
  }
  return a.empty() ? 0.0 : sum / static_cast<double>(a.size());
}

int run_repair(const RepairArgs& args) {
  LoadedRun run = open_run(args.common);
  std::string source;
  const Tensor clean = inputs_or_split(run, args.common, data::Split::kTest, &source);
  HG_CHECK(clean.dim(0) > 0, "no samples in ", source);
  const CorruptionOptions transform = repair_transform(args, run.run.recipe, run.sample_shape);
  Generator gen(args.common.seed);
  const Tensor corrupted = corrupt(clean, transform, &gen);

  models::Autoencoder& model = *run.model;
  std::vector<float> repaired = reconstruct_all(model, corrupted, args.common.batch).to_vector();
  const std::vector<float> clean_values = clean.to_vector();
  const std::vector<float> corrupted_values = corrupted.to_vector();
  HG_CHECK(repaired.size() == clean_values.size(), "the model's outputs hold ", repaired.size(),
           " values for ", clean_values.size(), " input values: ", mode_name(args.mode),
           " needs a model whose outputs are shaped like its inputs");
  // Inpainting: known pixels stay; the hole's pixels (and only those) are compared separately.
  std::vector<float> hole_clean, hole_corrupted, hole_repaired;
  if (args.mode == RepairMode::kInpaint) {
    Generator mask_gen(args.common.seed);
    const std::vector<float> kept =
        corrupt(Tensor::ones(clean.shape()), transform, &mask_gen).to_vector();
    for (size_t i = 0; i < repaired.size(); ++i) {
      if (kept[i] != 0.0f) {
        repaired[i] = corrupted_values[i];
        continue;
      }
      hole_clean.push_back(clean_values[i]);
      hole_corrupted.push_back(corrupted_values[i]);
      hole_repaired.push_back(repaired[i]);
    }
  }
  const double mse_corrupted = mean_squared_error(corrupted_values, clean_values);
  const double mse_repaired = mean_squared_error(repaired, clean_values);

  std::cout << std::fixed << std::setprecision(5);
  std::cout << mode_name(args.mode) << ": " << clean.dim(0) << " samples of "
            << Shape(run.sample_shape) << " from " << source << ", " << transform_text(transform)
            << ", seed " << args.common.seed << "\n";
  std::cout << "  corrupted vs clean: MSE " << mse_corrupted << ", PSNR " << std::setprecision(2)
            << psnr_db(mse_corrupted) << " dB\n"
            << std::setprecision(5);
  std::cout << "  repaired  vs clean: MSE " << mse_repaired << ", PSNR " << std::setprecision(2)
            << psnr_db(mse_repaired) << " dB (" << std::showpos
            << psnr_db(mse_repaired) - psnr_db(mse_corrupted) << std::noshowpos << " dB)\n";
  if (!hole_clean.empty()) {
    std::cout << "  inside the masked squares (" << hole_clean.size() << " pixels): MSE corrupted "
              << std::setprecision(5) << mean_squared_error(hole_corrupted, hole_clean)
              << ", repaired " << mean_squared_error(hole_repaired, hole_clean) << "\n";
  }
  const Tensor repaired_images = Tensor::from_vector(repaired, clean.shape());
  if (!args.common.output.empty()) {
    io::write_npy(args.common.output, repaired_images);
    std::cout << "  repaired images " << clean.shape() << ": " << args.common.output << "\n";
  }
  if (!args.png.empty()) {
    const int64_t shown = std::min(args.png_count, clean.dim(0));
    io::write_png(args.png,
                  repair_picture(corrupted.slice_rows(0, shown),
                                 repaired_images.slice_rows(0, shown), clean.slice_rows(0, shown)));
    std::cout << "  picture of " << shown
              << " samples (rows: corrupted, repaired, clean): " << args.png << "\n";
  }
  std::cout << std::flush;
  return 0;
}

}  // namespace

double psnr_db(double mse) {
  return mse > 0.0 ? 10.0 * std::log10(1.0 / mse) : std::numeric_limits<double>::infinity();
}

Command add_repair_command(CLI::App& app, RepairMode mode) {
  auto args = std::make_shared<RepairArgs>();
  args->mode = mode;
  const char* help = mode == RepairMode::kDenoise
                         ? "Add noise to clean images and remove it with a trained run's model"
                     : mode == RepairMode::kInpaint
                         ? "Mask a square of each image and fill it in with a trained run's model"
                         : "Downsample images (block means) and restore the detail with a "
                           "trained run's model";
  CLI::App* cmd = app.add_subcommand(mode_name(mode), help);
  add_run_options(cmd, args->common);
  add_input_option(cmd, args->common,
                   "Clean inputs: .npy ([N,C,H,W], [N,H,W] or [N,C*H*W]; float in [0,1] or "
                   "uint8) or an IDX image file (default: the run's test split)",
                   false);
  add_output_option(cmd, args->common, "Write the repaired images to this .npy file", ".npy",
                    false);
  add_file_option(cmd, "--png", args->png,
                  "Draw rows of corrupted, repaired and clean images to this .png", ".png");
  cmd->add_option("--png-count", args->png_count, "How many samples the --png picture shows")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}))
      ->capture_default_str();
  switch (mode) {
    case RepairMode::kDenoise:
      cmd->add_option("--noise", args->noise,
                      "gaussian, masking or salt-and-pepper (default: the run's training noise, "
                      "else gaussian)")
          ->check(CLI::IsMember({"gaussian", "masking", "salt-and-pepper"}));
      cmd->add_option("--noise-level", args->noise_level,
                      "gaussian: sigma; masking, salt-and-pepper: the share of pixels hit "
                      "(default: the run's, else 0.3)")
          ->check(CLI::NonNegativeNumber);
      break;
    case RepairMode::kInpaint:
      cmd->add_option("--patch", args->patch,
                      "Side of the masked square in pixels (default: the run's block size, else "
                      "half the image)")
          ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
      break;
    case RepairMode::kSuperResolve:
      cmd->add_option("--factor", args->factor, "Downsampling factor (default: the run's, else 2)")
          ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
      break;
  }
  add_seed_option(cmd, args->common);
  add_limit_option(cmd, args->common);
  add_batch_option(cmd, args->common);
  add_data_option(cmd, args->common);
  return [args] { return run_repair(*args); };
}

}  // namespace hg::cli
