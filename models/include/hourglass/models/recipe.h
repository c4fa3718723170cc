// Recipe: everything about a training run that is not the architecture: the reconstruction loss,
// the optimizer and its settings, batch size, epochs, and the variant settings of the autoencoder
// zoo (code size, tied weights, code regularizers, contractive penalty, input corruption, the
// VAE's beta, greedy pre-training). Presets (presets.h) and spec files (spec.h) carry one as
// their defaults; the command line overrides any field it is given explicitly.
//
// Field values use the command line's spellings ("bce", "adadelta", "salt-and-pepper", ...), so a
// recipe reads the same in --help, in config.json and here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hourglass/models/code_regularizer.h"
#include "hourglass/ops/regularizers.h"
#include "hourglass/optim/optimizer.h"

namespace hg::models {

struct Recipe {
  // ---- training
  std::string loss = "bce";  // "mse" or "bce" (reconstruction_loss names)
  std::string optimizer = "adam";
  float lr = -1.0f;            // < 0: the optimizer's default (make_optimizer's)
  float momentum = 0.0f;       // sgd only
  float adadelta_rho = 0.9f;   // adadelta only (Keras: 0.95, PyTorch: 0.9)
  float adadelta_eps = 1e-6f;  // adadelta only (Keras: 1e-7, PyTorch: 1e-6)
  int64_t batch = 128;
  int64_t epochs = 10;
  int64_t pretrain_epochs = 0;  // stacked models: greedy pre-training epochs per layer

  // ---- model variant
  int64_t latent = 0;  // the code size (dense: units; conv: the code's channels; vae: z's size)
  std::string variant = "plain";  // spec files: "plain" or "vae"
  bool tied = false;              // dense: decoder weights are the encoder's transposed
  std::string sparsity = "none";  // "none", "l1", "kl", "ksparse"
  float l1 = 0.0f;                // l1: lambda
  float sparsity_weight = 0.0f;   // kl: beta, the weight of sum_j KL(rho || rho_hat_j)
  float rho = 0.05f;              // kl: the target mean activation
  int64_t k = 0;                  // ksparse: units kept per sample in training
  float alpha = 1.0f;             // ksparse: alpha * k units kept when encoding
  int64_t k_start = 0;            // ksparse: k of the first epoch (0: no annealing)
  int64_t anneal_epochs = 0;      // ksparse: epochs over which k goes from k_start to k
  float contractive = 0.0f;       // dense: lambda of ||J_f(x)||_F^2 (first layer, closed form)
  // The input transform of paired training (inputs transformed, targets clean): "none",
  // "gaussian", "masking", "salt-and-pepper" (denoising), "block" (inpainting), "downsample"
  // (super-resolution), "grayscale" (colorization); see hg::Corruption.
  std::string noise = "none";
  // gaussian: sigma; masking / salt-and-pepper: the share hit, in [0, 1]; block: the square's
  // side in pixels (a whole number >= 1); downsample: the factor (a whole number >= 2);
  // grayscale: unused (0).
  float noise_level = 0.0f;
  float beta = 1.0f;  // variational models: the KL weight
};

// hg::Error naming the field when a value is out of its range or a name is unknown (each
// message says what was expected and what was found). Combinations that depend on the model
// (tied weights on a conv model, say) are checked where the model is built.
void validate_recipe(const Recipe& recipe);

// The optimizer the recipe names, over `params`, with its lr (or the optimizer's default), sgd's
// momentum and adadelta's rho and eps.
std::unique_ptr<optim::Optimizer> make_recipe_optimizer(const Recipe& recipe,
                                                        std::vector<Tensor> params);

// The zoo's option structs for the recipe's settings.
ReconstructionLoss recipe_loss(const Recipe& recipe);
CodeRegularizerOptions recipe_code_regularizer(const Recipe& recipe);
// The weight the engine applies to ||J_f(x)||_F^2 for samples of `pixels` values.
// recipe.contractive is Rifai et al.'s lambda, which weights the penalty against the reconstruction
// cross-entropy summed over the pixels; our reconstruction losses are means over the pixels, so the
// same objective divided through by D is  mean BCE + (lambda / D) ||J_f(x)||_F^2 : the source's
// minimiser and, up to the scale Adam ignores, its gradients. (Applying lambda to the mean made
// the penalty D times too strong: the cae preset learned nothing.)
float recipe_contractive_weight(const Recipe& recipe, int64_t pixels);
CorruptionOptions recipe_corruption(const Recipe& recipe);

// "bce, adadelta (lr 1, rho 0.95), batch 256, 50 epochs": the training half of a recipe, one line.
std::string recipe_summary(const Recipe& recipe);
// "tied, ksparse k 25 (alpha 3, from 100 over 25 epochs)": its variant settings, "" when none.
std::string variant_summary(const Recipe& recipe);

}  // namespace hg::models
