// Presets: the named autoencoders of the lecture notes and the papers they cite, each with its
// architecture and its source's training recipe as defaults, so `hourglass train --model NAME`
// reproduces the source and every recipe field can still be overridden.
//
//   name           architecture                                 source
//   dense          784-64-784 ReLU / sigmoid (the project default, README)
//   keras-dense    784-32-784 ReLU / sigmoid                    Keras blog, "Building Autoencoders
//   in Keras" keras-sparse   keras-dense + L1 1e-4 on the code            Keras blog, sparse
//   section keras-deep     784-128-64-32-64-128-784 ReLU / sigmoid      Keras blog, deep section
//   multilayer     784-128-64-128-784 ReLU / sigmoid            lecture notes (seed 003)
//   linear         784-16-784 identity, MSE                     Baldi & Hornik 1989 (= PCA)
//   keras-conv     Conv 16-8-8 + pooling, code 8x4x4            Keras blog, convolutional section
//   keras-io-conv  Conv 32-32 + pooling, code 32x7x7            keras.io convolutional denoiser
//   torch-conv     the notes' PyTorch conv AE, code 8x1x1       lecture notes (seed 000)
//   vae            784-400-(20, 20)-400-784                     pytorch/examples vae
//   conv-vae       conv 32-64 (k4 s2) -> 20                     see vae.h (ConvVae)
//   hinton         784-1000-500-250-30 logistic, linear code    Hinton & Salakhutdinov 2006
//   cae            784-1000-784 sigmoid, tied, contractive 0.1  Rifai et al. 2011
//   ksparse        784-1000-784 linear, tied, k 25 (alpha 3)    Makhzani & Frey 2014
// The exact recipes and where they depart from their source are in each preset's `notes` (and
// in `hourglass train --help`).
//
// --latent N (Recipe::latent) resizes the code of any preset: the code units of dense models,
// the code's channel count of conv models (keras-conv's code becomes N x 4 x 4), the latent
// dimension of VAEs, the top layer of stacked ones.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hourglass/models/autoencoder.h"
#include "hourglass/models/recipe.h"

namespace hg::models {

// Which model class a preset builds, and so which variant settings apply to it.
enum class ModelFamily {
  kDense,    // DenseAutoencoder: tied, sparsity, contractive apply
  kConv,     // ConvAutoencoder (zoob's factories)
  kVae,      // Vae / ConvVae: beta applies
  kStacked,  // StackedAutoencoder: greedy pre-training (pretrain_epochs), then fine-tuning
};
const char* model_family_name(ModelFamily family);

// A dense preset's layers: hidden sizes after the input (the last is the code) and activations.
struct DenseArchitecture {
  std::vector<int64_t> hidden;
  std::string hidden_activation = "relu";
  std::string code_activation;  // empty: the hidden activation
  std::string output_activation = "sigmoid";
};

// How a preset's weights are drawn: PyTorch's defaults (what the modules do) or, for the models
// of a Keras source, Keras's (glorot_uniform kernels, zero biases; nn/init.h).
enum class WeightInit { kPyTorch, kKeras };

struct Preset {
  std::string name;
  std::string summary;  // one line: the architecture, for --help
  std::string source;   // where the architecture and recipe come from
  std::string notes;    // what of the recipe is the source's and what is chosen here, and why
  ModelFamily family = ModelFamily::kDense;
  DenseArchitecture dense;  // kDense only
  Recipe recipe;            // the defaults; recipe.latent is the default code size
  WeightInit init = WeightInit::kPyTorch;
};

// Every preset, in the order of the table above.
const std::vector<Preset>& presets();
// The preset called `name`; hg::Error listing the names otherwise.
const Preset& find_preset(const std::string& name);
std::vector<std::string> preset_names();

// Throws hg::Error when `recipe` asks for a variant the family cannot do (tied weights on a conv
// model, a KL penalty on a non-sigmoid code, beta on a plain autoencoder, ...), naming the option.
void check_preset_recipe(const Preset& preset, const Recipe& recipe,
                         const DenseArchitecture* dense_override = nullptr);

// Builds the preset's model for samples of `sample_shape` ({1, 28, 28} for MNIST; dense models
// take any shape, conv ones need 1x28x28) with the resolved `recipe` (its latent, tied, sparsity,
// contractive and beta) and weights from Generator(seed), drawn as the preset's `init` says.
// `dense_override` replaces a dense preset's layers (the command line's --hidden / --activation /
// --output-activation).
std::unique_ptr<Autoencoder> build_preset(const Preset& preset, const Recipe& recipe,
                                          const std::vector<int64_t>& sample_shape, uint64_t seed,
                                          const DenseArchitecture* dense_override = nullptr);

// The code size a preset builds with `recipe` (recipe.latent when set, else the preset's).
int64_t preset_latent(const Preset& preset, const Recipe& recipe);

}  // namespace hg::models
