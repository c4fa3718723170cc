// Recipes: range checks, the optimizer a recipe names, its zoo option structs and its one-line
// summaries.
#include "hourglass/models/recipe.h"

#include <cmath>
#include <sstream>

#include "hourglass/core/error.h"

namespace hg::models {
namespace {

bool finite_non_negative(float value) {
  return std::isfinite(value) && value >= 0.0f;
}

// Shortest round-trip-ish text for a float in summaries: 1, 0.95, 1e-07.
std::string number(float value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

void validate_recipe(const Recipe& r) {
  parse_reconstruction_loss(r.loss);
  bool known_optimizer = false;
  for (const std::string& name : optim::optimizer_names())
    known_optimizer = known_optimizer || name == r.optimizer;
  if (!known_optimizer) {
    std::string names;
    for (const std::string& name : optim::optimizer_names())
      names += (names.empty() ? "" : ", ") + name;
    HG_FAIL("unknown optimizer '", r.optimizer, "': expected one of ", names);
  }
  HG_CHECK(std::isfinite(r.lr) && (r.lr > 0.0f || r.lr < 0.0f),
           "the learning rate must be positive (or negative for the optimizer's default), got ",
           r.lr);
  HG_CHECK(r.momentum >= 0.0f && r.momentum < 1.0f, "momentum must lie in [0, 1), got ",
           r.momentum);
  HG_CHECK(r.adadelta_rho > 0.0f && r.adadelta_rho < 1.0f,
           "adadelta's rho must lie in (0, 1), got ", r.adadelta_rho);
  HG_CHECK(r.adadelta_eps > 0.0f, "adadelta's eps must be positive, got ", r.adadelta_eps);
  HG_CHECK(r.batch >= 1, "the batch size must be >= 1, got ", r.batch);
  HG_CHECK(r.epochs >= 1, "epochs must be >= 1, got ", r.epochs);
  HG_CHECK(r.pretrain_epochs >= 0, "pre-training epochs must be >= 0, got ", r.pretrain_epochs);
  HG_CHECK(r.latent >= 0, "the code size (latent) must be >= 0 (0: the architecture's own), got ",
           r.latent);
  HG_CHECK(r.variant == "plain" || r.variant == "vae", "unknown variant '", r.variant,
           "': expected plain or vae");
  parse_code_regularizer(r.sparsity);
  HG_CHECK(finite_non_negative(r.l1), "the l1 weight must be finite and >= 0, got ", r.l1);
  HG_CHECK(finite_non_negative(r.sparsity_weight),
           "the sparsity weight must be finite and >= 0, got ", r.sparsity_weight);
  HG_CHECK(r.rho > 0.0f && r.rho < 1.0f, "the target sparsity rho must lie in (0, 1), got ", r.rho);
  HG_CHECK(r.k >= 0 && r.k_start >= 0 && r.anneal_epochs >= 0,
           "k, k_start and anneal_epochs must be >= 0, got ", r.k, ", ", r.k_start, " and ",
           r.anneal_epochs);
  HG_CHECK(std::isfinite(r.alpha) && r.alpha >= 1.0f, "alpha must be >= 1, got ", r.alpha);
  if (r.sparsity == "ksparse") HG_CHECK(r.k >= 1, "ksparse needs k >= 1 (--k), got ", r.k);
  HG_CHECK(finite_non_negative(r.contractive),
           "the contractive weight must be finite and >= 0, got ", r.contractive);
  const Corruption noise = parse_corruption(r.noise);
  HG_CHECK(finite_non_negative(r.noise_level), "the noise level must be finite and >= 0, got ",
           r.noise_level);
  if (noise == Corruption::kMasking || noise == Corruption::kSaltPepper)
    HG_CHECK(r.noise_level <= 1.0f, r.noise,
             " noise: the level is the share of inputs hit, in [0, 1], got ", r.noise_level);
  if (noise == Corruption::kBlock || noise == Corruption::kDownsample)
    HG_CHECK(r.noise_level >= (noise == Corruption::kBlock ? 1.0f : 2.0f) &&
                 r.noise_level <= 4096.0f && r.noise_level == std::floor(r.noise_level),
             r.noise, ": the level is the ",
             noise == Corruption::kBlock ? "square's side in pixels, a whole number >= 1"
                                         : "downsampling factor, a whole number >= 2",
             ", got ", r.noise_level);
  if (noise == Corruption::kGrayscale)
    HG_CHECK(r.noise_level == 0.0f, "grayscale inputs take no noise level, got ", r.noise_level);
  else if (noise != Corruption::kNone)
    HG_CHECK(r.noise_level > 0.0f, r.noise, " noise needs a positive --noise-level, got ",
             r.noise_level);
  HG_CHECK(finite_non_negative(r.beta), "beta must be finite and >= 0, got ", r.beta);
}

std::unique_ptr<optim::Optimizer> make_recipe_optimizer(const Recipe& recipe,
                                                        std::vector<Tensor> params) {
  if (recipe.optimizer == "adadelta") {
    kernels::AdadeltaParams options;
    if (recipe.lr > 0.0f) options.lr = recipe.lr;
    options.rho = recipe.adadelta_rho;
    options.eps = recipe.adadelta_eps;
    return std::make_unique<optim::Adadelta>(std::move(params), options);
  }
  if (recipe.optimizer == "sgd") {
    kernels::SgdParams options;
    if (recipe.lr > 0.0f) options.lr = recipe.lr;
    options.momentum = recipe.momentum;
    return std::make_unique<optim::SGD>(std::move(params), options);
  }
  return optim::make_optimizer(recipe.optimizer, std::move(params), recipe.lr);
}

ReconstructionLoss recipe_loss(const Recipe& recipe) {
  return parse_reconstruction_loss(recipe.loss);
}

CodeRegularizerOptions recipe_code_regularizer(const Recipe& recipe) {
  CodeRegularizerOptions options;
  options.kind = parse_code_regularizer(recipe.sparsity);
  options.weight = options.kind == CodeRegularizer::kL1 ? recipe.l1 : recipe.sparsity_weight;
  options.rho = recipe.rho;
  options.k = recipe.k;
  options.alpha = recipe.alpha;
  options.k_start = recipe.k_start;
  options.anneal_epochs = recipe.anneal_epochs;
  return options;
}

float recipe_contractive_weight(const Recipe& recipe, int64_t pixels) {
  return recipe.contractive / static_cast<float>(pixels);
}

CorruptionOptions recipe_corruption(const Recipe& recipe) {
  CorruptionOptions options;
  options.kind = parse_corruption(recipe.noise);
  if (options.kind == Corruption::kGaussian) options.sigma = recipe.noise_level;
  if (options.kind == Corruption::kMasking || options.kind == Corruption::kSaltPepper)
    options.fraction = recipe.noise_level;
  if (options.kind == Corruption::kBlock) options.patch = static_cast<int64_t>(recipe.noise_level);
  if (options.kind == Corruption::kDownsample)
    options.factor = static_cast<int64_t>(recipe.noise_level);
  return options;
}

std::string recipe_summary(const Recipe& r) {
  std::string text = r.loss + ", " + r.optimizer + " (lr " + (r.lr > 0 ? number(r.lr) : "default");
  if (r.optimizer == "adadelta")
    text += ", rho " + number(r.adadelta_rho) + ", eps " + number(r.adadelta_eps);
  if (r.optimizer == "sgd" && r.momentum > 0) text += ", momentum " + number(r.momentum);
  text += "), batch " + std::to_string(r.batch) + ", " + std::to_string(r.epochs) +
          (r.epochs == 1 ? " epoch" : " epochs");
  if (r.pretrain_epochs > 0)
    text += " after " + std::to_string(r.pretrain_epochs) + " pre-training epochs per layer";
  return text;
}

std::string variant_summary(const Recipe& r) {
  std::vector<std::string> parts;
  if (r.variant != "plain") parts.push_back(r.variant);
  if (r.tied) parts.push_back("tied");
  if (r.sparsity == "l1") parts.push_back("l1 " + number(r.l1));
  if (r.sparsity == "kl")
    parts.push_back("kl " + number(r.sparsity_weight) + " (rho " + number(r.rho) + ")");
  if (r.sparsity == "ksparse") {
    std::string text = "ksparse k " + std::to_string(r.k) + " (alpha " + number(r.alpha);
    if (r.anneal_epochs > 0)
      text += ", from " + std::to_string(r.k_start) + " over " + std::to_string(r.anneal_epochs) +
              " epochs";
    parts.push_back(text + ")");
  }
  if (r.contractive > 0) parts.push_back("contractive " + number(r.contractive));
  if (r.noise == "block") parts.push_back("block " + number(r.noise_level) + " px (inpainting)");
  if (r.noise == "downsample")
    parts.push_back("downsample x" + number(r.noise_level) + " (super-resolution)");
  if (r.noise == "grayscale") parts.push_back("grayscale inputs (colorization)");
  if (r.noise == "gaussian" || r.noise == "masking" || r.noise == "salt-and-pepper")
    parts.push_back(r.noise + " noise " + number(r.noise_level));
  if (r.beta != 1.0f) parts.push_back("beta " + number(r.beta));
  std::string text;
  for (const std::string& part : parts)
    text += (text.empty() ? "" : ", ") + part;
  return text;
}

}  // namespace hg::models
