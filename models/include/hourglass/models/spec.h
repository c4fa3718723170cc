// Model spec files: an autoencoder described as two short lists of layers, in JSON or TOML (by
// the file's extension), built with shape inference from the data's sample shape.
//
//   name = "small-conv"                        # optional; labels logs
//   encoder = [                                # required, one entry per layer
//     { layer = "conv2d", out = 16, kernel = 3, stride = 2, padding = 1 },
//     { layer = "relu" },
//     "flatten",                               # a bare name is a layer without fields
//   ]
//   decoder = [ ... ]                          # required
//   [options]                                  # optional: any Recipe field (recipe.h), by its name
//   variant = "plain"                          # or "vae"
//   loss = "bce"; optimizer = "adam"; lr = 1e-3; batch = 128; epochs = 10; latent = 20; ...
//
// Layers and their fields (kernel, stride, padding, output_padding: an integer or [h, w]):
//   linear            out (an integer, or "input": the input's size), bias = true
//   conv2d            out (channels or "input"), kernel, stride = 1, padding = 0 (or "same" /
//                     "valid", Keras's), bias = true
//   conv_transpose2d  out, kernel, stride = 1, padding = 0, output_padding = 0, bias = true
//   max_pool2d, avg_pool2d  kernel, stride = kernel, padding = 0, ceil_mode = false
//   upsample          scale = 2, mode = "nearest" (or "bilinear")
//   flatten; unflatten shape = [C, H, W]
//   relu, leaky_relu (negative_slope = 0.01), sigmoid, tanh, softplus, identity
// Unknown layers, unknown or missing fields, wrong types and shapes that do not fit (a conv on a
// flat input, a decoder whose output is not the input's size, ...) are hg::Error naming the
// file and the entry ("small.toml: decoder[3] (conv2d): missing field 'kernel'").
//
// What gets built (weights from Generator(seed) in layer order, encoder first, as PyTorch would):
// - a dense spec (linear layers with one hidden activation, an optional leading flatten, and a
//   decoder mirroring the encoder's sizes) is a DenseAutoencoder, so tied weights, code
//   sparsity and the contractive penalty apply, with DenseAutoencoder's parameter names;
// - any other plain spec is a ConvAutoencoder whose code shape is the encoder's output shape;
// - variant "vae": the encoder's output (flattened) feeds two Linear layers fc_mu and fc_logvar
//   of `latent` units (default 20), and the decoder starts from the latent vector; the objective
//   is the VAE's (vae.h), weighted by beta.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hourglass/models/autoencoder.h"
#include "hourglass/models/recipe.h"

namespace hg::models {

// LayerSpec::out's value for "input": the input's feature or channel count.
constexpr int64_t kOutInput = -1;

struct LayerSpec {
  std::string type;   // "linear", "conv2d", ..., "relu"
  std::string where;  // "encoder[2]": the entry's place in the file, for messages
  int64_t out = 0;
  std::array<int64_t, 2> kernel{0, 0};
  std::array<int64_t, 2> stride{0, 0};  // 0: the layer's default (1, or the kernel for pools)
  std::array<int64_t, 2> padding{0, 0};
  std::string padding_mode;  // conv2d: "" (explicit), "same" or "valid"
  std::array<int64_t, 2> output_padding{0, 0};
  bool ceil_mode = false;
  bool bias = true;
  int64_t scale = 2;
  std::string mode = "nearest";
  std::vector<int64_t> shape;  // unflatten
  float negative_slope = 0.01f;
};

struct ModelSpec {
  std::string file;  // where it was read from; every error message starts with it
  std::string name;  // the file's "name", else the file name without folder and extension
  std::vector<LayerSpec> encoder, decoder;
  Recipe recipe;                         // spec_default_recipe() with the file's options applied
  std::vector<std::string> options_set;  // the option names the file gave, in file order
};

// The recipe a spec starts from: Adam 1e-3, BCE, batch 128, 10 epochs.
Recipe spec_default_recipe();

// Reads `path` as JSON (.json) or TOML (.toml); hg::Error with the file name for anything else,
// for syntax errors (with line and column) and for bad entries.
ModelSpec load_model_spec(const std::string& path);
// The same from text; format is "json" or "toml"; `file` names it in messages.
ModelSpec parse_model_spec(const std::string& text, const std::string& format,
                           const std::string& file);

// Builds the spec's model for samples of `sample_shape` (e.g. {1, 28, 28}) with the resolved
// recipe (its variant, latent, tied, sparsity, contractive and beta), weights from
// Generator(seed). hg::Error naming the file and entry when a layer does not fit its input.
std::unique_ptr<Autoencoder> build_spec_model(const ModelSpec& spec, const Recipe& recipe,
                                              const std::vector<int64_t>& sample_shape,
                                              uint64_t seed);

}  // namespace hg::models
