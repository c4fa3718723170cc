// The preset registry: each preset's architecture, source and recipe, the checks of which
// variant settings a model family accepts, and the builders.
#include "hourglass/models/presets.h"

#include "hourglass/core/error.h"
#include "hourglass/models/conv_autoencoder.h"
#include "hourglass/models/dense_autoencoder.h"
#include "hourglass/models/stacked.h"
#include "hourglass/models/vae.h"
#include "hourglass/nn/init.h"
#include "image_batch.h"

namespace hg::models {
namespace {

// Keras' Adadelta as the Keras blog used it: Keras 1/2 defaults lr 1.0, rho 0.95, epsilon 1e-7
// (PyTorch's are rho 0.9, eps 1e-6). With Keras 2.3+'s lr 0.001 the blog's recipe does not
// converge (references.md).
Recipe keras_adadelta(int64_t batch, int64_t epochs) {
  Recipe r;
  r.loss = "bce";
  r.optimizer = "adadelta";
  r.lr = 1.0f;
  r.adadelta_rho = 0.95f;
  r.adadelta_eps = 1e-7f;
  r.batch = batch;
  r.epochs = epochs;
  return r;
}

Recipe adam(const char* loss, int64_t batch, int64_t epochs) {
  Recipe r;
  r.loss = loss;
  r.optimizer = "adam";
  r.lr = 1e-3f;
  r.batch = batch;
  r.epochs = epochs;
  return r;
}

Preset dense_preset(std::string name, std::string summary, std::string source, std::string notes,
                    DenseArchitecture dense, Recipe recipe) {
  Preset p;
  p.name = std::move(name);
  p.summary = std::move(summary);
  p.source = std::move(source);
  p.notes = std::move(notes);
  p.family = ModelFamily::kDense;
  p.dense = std::move(dense);
  p.recipe = std::move(recipe);
  p.recipe.latent = p.dense.hidden.back();
  return p;
}

Preset other_preset(std::string name, ModelFamily family, std::string summary, std::string source,
                    std::string notes, Recipe recipe, int64_t latent) {
  Preset p;
  p.name = std::move(name);
  p.summary = std::move(summary);
  p.source = std::move(source);
  p.notes = std::move(notes);
  p.family = family;
  p.recipe = std::move(recipe);
  p.recipe.latent = latent;
  return p;
}

std::vector<Preset> make_presets() {
  std::vector<Preset> all;
  all.push_back(dense_preset(
      "dense", "784-64-784 dense, ReLU code, sigmoid output (the default)",
      "the project's default model (README, tools/train-default)",
      "Adam at PyTorch's default lr, BCE per pixel, batch 128, 1 epoch: the quick default run; "
      "--hidden / --activation / --output-activation reshape it",
      {{64}, "relu", "", "sigmoid"}, adam("bce", 128, 1)));
  all.push_back(dense_preset(
      "keras-dense", "784-32-784 dense, ReLU code, sigmoid output",
      "Keras blog, \"Building Autoencoders in Keras\" (F. Chollet, 2016), simplest autoencoder",
      "the blog's recipe: Adadelta (Keras defaults lr 1.0, rho 0.95, eps 1e-7), binary "
      "cross-entropy, batch 256, 50 epochs; published test BCE about 0.10-0.11",
      {{32}, "relu", "", "sigmoid"}, keras_adadelta(256, 50)));
  {
    Recipe r = keras_adadelta(256, 100);
    r.sparsity = "l1";
    r.l1 = 1e-4f;
    all.push_back(dense_preset(
        "keras-sparse", "784-32-784 dense, ReLU code with an L1 activity penalty 1e-4",
        "Keras blog, \"Building Autoencoders in Keras\", sparsity constraint on the code",
        "the blog's recipe: activity_regularizer l1(10e-5) on the code (a per-sample penalty), "
        "Adadelta (lr 1.0, rho 0.95, eps 1e-7), BCE, batch 256, 100 epochs",
        {{32}, "relu", "", "sigmoid"}, r));
  }
  all.push_back(dense_preset(
      "keras-deep", "784-128-64-32-64-128-784 dense, ReLU hidden, sigmoid output",
      "Keras blog, \"Building Autoencoders in Keras\", deep autoencoder",
      "the blog's recipe: Adadelta (lr 1.0, rho 0.95, eps 1e-7) as its other dense models, BCE, "
      "batch 256, 100 epochs; published test BCE about 0.097",
      {{128, 64, 32}, "relu", "", "sigmoid"}, keras_adadelta(256, 100)));
  all.push_back(dense_preset(
      "multilayer", "784-128-64-128-784 dense, ReLU hidden, sigmoid output",
      "lecture notes (seed 003, \"Types of autoencoders\": multilayer autoencoder)",
      "the notes' recipe: compile(optimizer='adam', loss='mse'), fit(epochs=5) with Keras' "
      "default batch 32 and Adam lr 1e-3",
      {{128, 64}, "relu", "", "sigmoid"}, adam("mse", 32, 5)));
  all.push_back(dense_preset(
      "linear", "784-16-784 linear (identity activations), MSE",
      "Baldi & Hornik 1989; lecture notes (seed 001: a linear decoder with MSE spans the PCA "
      "subspace)",
      "the theory fixes the model and the loss (MSE); Adam 1e-3, batch 128 and 20 epochs are "
      "chosen here. --latent sets k",
      {{16}, "identity", "", "identity"}, adam("mse", 128, 20)));
  all.push_back(other_preset(
      "keras-conv", ModelFamily::kConv,
      "Keras blog conv AE: Conv3x3 16-8-8 + MaxPool2, code 8x4x4, mirrored with UpSampling2",
      "Keras blog, \"Building Autoencoders in Keras\", convolutional autoencoder",
      "the blog's recipe: Adadelta (lr 1.0, rho 0.95, eps 1e-7), BCE, batch 128, 50 epochs; "
      "published test BCE 0.094. --latent sets the code's channels (N x 4 x 4)",
      keras_adadelta(128, 50), 8));
  all.push_back(other_preset(
      "keras-io-conv", ModelFamily::kConv,
      "keras.io conv AE: Conv 32-32 + MaxPool2, code 32x7x7, two stride-2 ConvTranspose",
      "keras.io examples, \"Convolutional autoencoder for image denoising\"",
      "the example's recipe: Adam (lr 1e-3), BCE, batch 128, 50 epochs; its denoising phase is "
      "--noise gaussian --noise-level 0.4. --latent sets the code's channels (N x 7 x 7)",
      adam("bce", 128, 50), 32));
  all.push_back(other_preset(
      "torch-conv", ModelFamily::kConv,
      "the notes' PyTorch conv AE: Conv 32-32-32-32-8 (k5 k5 k4s2 k3s2 k4), code 8x1x1, "
      "ConvTranspose mirror",
      "lecture notes (seed 000, \"Deep Autoencoders\", after F. Fleuret's course)",
      "the notes give the architecture and the loss, the squared error E||x - g(f(x))||^2 (MSE "
      "here); they give no optimizer, so Adam 1e-3, batch 128 and 10 epochs are chosen. A sigmoid "
      "is added on the output (no parameters). --latent sets the code's channels (N x 1 x 1)",
      adam("mse", 128, 10), 8));
  all.push_back(other_preset(
      "vae", ModelFamily::kVae, "VAE 784-400-(20 mu, 20 logvar)-400-784, ReLU, sigmoid output",
      "pytorch/examples vae (Kingma & Welling 2014)",
      "the example's recipe: Adam lr 1e-3, batch 128, 10 epochs; loss BCE summed over a "
      "sample's pixels + KL (per sample); published test loss about 105.6 after 10 epochs",
      adam("bce", 128, 10), 20));
  all.push_back(other_preset(
      "conv-vae", ModelFamily::kVae,
      "conv VAE: Conv 32-64 (k4 s2) -> 20-d Gaussian code -> ConvTranspose 64-32 (see vae.h)",
      "the common DCGAN-style conv VAE (TensorFlow's CVAE tutorial's encoder depth)",
      "the vae preset's recipe (pytorch/examples: Adam 1e-3, batch 128, 10 epochs, summed BCE + "
      "KL) so the two VAEs compare; the TensorFlow tutorial uses Adam 1e-4, batch 32, latent 2",
      adam("bce", 128, 10), 20));
  {
    Recipe r = adam("bce", 100, 200);
    r.pretrain_epochs = 50;
    all.push_back(other_preset(
        "hinton", ModelFamily::kStacked,
        "784-1000-500-250-30 deep AE, logistic units, linear 30-unit code, mirrored decoder",
        "Hinton & Salakhutdinov 2006, \"Reducing the dimensionality of data with neural "
        "networks\"",
        "the paper's schedule: mini-batches of 100, 50 pre-training epochs per layer, 200 "
        "fine-tuning epochs on cross-entropy. Departures: layers are pre-trained as one-layer "
        "autoencoders (greedy, Bengio 2007) instead of RBMs, and fine-tuned with Adam 1e-3 "
        "instead of conjugate gradients",
        r, 30));
  }
  {
    Recipe r = adam("bce", 128, 50);
    r.tied = true;
    r.contractive = 0.1f;
    all.push_back(dense_preset(
        "cae", "784-1000-784, sigmoid units, tied weights, contractive penalty 0.1",
        "Rifai et al. 2011, \"Contractive auto-encoders\" (ICML)",
        "the paper's model and objective: one layer of 1000 sigmoid units, tied weights, "
        "mean over the batch of [sum over pixels BCE(x, x^) + lambda ||J_f(x)||_F^2] (closed "
        "form); lambda was chosen by validation there, 0.1 here. The engine's BCE is a mean over "
        "the D pixels, so it applies lambda / D (the same objective divided by D). Adam 1e-3, "
        "batch 128 and 50 epochs are chosen instead of the paper's SGD",
        {{1000}, "sigmoid", "", "sigmoid"}, r));
  }
  {
    Recipe r = adam("mse", 128, 50);
    r.tied = true;
    r.sparsity = "ksparse";
    r.k = 25;
    r.alpha = 3.0f;
    r.k_start = 100;
    r.anneal_epochs = 25;
    all.push_back(dense_preset(
        "ksparse", "784-1000-784, linear units, tied weights, k-sparse code (k 25, alpha 3)",
        "Makhzani & Frey 2014, \"k-Sparse Autoencoders\" (ICLR)",
        "the paper's MNIST model: 1000 linear hidden units, tied weights, squared error, the k = "
        "25 largest units kept in training and alpha * k when encoding (alpha 3 assumed for "
        "MNIST), k scheduled down from 100 over the first half of training. Adam 1e-3, batch "
        "128, 50 epochs are chosen: the paper's SGD rate was for a summed squared error, ours "
        "is a per-pixel mean",
        {{1000}, "identity", "", "identity"}, r));
  }
  // The Keras sources' models start from Keras's initialisation, as they did there.
  for (Preset& p : all) {
    if (p.name == "keras-dense" || p.name == "keras-sparse" || p.name == "keras-deep" ||
        p.name == "keras-conv" || p.name == "keras-io-conv") {
      p.init = WeightInit::kKeras;
      p.notes += "; Keras's initialisation (glorot_uniform kernels, zero biases)";
    }
  }
  return all;
}

int64_t dense_input_dim(const std::vector<int64_t>& sample_shape) {
  HG_CHECK(!sample_shape.empty(), "a model needs the data's sample shape, got none");
  return detail::product(sample_shape);
}

void check_mnist_image(const Preset& preset, const std::vector<int64_t>& sample_shape) {
  const bool image = sample_shape == std::vector<int64_t>{1, 28, 28} ||
                     sample_shape == std::vector<int64_t>{28, 28} ||
                     sample_shape == std::vector<int64_t>{784};
  HG_CHECK(image, "preset '", preset.name, "' is built for 1x28x28 images, got samples of [",
           detail::shape_text(sample_shape, ", "), "]");
}

}  // namespace

const char* model_family_name(ModelFamily family) {
  switch (family) {
    case ModelFamily::kDense:
      return "dense";
    case ModelFamily::kConv:
      return "conv";
    case ModelFamily::kVae:
      return "vae";
    case ModelFamily::kStacked:
      return "stacked";
  }
  return "?";
}

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = make_presets();
  return all;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const Preset& p : presets())
    names.push_back(p.name);
  return names;
}

const Preset& find_preset(const std::string& name) {
  for (const Preset& p : presets())
    if (p.name == name) return p;
  std::string names;
  for (const Preset& p : presets())
    names += (names.empty() ? "" : ", ") + p.name;
  HG_FAIL("unknown preset '", name, "': expected one of ", names);
}

int64_t preset_latent(const Preset& preset, const Recipe& recipe) {
  return recipe.latent > 0 ? recipe.latent : preset.recipe.latent;
}

void check_preset_recipe(const Preset& preset, const Recipe& recipe,
                         const DenseArchitecture* dense_override) {
  validate_recipe(recipe);
  const std::string who = "preset '" + preset.name + "' (" + model_family_name(preset.family) + ")";
  const bool dense = preset.family == ModelFamily::kDense;
  HG_CHECK(recipe.variant == "plain", who, ": variant '", recipe.variant,
           "' is a spec-file setting; presets come as they are (use --model vae or conv-vae)");
  HG_CHECK(dense || !recipe.tied, who, ": tied weights need a dense preset");
  HG_CHECK(dense || recipe.contractive == 0.0f, who,
           ": the contractive penalty needs a dense preset (got --contractive ", recipe.contractive,
           ")");
  HG_CHECK(dense || recipe.sparsity == "none" ||
               (preset.family == ModelFamily::kStacked && recipe.sparsity == "l1"),
           who, ": --sparsity ", recipe.sparsity,
           " needs a dense preset (stacked ones take l1, applied in pre-training)");
  HG_CHECK(preset.family == ModelFamily::kVae || recipe.beta == 1.0f, who,
           ": beta weights a VAE's KL term; it needs --model vae or conv-vae (got --beta ",
           recipe.beta, ")");
  HG_CHECK(preset.family == ModelFamily::kStacked || recipe.pretrain_epochs == 0, who,
           ": greedy pre-training needs a stacked preset (hinton)");
  HG_CHECK(dense || dense_override == nullptr, who,
           ": --hidden, --activation and --output-activation reshape dense presets only");
  if (dense) {
    const DenseArchitecture& arch = dense_override != nullptr ? *dense_override : preset.dense;
    HG_CHECK(!arch.hidden.empty(), who, ": a dense model needs at least one hidden size");
    const std::string code_activation =
        arch.code_activation.empty() ? arch.hidden_activation : arch.code_activation;
    validate_code_regularizer(recipe_code_regularizer(recipe), preset_latent(preset, recipe),
                              code_activation);
    if (recipe.contractive > 0.0f) {
      ContractiveOptions contractive;
      contractive.weight = recipe.contractive;
      validate_contractive(contractive, arch.hidden_activation);
    }
  }
}

namespace {

std::unique_ptr<Autoencoder> build_preset_model(const Preset& preset, const Recipe& recipe,
                                                const std::vector<int64_t>& sample_shape,
                                                uint64_t seed,
                                                const DenseArchitecture* dense_override) {
  const int64_t latent = preset_latent(preset, recipe);
  switch (preset.family) {
    case ModelFamily::kDense: {
      const DenseArchitecture& arch = dense_override != nullptr ? *dense_override : preset.dense;
      DenseAutoencoderOptions options;
      options.sizes = {dense_input_dim(sample_shape)};
      options.sizes.insert(options.sizes.end(), arch.hidden.begin(), arch.hidden.end());
      options.sizes.back() = latent;
      options.hidden_activation = arch.hidden_activation;
      options.code_activation = arch.code_activation;
      options.output_activation = arch.output_activation;
      options.seed = seed;
      options.tied_weights = recipe.tied;
      options.code_regularizer = recipe_code_regularizer(recipe);
      options.contractive.weight = recipe_contractive_weight(recipe, options.sizes.front());
      options.contractive.seed = seed;
      return std::make_unique<DenseAutoencoder>(options);
    }
    case ModelFamily::kConv:
      check_mnist_image(preset, sample_shape);
      if (preset.name == "keras-conv") return keras_conv_autoencoder(latent, seed);
      if (preset.name == "keras-io-conv") return keras_io_conv_autoencoder(latent, seed);
      if (preset.name == "torch-conv") return torch_conv_autoencoder(latent, seed);
      break;
    case ModelFamily::kVae:
      if (preset.name == "vae") {
        VaeOptions options;
        options.input_dim = dense_input_dim(sample_shape);
        options.latent = latent;
        options.beta = recipe.beta;
        options.seed = seed;
        options.noise_seed = seed + 1;
        return std::make_unique<Vae>(options);
      }
      if (preset.name == "conv-vae") {
        check_mnist_image(preset, sample_shape);
        ConvVaeOptions options;
        options.latent = latent;
        options.beta = recipe.beta;
        options.seed = seed;
        options.noise_seed = seed + 1;
        return std::make_unique<ConvVae>(options);
      }
      break;
    case ModelFamily::kStacked: {
      StackedAutoencoderOptions options = hinton_deep_autoencoder_options(seed);
      options.sizes.front() = dense_input_dim(sample_shape);
      options.sizes.back() = latent;
      options.num_classes = 0;  // fine-tuned on reconstruction, as the unrolled deep autoencoder
      return std::make_unique<StackedAutoencoder>(options);
    }
  }
  HG_FAIL("preset '", preset.name, "' has no builder");
}

}  // namespace

std::unique_ptr<Autoencoder> build_preset(const Preset& preset, const Recipe& recipe,
                                          const std::vector<int64_t>& sample_shape, uint64_t seed,
                                          const DenseArchitecture* dense_override) {
  check_preset_recipe(preset, recipe, dense_override);
  std::unique_ptr<Autoencoder> model =
      build_preset_model(preset, recipe, sample_shape, seed, dense_override);
  if (preset.init == WeightInit::kKeras) {
    Generator gen(seed);
    nn::keras_init(*model, gen);
  }
  return model;
}

}  // namespace hg::models
