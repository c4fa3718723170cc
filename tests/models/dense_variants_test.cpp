// DenseAutoencoder variants: tied weights (shared storage, PyTorch names, the summed gradient
// against finite differences), the k-sparse code (exactly k kept in training, alpha * k when
// encoding, gradient only through kept units, the annealing schedule), the L1 / KL / contractive
// terms against hand computations in double, the stochastic contractive estimate (exact J v,
// unbiased against the brute-force Jacobian, differentiable), and every variant learning on
// generated data on each device.
#include <gtest/gtest.h>

#include <cmath>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/models/code_regularizer.h"
#include "hourglass/models/contractive.h"
#include "hourglass/models/dense_autoencoder.h"
#include "hourglass/models/tied_linear.h"
#include "hourglass/models/trainer.h"
#include "hourglass/ops/ops.h"
#include "support/devices.h"
#include "zoo_test_util.h"

namespace hg::models {
namespace {

using zoo_test::to_double;

Tensor param(const DenseAutoencoder& model, const std::string& name) {
  for (const auto& [n, t] : model.named_parameters())
    if (n == name) return t;
  ADD_FAILURE() << "no parameter " << name;
  return Tensor();
}

double term(const Objective& objective, const std::string& name) {
  for (const LossTerm& t : objective.terms)
    if (t.name == name) return t.value.item();
  ADD_FAILURE() << "no term " << name;
  return NAN;
}

// Checks the gradient `g` already computed for `w` against central differences (step 1e-2) of
// `loss()`, element by element within rel * |fd| + abs, and restores w.
template <class Loss>
void expect_gradient_matches_finite_differences(Tensor w, const std::vector<float>& g, Loss loss,
                                                double rel, double abs) {
  NoGrad no_grad;
  const std::vector<float> w0 = w.to_vector();
  const float eps = 1e-2f;
  for (size_t e = 0; e < w0.size(); ++e) {
    std::vector<float> wp = w0, wm = w0;
    wp[e] += eps;
    wm[e] -= eps;
    w.copy_(Tensor::from_vector(wp, w.shape()));
    const double lp = loss().item();
    w.copy_(Tensor::from_vector(wm, w.shape()));
    const double lm = loss().item();
    const double fd = (lp - lm) / (2 * eps);
    EXPECT_NEAR(g[e], fd, rel * std::fabs(fd) + abs) << "element " << e;
  }
  w.copy_(Tensor::from_vector(w0, w.shape()));
}

// ---- tied weights ---------------------------------------------------------------------------

TEST(TiedWeights, DecoderOwnsOnlyBiasesAndSharesTheEncoderStorage) {
  DenseAutoencoderOptions o;
  o.sizes = {10, 6, 3};
  o.tied_weights = true;
  DenseAutoencoder model(o);
  std::vector<std::string> names;
  for (const auto& p : model.named_parameters())
    names.push_back(p.first);
  EXPECT_EQ(names,
            (std::vector<std::string>{"encoder.0.weight", "encoder.0.bias", "encoder.2.weight",
                                      "encoder.2.bias", "decoder.0.bias", "decoder.2.bias"}));
  EXPECT_EQ(param(model, "decoder.0.bias").shape(), (Shape{6}));
  EXPECT_EQ(param(model, "decoder.2.bias").shape(), (Shape{10}));
  EXPECT_EQ(model.num_parameters(), 10 * 6 + 6 + 6 * 3 + 3 + 6 + 10);
  const auto* first = dynamic_cast<const TiedLinear*>(model.decoder()[0].get());
  const auto* last = dynamic_cast<const TiedLinear*>(model.decoder()[2].get());
  ASSERT_NE(first, nullptr);
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(first->tied_weight().impl(), param(model, "encoder.2.weight").impl());
  EXPECT_EQ(last->tied_weight().impl(), param(model, "encoder.0.weight").impl());
  // An optimizer step on the encoder weight is seen by the decoder.
  const Tensor x = Tensor::rand(Shape{4, 10});
  auto sgd = optim::make_optimizer("sgd", model.parameters(), 0.5f);
  backward(reconstruction_loss(model, x, ReconstructionLoss::kMse));
  sgd->step();
  EXPECT_EQ(last->tied_weight().to_vector(), param(model, "encoder.0.weight").to_vector());
  EXPECT_NE(model.describe().find("tied weights"), std::string::npos) << model.describe();
}

// The tied gradient is the sum of the encoder's and the decoder's: equal to an untied twin's
// encoder gradient plus its decoder gradient transposed, and to central differences.
TEST(TiedWeights, GradientSumsBothUsesAndMatchesFiniteDifferences) {
  DenseAutoencoderOptions o;
  o.sizes = {5, 3};
  o.hidden_activation = "tanh";
  o.tied_weights = true;
  o.seed = 3;
  DenseAutoencoder tied(o);
  o.tied_weights = false;
  DenseAutoencoder twin(o);
  Tensor w = param(tied, "encoder.0.weight");
  param(twin, "encoder.0.weight").copy_(w);
  param(twin, "encoder.0.bias").copy_(param(tied, "encoder.0.bias"));
  param(twin, "decoder.0.bias").copy_(param(tied, "decoder.0.bias"));
  {  // decoder.0.weight = W^T
    const std::vector<float> wv = w.to_vector();
    std::vector<float> wt(15);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 5; ++j)
        wt[j * 3 + i] = wv[i * 5 + j];
    param(twin, "decoder.0.weight").copy_(Tensor::from_vector(wt, Shape{5, 3}));
  }
  Generator gen(8);
  const Tensor x = Tensor::rand(Shape{6, 5}, Device::cpu(), 0, 1, &gen);
  const auto loss_of = [&](DenseAutoencoder& m) {
    return reconstruction_loss(m, x, ReconstructionLoss::kBce);
  };
  backward(loss_of(tied));
  backward(loss_of(twin));
  const std::vector<float> g = w.grad().to_vector();
  const std::vector<float> ge = param(twin, "encoder.0.weight").grad().to_vector();
  const std::vector<float> gd = param(twin, "decoder.0.weight").grad().to_vector();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 5; ++j)
      EXPECT_NEAR(g[i * 5 + j], ge[i * 5 + j] + gd[j * 3 + i], 1e-6f) << i << "," << j;

  expect_gradient_matches_finite_differences(
      w, g, [&] { return loss_of(tied); }, 2e-3, 2e-5);
}

// ---- k-sparse -------------------------------------------------------------------------------

int64_t nonzeros(const std::vector<float>& row) {
  int64_t n = 0;
  for (float v : row)
    n += v != 0.0f;
  return n;
}

TEST(KSparse, KeepsKInTrainingAndAlphaKWhenEncoding) {
  DenseAutoencoderOptions o;
  o.sizes = {12, 10};
  o.code_activation = "identity";
  o.code_regularizer.kind = CodeRegularizer::kKSparse;
  o.code_regularizer.k = 3;
  o.code_regularizer.alpha = 2.0f;
  o.seed = 2;
  DenseAutoencoder model(o);
  Generator gen(4);
  const Tensor x = Tensor::rand(Shape{7, 12}, Device::cpu(), 0, 1, &gen);
  const DenseAutoencoder::EncoderPass pass = model.encode_traced(x);
  const std::vector<float> dense = pass.layers.back().post.to_vector();
  const std::vector<float> code = pass.code.to_vector();
  EXPECT_EQ(model.active_k(), 3);
  for (int n = 0; n < 7; ++n) {
    const std::vector<float> row(code.begin() + n * 10, code.begin() + (n + 1) * 10);
    EXPECT_EQ(nonzeros(row), 3) << "row " << n;
    // The kept values are the row's three largest, unchanged.
    std::vector<float> sorted(dense.begin() + n * 10, dense.begin() + (n + 1) * 10);
    std::sort(sorted.begin(), sorted.end(), std::greater<float>());
    for (int j = 0; j < 10; ++j) {
      const float v = dense[n * 10 + j];
      EXPECT_EQ(row[j], v >= sorted[2] ? v : 0.0f);
    }
  }
  // The gradient reaches only kept units: d sum(code) / d bias_j counts the rows keeping j.
  backward(sum(pass.code));
  const std::vector<float> bias_grad = param(model, "encoder.0.bias").grad().to_vector();
  for (int j = 0; j < 10; ++j) {
    int kept = 0;
    for (int n = 0; n < 7; ++n)
      kept += code[n * 10 + j] != 0.0f;
    EXPECT_EQ(bias_grad[j], static_cast<float>(kept)) << "unit " << j;
  }
  model.eval();
  EXPECT_EQ(model.active_k(), 6);
  NoGrad no_grad;
  const std::vector<float> encoded = model.encode(x).to_vector();
  for (int n = 0; n < 7; ++n)
    EXPECT_EQ(nonzeros({encoded.begin() + n * 10, encoded.begin() + (n + 1) * 10}), 6);
  // alpha * k beyond the code size keeps every unit.
  o.code_regularizer.alpha = 5.0f;
  DenseAutoencoder wide(o);
  wide.eval();
  EXPECT_EQ(wide.active_k(), 10);
}

TEST(KSparse, ScheduleAnnealsLinearlyThroughTheTrainer) {
  CodeRegularizerOptions c;
  c.kind = CodeRegularizer::kKSparse;
  c.k = 2;
  c.k_start = 8;
  c.anneal_epochs = 3;
  EXPECT_EQ(ksparse_training_k(c, 0), 8);
  EXPECT_EQ(ksparse_training_k(c, 1), 6);
  EXPECT_EQ(ksparse_training_k(c, 2), 4);
  EXPECT_EQ(ksparse_training_k(c, 3), 2);
  EXPECT_EQ(ksparse_training_k(c, 10), 2);

  DenseAutoencoderOptions o;
  o.sizes = {6, 8};
  o.code_activation = "identity";
  o.code_regularizer = c;
  DenseAutoencoder model(o);
  EXPECT_EQ(model.active_k(), 8);
  const data::Dataset ds = zoo_test::low_rank_dataset(8, 6, 2, 1);
  data::DataLoader train = zoo_test::loader(ds, 8, Device::cpu());
  auto sgd = optim::make_optimizer("sgd", model.parameters(), 0.01f);
  std::vector<int64_t> ks;
  TrainOptions to;
  to.epochs = 5;
  to.progress = false;
  to.loss = ReconstructionLoss::kMse;
  to.on_epoch = [&](const EpochRecord&) { ks.push_back(model.active_k()); };
  train_autoencoder(model, *sgd, train, nullptr, to);
  EXPECT_EQ(ks, (std::vector<int64_t>{8, 6, 4, 2, 2}));
}

TEST(KSparse, RejectsBadSettings) {
  DenseAutoencoderOptions o;
  o.sizes = {6, 4};
  o.code_regularizer.kind = CodeRegularizer::kKSparse;
  o.code_regularizer.k = 5;
  EXPECT_THROW(DenseAutoencoder{o}, Error);
  o.code_regularizer.k = 2;
  o.code_regularizer.alpha = 0.5f;
  EXPECT_THROW(DenseAutoencoder{o}, Error);
  o.code_regularizer.alpha = 1.0f;
  o.code_regularizer.anneal_epochs = 2;
  o.code_regularizer.k_start = 1;
  EXPECT_THROW(DenseAutoencoder{o}, Error);
  EXPECT_EQ(parse_code_regularizer("ksparse"), CodeRegularizer::kKSparse);
  EXPECT_THROW(parse_code_regularizer("l2"), Error);
}

// ---- L1, KL and contractive terms vs double references ---------------------------------------

TEST(CodePenalties, L1AndKlTermsMatchHandComputations) {
  Generator gen(6);
  const Tensor x = Tensor::rand(Shape{5, 8}, Device::cpu(), 0, 1, &gen);
  DenseAutoencoderOptions o;
  o.sizes = {8, 4};
  o.code_activation = "sigmoid";
  o.code_regularizer.kind = CodeRegularizer::kL1;
  o.code_regularizer.weight = 0.1f;
  DenseAutoencoder l1_model(o);
  const Objective l1 = l1_model.objective(x, x, ReconstructionLoss::kMse);
  ASSERT_EQ(l1.terms.size(), 2u);
  EXPECT_EQ(l1.terms[1].name, "l1");
  const std::vector<double> h = to_double(l1_model.encode(x));
  double expected_l1 = 0;
  for (double v : h)
    expected_l1 += std::fabs(v);
  expected_l1 *= 0.1 / 5;
  EXPECT_NEAR(term(l1, "l1"), expected_l1, 1e-6 * expected_l1);
  EXPECT_NEAR(l1.total.item(), term(l1, "reconstruction") + expected_l1, 1e-6);

  o.code_regularizer.kind = CodeRegularizer::kKl;
  o.code_regularizer.weight = 0.5f;
  o.code_regularizer.rho = 0.1f;
  DenseAutoencoder kl_model(o);
  const Objective kl = kl_model.objective(x, x, ReconstructionLoss::kMse);
  ASSERT_EQ(kl.terms.size(), 2u);
  EXPECT_EQ(kl.terms[1].name, "kl_sparsity");
  const std::vector<double> hk = to_double(kl_model.encode(x));
  double expected_kl = 0;
  for (int j = 0; j < 4; ++j) {
    double rho_hat = 0;
    for (int n = 0; n < 5; ++n)
      rho_hat += hk[n * 4 + j] / 5;
    expected_kl += 0.1 * std::log(0.1 / rho_hat) + 0.9 * std::log(0.9 / (1 - rho_hat));
  }
  expected_kl *= 0.5;
  EXPECT_NEAR(term(kl, "kl_sparsity"), expected_kl, 1e-5 * expected_kl + 1e-7);
  clear_tape();

  o.code_activation = "relu";
  EXPECT_THROW(DenseAutoencoder{o}, Error);  // kl needs a sigmoid code
}

// ||J||_F^2 by brute force: the Jacobian of the first layer built column by column in double.
double brute_force_first_layer(const std::vector<double>& w, const std::vector<double>& b,
                               const std::vector<double>& x, int rows, int hidden, int in,
                               const std::string& act) {
  double total = 0;
  for (int n = 0; n < rows; ++n) {
    for (int j = 0; j < hidden; ++j) {
      double a = b[j];
      for (int i = 0; i < in; ++i)
        a += w[j * in + i] * x[n * in + i];
      double slope = 1;
      if (act == "sigmoid") {
        const double s = 1 / (1 + std::exp(-a));
        slope = s * (1 - s);
      } else if (act == "tanh") {
        slope = 1 - std::tanh(a) * std::tanh(a);
      } else if (act == "relu") {
        slope = a > 0;
      }
      for (int i = 0; i < in; ++i)
        total += (slope * w[j * in + i]) * (slope * w[j * in + i]);  // J[j][i]^2
    }
  }
  return total / rows;
}

TEST(Contractive, FirstLayerTermEqualsTheBruteForceJacobian) {
  Generator gen(10);
  const Tensor x = Tensor::rand(Shape{6, 7}, Device::cpu(), 0, 1, &gen);
  for (const std::string act : {"sigmoid", "tanh", "relu", "identity"}) {
    for (const bool deep : {false, true}) {
      DenseAutoencoderOptions o;
      o.sizes = deep ? std::vector<int64_t>{7, 5, 3} : std::vector<int64_t>{7, 5};
      o.hidden_activation = act;
      o.contractive.weight = 0.3f;
      o.seed = 12;
      DenseAutoencoder model(o);
      const Objective objective = model.objective(x, x, ReconstructionLoss::kMse);
      ASSERT_EQ(objective.terms.size(), 2u);
      EXPECT_EQ(objective.terms[1].name, "contractive");
      const double expected =
          0.3 * brute_force_first_layer(to_double(param(model, "encoder.0.weight")),
                                        to_double(param(model, "encoder.0.bias")), to_double(x), 6,
                                        5, 7, act);
      EXPECT_NEAR(term(objective, "contractive"), expected, 1e-5 * expected)
          << act << (deep ? " deep" : " shallow");
      clear_tape();
    }
  }
  DenseAutoencoderOptions o;
  o.sizes = {7, 5};
  o.hidden_activation = "softplus";
  o.contractive.weight = 0.1f;
  EXPECT_THROW(DenseAutoencoder{o},
               Error);  // no closed form: the stochastic mode handles it
  o.contractive.mode = ContractiveMode::kStochastic;
  EXPECT_NO_THROW(DenseAutoencoder{o});
}

// The exact Jacobian of a 4-5-3 encoder (tanh hidden, sigmoid code) at each row of x, in double:
// J = diag(s3') W2 diag(s2') W1. Returns ||J(x_n)||_F^2 averaged over rows, and J per row.
double exact_encoder_frobenius(const DenseAutoencoder& model, const std::vector<double>& x,
                               int rows, std::vector<std::vector<double>>* jacobians) {
  const std::vector<double> w1 = to_double(param(model, "encoder.0.weight"));
  const std::vector<double> b1 = to_double(param(model, "encoder.0.bias"));
  const std::vector<double> w2 = to_double(param(model, "encoder.2.weight"));
  const std::vector<double> b2 = to_double(param(model, "encoder.2.bias"));
  double total = 0;
  for (int n = 0; n < rows; ++n) {
    std::vector<double> h1(5), d1(5);
    for (int j = 0; j < 5; ++j) {
      double a = b1[j];
      for (int i = 0; i < 4; ++i)
        a += w1[j * 4 + i] * x[n * 4 + i];
      h1[j] = std::tanh(a);
      d1[j] = 1 - h1[j] * h1[j];
    }
    std::vector<double> jac(3 * 4, 0.0);
    for (int c = 0; c < 3; ++c) {
      double a = b2[c];
      for (int j = 0; j < 5; ++j)
        a += w2[c * 5 + j] * h1[j];
      const double s = 1 / (1 + std::exp(-a));
      for (int i = 0; i < 4; ++i) {
        double v = 0;
        for (int j = 0; j < 5; ++j)
          v += w2[c * 5 + j] * d1[j] * w1[j * 4 + i];
        jac[c * 4 + i] = s * (1 - s) * v;
        total += jac[c * 4 + i] * jac[c * 4 + i];
      }
    }
    if (jacobians) jacobians->push_back(jac);
  }
  return total / rows;
}

DenseAutoencoderOptions small_deep_encoder() {
  DenseAutoencoderOptions o;
  o.sizes = {4, 5, 3};
  o.hidden_activation = "tanh";
  o.code_activation = "sigmoid";
  o.seed = 14;
  return o;
}

TEST(Contractive, ForwardModeProductIsTheExactJacobian) {
  DenseAutoencoder model(small_deep_encoder());
  Generator gen(15);
  const Tensor x = Tensor::rand(Shape{3, 4}, Device::cpu(), -1, 1, &gen);
  std::vector<std::vector<double>> jacobians;
  exact_encoder_frobenius(model, to_double(x), 3, &jacobians);
  NoGrad no_grad;
  const DenseAutoencoder::EncoderPass pass = model.encode_traced(x);
  for (int i = 0; i < 4; ++i) {  // J e_i is column i
    std::vector<float> e(12, 0.0f);
    for (int n = 0; n < 3; ++n)
      e[n * 4 + i] = 1;
    const std::vector<float> column =
        encoder_jvp(pass.layers, Tensor::from_vector(e, Shape{3, 4})).to_vector();
    for (int n = 0; n < 3; ++n)
      for (int c = 0; c < 3; ++c)
        EXPECT_NEAR(column[n * 3 + c], jacobians[n][c * 4 + i], 1e-6) << n << " " << c << " " << i;
  }
}

TEST(Contractive, StochasticEstimateIsUnbiased) {
  DenseAutoencoder model(small_deep_encoder());
  Generator gen(16);
  const Tensor x = Tensor::rand(Shape{3, 4}, Device::cpu(), -1, 1, &gen);
  const double exact = exact_encoder_frobenius(model, to_double(x), 3, nullptr);
  NoGrad no_grad;
  const DenseAutoencoder::EncoderPass pass = model.encode_traced(x);
  Generator probes(17);
  const int trials = 2000;
  double mean = 0, sq = 0;
  for (int t = 0; t < trials; ++t) {
    const double v = stochastic_contractive(pass.layers, 1, probes).item();
    mean += v / trials;
    sq += v * v / trials;
  }
  const double stderr_mean = std::sqrt((sq - mean * mean) / trials);
  // The estimate's mean lies within 4 standard errors of the exact value; the standard error is
  // itself small against it, so the check has teeth (measured: the standard error is 1.4% of the
  // exact value, the mean 0.02% off it).
  std::printf(
      "stochastic contractive: mean of %d probes %.6f, exact %.6f, "
      "standard error %.6f\n",
      trials, mean, exact, stderr_mean);
  EXPECT_NEAR(mean, exact, 4 * stderr_mean) << "exact " << exact;
  EXPECT_LT(stderr_mean, 0.05 * exact);
  // Many probes in one call average the same way.
  const double batched = stochastic_contractive(pass.layers, trials, probes).item();
  EXPECT_NEAR(batched, exact, 4 * stderr_mean);
}

TEST(Contractive, StochasticEstimateIsDifferentiable) {
  DenseAutoencoderOptions o = small_deep_encoder();
  o.contractive.weight = 1.0f;
  o.contractive.mode = ContractiveMode::kStochastic;
  o.contractive.probes = 2;
  DenseAutoencoder model(o);
  Generator gen(18);
  const Tensor x = Tensor::rand(Shape{3, 4}, Device::cpu(), -1, 1, &gen);
  // A fixed probe stream makes the estimate a deterministic function of the weights.
  const auto estimate = [&] {
    Generator probes(19);
    return stochastic_contractive(model.encode_traced(x).layers, 2, probes);
  };
  backward(estimate());
  Tensor w = param(model, "encoder.0.weight");
  const std::vector<float> g = w.grad().to_vector();
  expect_gradient_matches_finite_differences(w, g, estimate, 5e-3, 1e-5);
}

// ---- every variant learns, on every device --------------------------------------------------

struct Variant {
  const char* name;
  DenseAutoencoderOptions (*options)();
  double target;  // the largest last/first ratio of the BCE gap above its floor
};

DenseAutoencoderOptions base_options() {
  DenseAutoencoderOptions o;
  o.sizes = {16, 6};
  o.seed = 21;
  return o;
}

const Variant kVariants[] = {
    {"plain", [] { return base_options(); }, 0.1},
    {"tied",
     [] {
       DenseAutoencoderOptions o = base_options();
       o.tied_weights = true;
       return o;
     },
     0.25},
    {"l1",
     [] {
       DenseAutoencoderOptions o = base_options();
       o.code_regularizer.kind = CodeRegularizer::kL1;
       o.code_regularizer.weight = 1e-3f;
       return o;
     },
     0.1},
    {"kl",
     [] {
       DenseAutoencoderOptions o = base_options();
       o.code_activation = "sigmoid";
       o.code_regularizer.kind = CodeRegularizer::kKl;
       o.code_regularizer.weight = 1e-2f;
       o.code_regularizer.rho = 0.2f;
       return o;
     },
     0.7},
    {"ksparse",
     [] {
       DenseAutoencoderOptions o = base_options();
       o.code_activation = "identity";
       o.code_regularizer.kind = CodeRegularizer::kKSparse;
       o.code_regularizer.k = 3;
       o.code_regularizer.alpha = 1.5f;
       o.code_regularizer.k_start = 6;
       o.code_regularizer.anneal_epochs = 2;
       return o;
     },
     0.25},
    {"contractive",
     [] {
       DenseAutoencoderOptions o = base_options();
       o.hidden_activation = "sigmoid";
       o.contractive.weight = 1e-3f;
       return o;
     },
     0.55},
    {"contractive_stochastic",
     [] {
       DenseAutoencoderOptions o = base_options();
       o.sizes = {16, 8, 6};
       o.hidden_activation = "tanh";
       o.contractive.weight = 1e-3f;
       o.contractive.mode = ContractiveMode::kStochastic;
       return o;
     },
     0.4},
};

class VariantLearns : public ::testing::TestWithParam<std::tuple<Device, int>> {};

// 256 samples, batch 32, 8 epochs (64 Adam steps) on every device (the emulated CUDA device runs
// these small layers quickly); the targets leave a margin of about 1.5x over the ratios measured on
// the CPU (plain 0.05, tied 0.14, l1 0.06, kl 0.52 (its sigmoid code learns slowest), ksparse 0.13,
// contractive 0.36, stochastic contractive 0.24).
TEST_P(VariantLearns, ReconstructionFalls) {
  const Device device = std::get<0>(GetParam());
  HG_REQUIRE_DEVICE(device);
  const Variant& variant = kVariants[std::get<1>(GetParam())];
  const int64_t samples = 256, batch = 32, epochs = 8;
  const data::Dataset ds = zoo_test::low_rank_dataset(samples, 16, 3, 5);
  data::DataLoader train = zoo_test::loader(ds, batch, device);
  DenseAutoencoder model(variant.options());
  model.to(device);
  auto adam = optim::make_optimizer("adam", model.parameters(), 2e-2f);
  TrainOptions to;
  to.epochs = epochs;
  to.progress = false;
  to.loss = ReconstructionLoss::kBce;
  const std::vector<EpochRecord> history = train_autoencoder(model, *adam, train, nullptr, to);
  const double first = history.front().train_terms.front().value;
  const double last = history.back().train_terms.front().value;
  ASSERT_EQ(history.back().train_terms.front().name, "reconstruction");
  // BCE on these targets has an entropy floor; measure the gap above it.
  const std::vector<float> x = ds.images.to_vector();
  double floor = 0;
  for (float v : x)
    floor -= v * std::log(v) + (1 - v) * std::log(1 - v);
  floor /= x.size();
  std::printf("[%s %s] reconstruction gap above the floor: %.4f -> %.4f (ratio %.3f)\n",
              device.str().c_str(), variant.name, first - floor, last - floor,
              (last - floor) / (first - floor));
  EXPECT_LT(last - floor, variant.target * (first - floor))
      << variant.name << ": first epoch " << first << ", last " << last << ", floor " << floor;
  EXPECT_EQ(history.back().train_terms.size(),
            1u + (std::string(variant.name) == "l1" || std::string(variant.name) == "kl" ||
                  std::string(variant.name).rfind("contractive", 0) == 0));
  EXPECT_EQ(tape_size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Devices, VariantLearns,
    ::testing::Combine(::testing::ValuesIn(hg::testing::test_devices()),
                       ::testing::Range(0, static_cast<int>(std::size(kVariants)))),
    [](const auto& info) {
      return hg::testing::device_test_name(std::get<0>(info.param)) + "_" +
             kVariants[std::get<1>(info.param)].name;
    });

}  // namespace
}  // namespace hg::models
