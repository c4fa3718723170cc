// Presets and model spec files: every preset builds for MNIST-shaped data with the parameter
// count of its architecture counted by hand, --latent resizes each code, the recipes carry their
// sources' settings, variant settings a family cannot take are refused; spec files in JSON and
// TOML build the same model (and the conv VAE spec the conv-vae preset's, weight for weight),
// and bad specs fail naming the file and the entry.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/models/presets.h"
#include "hourglass/models/spec.h"
#include "hourglass/models/vae.h"
#include "support/expect_error.h"

namespace hg::models {
namespace {

const std::vector<int64_t> kMnist{1, 28, 28};

Tensor mnist_batch() {
  Generator gen(3);
  return Tensor::rand(Shape{2, 1, 28, 28}, Device::cpu(), 0.0f, 1.0f, &gen);
}

std::unique_ptr<Autoencoder> build(const std::string& name, int64_t latent = 0) {
  const Preset& preset = find_preset(name);
  Recipe recipe = preset.recipe;
  if (latent > 0) recipe.latent = latent;
  return build_preset(preset, recipe, kMnist, 0);
}

// Linear(in, out) with bias; Conv2d / ConvTranspose2d (in, out, k) with bias.
int64_t linear(int64_t in, int64_t out) {
  return in * out + out;
}
int64_t conv(int64_t in, int64_t out, int64_t k) {
  return in * out * k * k + out;
}

TEST(Presets, EveryPresetBuildsWithItsHandCountedParameters) {
  const std::map<std::string, int64_t> expected{
      {"dense", linear(784, 64) + linear(64, 784)},
      {"keras-dense", linear(784, 32) + linear(32, 784)},
      {"keras-sparse", linear(784, 32) + linear(32, 784)},
      {"keras-deep", linear(784, 128) + linear(128, 64) + linear(64, 32) + linear(32, 64) +
                         linear(64, 128) + linear(128, 784)},
      {"multilayer", linear(784, 128) + linear(128, 64) + linear(64, 128) + linear(128, 784)},
      {"linear", linear(784, 16) + linear(16, 784)},
      // Encoder conv 1-16, 16-8, 8-8; decoder conv 8-8, 8-8, 8-16, 16-1, all 3x3.
      {"keras-conv", conv(1, 16, 3) + conv(16, 8, 3) + conv(8, 8, 3) + conv(8, 8, 3) +
                         conv(8, 8, 3) + conv(8, 16, 3) + conv(16, 1, 3)},
      {"keras-io-conv",
       conv(1, 32, 3) + conv(32, 32, 3) + conv(32, 32, 3) + conv(32, 32, 3) + conv(32, 1, 3)},
      {"torch-conv", conv(1, 32, 5) + conv(32, 32, 5) + conv(32, 32, 4) + conv(32, 32, 3) +
                         conv(32, 8, 4) + conv(8, 32, 4) + conv(32, 32, 3) + conv(32, 32, 4) +
                         conv(32, 32, 5) + conv(32, 1, 5)},
      // fc1, fc21, fc22, fc3, fc4.
      {"vae", linear(784, 400) + 2 * linear(400, 20) + linear(20, 400) + linear(400, 784)},
      // conv 1-32 k4, conv 32-64 k4, fc_mu / fc_logvar 3136-20, Linear 20-3136, deconv 64-32,
      // deconv 32-1 (k4).
      {"conv-vae", conv(1, 32, 4) + conv(32, 64, 4) + 2 * linear(3136, 20) + linear(20, 3136) +
                       conv(64, 32, 4) + conv(32, 1, 4)},
      {"hinton", linear(784, 1000) + linear(1000, 500) + linear(500, 250) + linear(250, 30) +
                     linear(30, 250) + linear(250, 500) + linear(500, 1000) + linear(1000, 784)},
      // Tied: the decoder owns only its bias.
      {"cae", linear(784, 1000) + 784},
      {"ksparse", linear(784, 1000) + 784},
  };
  ASSERT_EQ(presets().size(), expected.size());
  const Tensor x = mnist_batch();
  for (const Preset& preset : presets()) {
    SCOPED_TRACE(preset.name);
    ASSERT_EQ(expected.count(preset.name), 1u);
    auto model = build(preset.name);
    EXPECT_EQ(model->num_parameters(), expected.at(preset.name));
    NoGrad no_grad;
    model->eval();
    const Tensor y = model->forward(x);
    EXPECT_EQ(y.dim(0), 2);
    EXPECT_EQ(y.numel(), 2 * 784);
    if (preset.family == ModelFamily::kConv) {
      EXPECT_EQ(y.shape(), (Shape{2, 1, 28, 28}));
    }
  }
}

TEST(Presets, LatentResizesEveryCode) {
  const Tensor x = mnist_batch();
  const std::vector<std::pair<std::string, Shape>> cases{
      {"dense", Shape{2, 7}},
      {"keras-dense", Shape{2, 7}},
      {"keras-sparse", Shape{2, 7}},
      {"keras-deep", Shape{2, 7}},
      {"multilayer", Shape{2, 7}},
      {"linear", Shape{2, 7}},
      {"keras-conv", Shape{2, 7, 4, 4}},
      {"keras-io-conv", Shape{2, 7, 7, 7}},
      {"torch-conv", Shape{2, 7, 1, 1}},
      {"vae", Shape{2, 7}},
      {"conv-vae", Shape{2, 7}},
      {"hinton", Shape{2, 7}},
      {"cae", Shape{2, 7}},
  };
  for (const auto& [name, code] : cases) {
    SCOPED_TRACE(name);
    auto model = build(name, 7);
    NoGrad no_grad;
    model->eval();
    EXPECT_EQ(model->encode(x).shape(), code);
    EXPECT_EQ(model->forward(x).numel(), 2 * 784);
  }
  // ksparse keeps k = 25 units, so its code must stay larger than k.
  auto ksparse = build("ksparse", 100);
  NoGrad no_grad;
  EXPECT_EQ(ksparse->encode(x).shape(), (Shape{2, 100}));
  // The default code sizes.
  EXPECT_EQ(find_preset("keras-dense").recipe.latent, 32);
  EXPECT_EQ(find_preset("keras-conv").recipe.latent, 8);
  EXPECT_EQ(find_preset("vae").recipe.latent, 20);
  EXPECT_EQ(find_preset("hinton").recipe.latent, 30);
  EXPECT_EQ(find_preset("linear").recipe.latent, 16);
}

TEST(Presets, RecipesCarryTheirSourcesSettings) {
  for (const Preset& p : presets()) {
    SCOPED_TRACE(p.name);
    EXPECT_FALSE(p.summary.empty());
    EXPECT_FALSE(p.source.empty());
    EXPECT_FALSE(p.notes.empty());
    EXPECT_NO_THROW(validate_recipe(p.recipe));
    EXPECT_GT(p.recipe.lr, 0.0f);
  }
  const Recipe& keras = find_preset("keras-dense").recipe;
  EXPECT_EQ(keras.optimizer, "adadelta");
  EXPECT_EQ(keras.lr, 1.0f);
  EXPECT_EQ(keras.adadelta_rho, 0.95f);
  EXPECT_EQ(keras.adadelta_eps, 1e-7f);
  EXPECT_EQ(keras.loss, "bce");
  EXPECT_EQ(keras.batch, 256);
  EXPECT_EQ(keras.epochs, 50);
  EXPECT_EQ(find_preset("keras-sparse").recipe.sparsity, "l1");
  EXPECT_EQ(find_preset("keras-sparse").recipe.l1, 1e-4f);
  EXPECT_EQ(find_preset("keras-deep").recipe.epochs, 100);
  EXPECT_EQ(find_preset("keras-conv").recipe.batch, 128);
  const Recipe& multilayer = find_preset("multilayer").recipe;
  EXPECT_EQ(multilayer.loss, "mse");
  EXPECT_EQ(multilayer.batch, 32);
  EXPECT_EQ(multilayer.epochs, 5);
  EXPECT_EQ(find_preset("linear").recipe.loss, "mse");
  EXPECT_EQ(find_preset("linear").dense.hidden_activation, "identity");
  EXPECT_EQ(find_preset("torch-conv").recipe.loss, "mse");
  const Recipe& vae = find_preset("vae").recipe;
  EXPECT_EQ(vae.optimizer, "adam");
  EXPECT_EQ(vae.lr, 1e-3f);
  EXPECT_EQ(vae.batch, 128);
  EXPECT_EQ(vae.epochs, 10);
  const Recipe& hinton = find_preset("hinton").recipe;
  EXPECT_EQ(hinton.batch, 100);
  EXPECT_EQ(hinton.pretrain_epochs, 50);
  EXPECT_EQ(hinton.epochs, 200);
  const Recipe& cae = find_preset("cae").recipe;
  EXPECT_TRUE(cae.tied);
  EXPECT_EQ(cae.contractive, 0.1f);
  EXPECT_EQ(find_preset("cae").dense.hidden_activation, "sigmoid");
  const Recipe& ksparse = find_preset("ksparse").recipe;
  EXPECT_TRUE(ksparse.tied);
  EXPECT_EQ(ksparse.sparsity, "ksparse");
  EXPECT_EQ(ksparse.k, 25);
  EXPECT_EQ(ksparse.alpha, 3.0f);
  EXPECT_EQ(ksparse.loss, "mse");
}

// Rifai et al. 2011's objective, computed by hand in double on a tiny batch: the mean over the
// batch of [cross-entropy summed over the 784 pixels + 0.1 ||J_f(x)||_F^2]. The engine's BCE is
// a per-pixel mean, so its objective must be the source's divided by D = 784, term by term
// (relative tolerance 1e-4: float forward passes over 784 and 1000 sums).
TEST(Presets, CaeObjectiveIsRifaisDividedByThePixelCount) {
  auto model = build("cae");
  const Tensor x = mnist_batch();
  std::map<std::string, std::vector<float>> p;
  for (const auto& [name, t] : model->named_parameters())
    p[name] = t.to_vector();
  const std::vector<float>& w = p.at("encoder.0.weight");  // [1000, 784]
  const std::vector<float>& b = p.at("encoder.0.bias");
  const std::vector<float>& c = p.at("decoder.0.bias");
  ASSERT_EQ(w.size(), 1000u * 784u);
  ASSERT_EQ(c.size(), 784u);
  const std::vector<float> xs = x.to_vector();
  double bce_sum = 0, jacobian_sum = 0;
  for (int n = 0; n < 2; ++n) {
    const float* xn = xs.data() + n * 784;
    std::vector<double> h(1000);
    for (int j = 0; j < 1000; ++j) {
      double a = b[j], w2 = 0;
      for (int i = 0; i < 784; ++i) {
        a += double(w[j * 784 + i]) * xn[i];
        w2 += double(w[j * 784 + i]) * w[j * 784 + i];
      }
      h[j] = 1 / (1 + std::exp(-a));
      jacobian_sum += std::pow(h[j] * (1 - h[j]), 2) * w2;  // sum_i J[j][i]^2, sigmoid slope
    }
    for (int i = 0; i < 784; ++i) {
      double a = c[i];
      for (int j = 0; j < 1000; ++j)
        a += double(w[j * 784 + i]) * h[j];  // tied: the decoder's weight is W^T
      const double y = 1 / (1 + std::exp(-a));
      bce_sum -= xn[i] * std::log(y) + (1 - xn[i]) * std::log(1 - y);
    }
  }
  const double source_reconstruction = bce_sum / 2, source_penalty = 0.1 * jacobian_sum / 2;
  const Objective objective = model->objective(x, x, ReconstructionLoss::kBce);
  ASSERT_EQ(objective.terms.size(), 2u);
  EXPECT_NEAR(objective.terms[0].value.item() * 784, source_reconstruction,
              1e-4 * source_reconstruction);
  EXPECT_EQ(objective.terms[1].name, "contractive");
  EXPECT_NEAR(objective.terms[1].value.item() * 784, source_penalty, 1e-4 * source_penalty);
  EXPECT_NEAR(objective.total.item() * 784, source_reconstruction + source_penalty,
              1e-4 * (source_reconstruction + source_penalty));
  clear_tape();
}

// The Keras sources' presets start as Keras's layers do (glorot_uniform kernels, zero biases;
// the distribution itself is checked in tests/nn/init_test.cpp), the others as PyTorch's.
TEST(Presets, KerasPresetsUseKerasInitialisation) {
  for (const Preset& preset : presets()) {
    const bool keras = preset.name.rfind("keras", 0) == 0;
    EXPECT_EQ(preset.init == WeightInit::kKeras, keras) << preset.name;
    if (preset.family != ModelFamily::kDense) continue;
    auto model = build(preset.name);
    const auto p = model->named_parameters();
    const Tensor& w = p.at(0).second;  // encoder.0.weight [out, in]
    const double a = std::sqrt(6.0 / double(w.dim(0) + w.dim(1)));
    const double torch_bound = 1 / std::sqrt(double(w.dim(1)));
    float largest = 0;
    for (float v : w.to_vector())
      largest = std::max(largest, std::abs(v));
    const std::vector<float> bias = p.at(1).second.to_vector();
    const bool zero_bias = std::all_of(bias.begin(), bias.end(), [](float v) { return v == 0; });
    if (keras) {
      EXPECT_LE(largest, a) << preset.name;
      EXPECT_GT(largest, 0.95 * a) << preset.name;  // the bound is Keras's, not PyTorch's
      EXPECT_TRUE(zero_bias) << preset.name;
    } else {
      EXPECT_LE(largest, torch_bound) << preset.name;
      EXPECT_FALSE(zero_bias) << preset.name;
    }
  }
}

TEST(Presets, RecipeOptimizerTakesItsSettings) {
  auto model = build("keras-dense");
  auto adadelta = make_recipe_optimizer(find_preset("keras-dense").recipe, model->parameters());
  auto* typed = dynamic_cast<optim::Adadelta*>(adadelta.get());
  ASSERT_NE(typed, nullptr);
  EXPECT_EQ(typed->options().lr, 1.0f);
  EXPECT_EQ(typed->options().rho, 0.95f);
  EXPECT_EQ(typed->options().eps, 1e-7f);
  Recipe sgd = find_preset("dense").recipe;
  sgd.optimizer = "sgd";
  sgd.lr = 0.05f;
  sgd.momentum = 0.9f;
  auto made = make_recipe_optimizer(sgd, model->parameters());
  auto* typed_sgd = dynamic_cast<optim::SGD*>(made.get());
  ASSERT_NE(typed_sgd, nullptr);
  EXPECT_EQ(typed_sgd->options().lr, 0.05f);
  EXPECT_EQ(typed_sgd->options().momentum, 0.9f);
}

TEST(Presets, VariantsAFamilyCannotTakeAreRefused) {
  Recipe tied = find_preset("keras-conv").recipe;
  tied.tied = true;
  testing::expect_error([&] { check_preset_recipe(find_preset("keras-conv"), tied); },
                        {"keras-conv", "tied weights need a dense preset"});
  Recipe beta = find_preset("dense").recipe;
  beta.beta = 4.0f;
  testing::expect_error([&] { check_preset_recipe(find_preset("dense"), beta); }, {"beta", "vae"});
  Recipe kl = find_preset("keras-dense").recipe;
  kl.sparsity = "kl";
  kl.sparsity_weight = 3.0f;
  testing::expect_error([&] { check_preset_recipe(find_preset("keras-dense"), kl); }, {"sigmoid"});
  Recipe k = find_preset("ksparse").recipe;
  k.latent = 10;  // below k = 25
  testing::expect_error([&] { check_preset_recipe(find_preset("ksparse"), k); }, {"k must lie"});
  testing::expect_error([] { find_preset("no-such"); }, {"unknown preset 'no-such'", "hinton"});
  Recipe pre = find_preset("vae").recipe;
  pre.pretrain_epochs = 2;
  testing::expect_error([&] { check_preset_recipe(find_preset("vae"), pre); }, {"pre-training"});
}

// ---- spec files ---------------------------------------------------------------------------------

std::string spec_path(const std::string& name) {
  return std::string(HG_SOURCE_DIR) + "/examples/specs/" + name;
}

std::unique_ptr<Autoencoder> build_spec(const ModelSpec& spec, uint64_t seed = 0) {
  return build_spec_model(spec, spec.recipe, kMnist, seed);
}

void expect_same_parameters(const Autoencoder& a, const Autoencoder& b) {
  const auto pa = a.named_parameters();
  const auto pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].first, pb[i].first);
    EXPECT_EQ(pa[i].second.shape(), pb[i].second.shape());
    EXPECT_EQ(pa[i].second.to_vector(), pb[i].second.to_vector()) << pa[i].first;
  }
}

TEST(Specs, JsonAndTomlBuildTheSameModel) {
  const ModelSpec json = load_model_spec(spec_path("dense.json"));
  const ModelSpec toml = load_model_spec(spec_path("dense.toml"));
  EXPECT_EQ(json.name, "dense-256-32");
  EXPECT_EQ(toml.name, json.name);
  EXPECT_EQ(json.options_set, toml.options_set);
  EXPECT_EQ(toml.recipe.epochs, 10);
  auto a = build_spec(json);
  auto b = build_spec(toml);
  EXPECT_EQ(a->type_name(), "DenseAutoencoder");  // a mirrored dense spec
  EXPECT_EQ(a->num_parameters(),
            linear(784, 256) + linear(256, 32) + linear(32, 256) + linear(256, 784));
  expect_same_parameters(*a, *b);
  const Tensor x = mnist_batch();
  NoGrad no_grad;
  EXPECT_EQ(a->forward(x).to_vector(), b->forward(x).to_vector());
}

TEST(Specs, ConvSpecInfersShapesAndTakesLatent) {
  const ModelSpec spec = load_model_spec(spec_path("small-conv.toml"));
  auto model = build_spec(spec);
  EXPECT_EQ(model->num_parameters(), conv(1, 16, 3) + conv(16, 32, 3) + conv(32, 8, 3) +
                                         conv(8, 32, 3) + conv(32, 16, 3) + conv(16, 1, 3));
  const Tensor x = mnist_batch();
  NoGrad no_grad;
  EXPECT_EQ(model->encode(x).shape(), (Shape{2, 8, 7, 7}));
  EXPECT_EQ(model->forward(x).shape(), (Shape{2, 1, 28, 28}));
  Recipe recipe = spec.recipe;
  recipe.latent = 3;
  auto smaller = build_spec_model(spec, recipe, kMnist, 0);
  EXPECT_EQ(smaller->encode(x).shape(), (Shape{2, 3, 7, 7}));
  // Variants of dense models are refused for a conv spec.
  recipe.tied = true;
  testing::expect_error([&] { build_spec_model(spec, recipe, kMnist, 0); },
                        {"small-conv.toml", "need a dense spec"});
}

TEST(Specs, ConvVaeSpecIsTheConvVaePreset) {
  const ModelSpec spec = load_model_spec(spec_path("conv-vae.toml"));
  EXPECT_EQ(spec.recipe.variant, "vae");
  auto from_spec = build_spec(spec, 5);
  auto preset = build("conv-vae");
  auto same_seed = build_preset(find_preset("conv-vae"), find_preset("conv-vae").recipe, kMnist, 5);
  EXPECT_NE(dynamic_cast<VariationalAutoencoder*>(from_spec.get()), nullptr);
  EXPECT_EQ(from_spec->num_parameters(), preset->num_parameters());
  expect_same_parameters(*from_spec, *same_seed);
  const Tensor x = mnist_batch();
  NoGrad no_grad;
  from_spec->eval();
  same_seed->eval();
  EXPECT_EQ(from_spec->forward(x).to_vector(), same_seed->forward(x).to_vector());
  EXPECT_EQ(from_spec->encode(x).shape(), (Shape{2, 20}));
}

TEST(Specs, DenseSpecTakesTheDenseVariants) {
  ModelSpec spec = load_model_spec(spec_path("dense.json"));
  Recipe recipe = spec.recipe;
  recipe.tied = true;
  recipe.sparsity = "l1";
  recipe.l1 = 1e-3f;
  auto model = build_spec_model(spec, recipe, kMnist, 0);
  EXPECT_EQ(model->num_parameters(), linear(784, 256) + linear(256, 32) + 256 + 784);
  const Tensor x = mnist_batch();
  const Objective objective = model->objective(x, x, ReconstructionLoss::kBce);
  ASSERT_EQ(objective.terms.size(), 2u);
  EXPECT_EQ(objective.terms[1].name, "l1");
}

ModelSpec parse_toml(const std::string& text) {
  return parse_model_spec(text, "toml", "bad.toml");
}

// toml++ 3.3.0 reaches undefined behaviour on U+00A1..U+0499 and two more ranges (see
// hourglass/io/toml_text.h); a λ in a comment and Greek and CJK names read back as written, and
// the fuzzer's input (U+036E then "p") is an ordinary syntax error.
TEST(Specs, NonAsciiTomlTextReadsBackAsWritten) {
  const std::string name = "\u03bb-\u00e9-\u30c6-\ufe30";  // λ, é, テ, ︰: one from each range
  const ModelSpec spec = parse_toml("# Rifai's \u03bb per pixel\nname = \"" + name +
                                    "\"\nencoder = [\"flatten\", { layer = \"linear\", out = 8 }]\n"
                                    "decoder = [{ layer = \"linear\", out = 784 }, \"sigmoid\"]\n");
  EXPECT_EQ(spec.name, name);
  testing::expect_error([] { parse_toml(std::string("\xcd\xaep\0", 4)); },
                        {"bad.toml:1:1", "not valid TOML", "\u036e"});
}

TEST(Specs, BadSpecsNameTheFileAndTheEntry) {
  const std::string decoder = "decoder = [{ layer = \"linear\", out = 784 }, \"sigmoid\"]\n";
  testing::expect_error(
      [&] { parse_toml("encoder = [\"flatten\", { layer = \"dense\", out = 8 }]\n" + decoder); },
      {"bad.toml", "encoder[1]", "unknown layer 'dense'", "conv2d"});
  testing::expect_error(
      [&] { parse_toml("encoder = [{ layer = \"conv2d\", out = 8 }]\n" + decoder); },
      {"bad.toml", "encoder[0] (conv2d)", "missing field 'kernel'"});
  testing::expect_error(
      [&] { parse_toml("encoder = [{ layer = \"linear\", out = 8, size = 3 }]\n" + decoder); },
      {"bad.toml", "encoder[0] (linear)", "unknown field 'size'"});
  testing::expect_error(
      [&] { parse_toml("encoder = [{ layer = \"linear\", out = \"many\" }]\n" + decoder); },
      {"bad.toml", "encoder[0] (linear)", "field 'out'", "\"many\""});
  testing::expect_error([&] { parse_toml(decoder); }, {"bad.toml", "missing 'encoder'"});
  testing::expect_error([&] { parse_toml("encoder = [\"flatten\"\n" + decoder); },
                        {"bad.toml:", "not valid TOML"});
  testing::expect_error(
      [&] {
        parse_toml("encoder = [\"flatten\", { layer = \"linear\", out = 8 }, \"relu\"]\n" +
                   decoder + "[options]\nlearning_rate = 0.1\n");
      },
      {"bad.toml: options", "unknown field 'learning_rate'"});
  testing::expect_error(
      [&] {
        parse_toml("encoder = [\"flatten\"]\n" + decoder + "[options]\noptimizer = \"adamax\"\n");
      },
      {"bad.toml: options", "unknown optimizer 'adamax'"});
  testing::expect_error(
      [&] { parse_model_spec("{\"encoder\": [\"flatten\",]}", "json", "bad.json"); },
      {"bad.json", "not valid JSON"});

  // Shape errors, found when building for the data's sample shape.
  const ModelSpec conv_on_flat = parse_toml(
      "encoder = [\"flatten\", { layer = \"conv2d\", out = 4, kernel = 3 }]\n" + decoder);
  testing::expect_error(
      [&] { build_spec(conv_on_flat); },
      {"bad.toml: encoder[1] (conv2d)", "expects an image input", "[784]", "unflatten"});
  const ModelSpec linear_on_image = parse_toml(
      "encoder = [{ layer = \"linear\", out = 8 }, \"relu\"]\n"
      "decoder = [{ layer = \"linear\", out = 100 }, \"relu\", "
      "{ layer = \"linear\", out = 784 }]\n");
  testing::expect_error([&] { build_spec(linear_on_image); },
                        {"bad.toml: encoder[0] (linear)", "[1, 28, 28]", "flatten"});
  const ModelSpec wrong_output = parse_toml(
      "encoder = [\"flatten\", { layer = \"linear\", out = 8 }, \"relu\"]\n"
      "decoder = [{ layer = \"linear\", out = 700 }, \"sigmoid\"]\n");
  testing::expect_error([&] { build_spec(wrong_output); },
                        {"bad.toml", "decoder's output [700]", "does not match the input"});
  const ModelSpec too_small = parse_toml(
      "encoder = [{ layer = \"conv2d\", out = 4, kernel = 30 }]\n"
      "decoder = [{ layer = \"conv_transpose2d\", out = 1, kernel = 30 }]\n");
  testing::expect_error([&] { build_spec(too_small); },
                        {"bad.toml: encoder[0] (conv2d)", "[1, 28, 28]"});

  testing::expect_error([] { load_model_spec("/no/such/model.toml"); },
                        {"/no/such/model.toml", "cannot open"});
  testing::expect_error([] { load_model_spec("model.yaml"); }, {"model.yaml", ".json or .toml"});
}

}  // namespace
}  // namespace hg::models
