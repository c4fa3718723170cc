// Inputs for the commands that run a trained model (encode, reconstruct, denoise, ...): an .npy
// array or an IDX image file, as float32 pixels shaped for the model. Accepted layouts are
// [N, C, H, W], [N, H, W] and flat [N, C*H*W], whichever matches the model's sample shape;
// uint8 data is scaled by 1/255, float32 data must already lie in [0, 1]. Everything else is an
// hg::Error saying what the model expects and what the file holds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hourglass/core/tensor.h"

namespace hg::cli {

// float32 [N, *sample_shape] on the CPU. limit >= 0 keeps the first `limit` samples.
Tensor read_model_inputs(const std::string& path, const std::vector<int64_t>& sample_shape,
                         int64_t limit = -1);

// Labels for a file of inputs: an .npy (int32 or uint8, [N]) or IDX label file. int32 [N].
Tensor read_labels(const std::string& path);

}  // namespace hg::cli
