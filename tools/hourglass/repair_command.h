// The image-repair applications of a trained run: `denoise`, `inpaint` and `super-resolve` share
// one implementation. Each transforms clean inputs (corrupt(): noise, a masked square, block
// averaging), runs the model on the transformed images, and reports how far the transformed and
// the repaired images are from the clean ones (MSE and PSNR); it can write the repaired images
// (.npy) and a picture of corrupted / repaired / clean rows.
#pragma once

#include <CLI/CLI.hpp>

#include "commands.h"

namespace hg::cli {

enum class RepairMode { kDenoise, kInpaint, kSuperResolve };

// Registers the mode's subcommand ("denoise", "inpaint", "super-resolve") on `app`.
Command add_repair_command(CLI::App& app, RepairMode mode);

// PSNR in dB of a mean squared error for pixels in [0, 1]: 10 log10(1 / mse) (infinite at 0).
double psnr_db(double mse);

}  // namespace hg::cli
