// Weight initialisation as other frameworks do it, applied to a module after it is built.
// Modules are constructed with PyTorch's defaults (linear.h, conv.h); the presets that reproduce a
// Keras model re-draw their parameters as Keras does, since the initialisation changes what a
// recipe reaches (keras-dense: 0.1029 test BCE per pixel with Keras's, 0.108 with PyTorch's).
#pragma once

#include "hourglass/core/rng.h"
#include "hourglass/nn/module.h"

namespace hg::nn {

// Keras's defaults: every parameter of rank >= 2 (a kernel) from glorot_uniform,
// U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), and every parameter of rank 1 (a bias) zero.
// For a weight [out, in, kh, kw] (Linear: [out, in]) fan_in = in * kh * kw and
// fan_out = out * kh * kw; a ConvTranspose2d weight [in, out, kh, kw] swaps the two, which leaves
// their sum, the only thing the bound depends on, unchanged. Kernels are drawn from `gen` in
// named_parameters() order. Parameters must be on the CPU (before Module::to).
void keras_init(Module& module, Generator& gen);

}  // namespace hg::nn
