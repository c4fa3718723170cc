// Variational autoencoders (Kingma & Welling, "Auto-Encoding Variational Bayes", 2014).
//
// The encoder maps x to a diagonal Gaussian q(z|x) = N(mu, exp(logvar)); training decodes one
// sample z = mu + exp(logvar / 2) * eps, eps ~ N(0, I) drawn from the model's Generator (so a
// run is reproducible: the same generator state gives the same eps on every device), and
// minimises the negative evidence lower bound per sample:
//   reconstruction: BCE summed over a sample's pixels (Bernoulli decoder, loss kBce) or squared
//                   error summed over them (Gaussian decoder with unit variance up to the constant
//                   and factor 1/2, loss kMse), averaged over the batch;
//   kl:             beta * KL(q(z|x) || N(0, I)), the closed form, averaged over the batch.
// Both terms are per sample, not per pixel (a sum over pixels is what the bound requires), so
// the numbers compare with pytorch/examples/vae's loss divided by the batch size. beta = 1 is the
// VAE; beta > 1 the beta-VAE (Higgins et al. 2017).
//
// Modes: forward() in training mode decodes a sample z; in evaluation mode it decodes mu, the
// deterministic reconstruction (what reconstructions, interpolation and latent maps want).
// objective() always draws one z, in either mode: the loss is a one-sample estimate of the bound,
// as pytorch/examples' test loss is. encode() returns mu; encode_distribution() both moments.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hourglass/core/rng.h"
#include "hourglass/models/autoencoder.h"
#include "hourglass/nn/linear.h"
#include "hourglass/nn/sequential.h"

namespace hg::models {

// The moments of q(z|x), each [N, latent].
struct GaussianCode {
  Tensor mu;
  Tensor logvar;
};

class VariationalAutoencoder : public Autoencoder {
 public:
  virtual GaussianCode encode_distribution(const Tensor& x) = 0;
  Tensor encode(const Tensor& x) override { return encode_distribution(x).mu; }

  // mu + exp(logvar / 2) * eps with eps ~ N(0, I) from `gen` (the model's own generator when
  // null). Differentiable with respect to mu and logvar.
  Tensor reparameterize(const GaussianCode& code, Generator* gen = nullptr);
  // Training mode: decode(reparameterize(q(z|x))); evaluation mode: decode(mu).
  Tensor forward(const Tensor& x) override;
  Objective objective(const Tensor& input, const Tensor& target, ReconstructionLoss loss) override;
  bool is_variational() const override { return true; }

  // n images decoded from z ~ N(0, I) drawn from `gen` (the model's own when null), on the
  // device of the model's parameters.
  Tensor sample_prior(int64_t n, Generator* gen = nullptr);

  int64_t latent_dim() const { return latent_dim_; }
  float beta() const { return beta_; }
  void set_beta(float beta);  // >= 0, checked
  // The generator of eps and prior samples; its (seed, offset) is the state to save for resume.
  Generator& noise_generator() { return noise_; }
  std::vector<std::pair<std::string, Generator*>> generators() override {
    return {{"noise", &noise_}};
  }

 protected:
  VariationalAutoencoder(int64_t latent_dim, float beta, uint64_t noise_seed);
  // The device the parameters live on (where prior samples are drawn).
  Device parameter_device() const;

 private:
  int64_t latent_dim_;
  float beta_;
  Generator noise_;
};

struct VaeOptions {
  int64_t input_dim = 784;
  int64_t hidden = 400;
  int64_t latent = 20;
  float beta = 1.0f;
  uint64_t seed = 0;        // weights, drawn from Generator(seed) in PyTorch's construction order
  uint64_t noise_seed = 1;  // the eps / prior-sample generator
};

// pytorch/examples/vae's model, with its parameter names (fc1, fc21, fc22, fc3, fc4) so the
// state_dict loads into that VAE:
//   fc1 Linear(784, 400), ReLU; fc21 Linear(400, 20) -> mu; fc22 Linear(400, 20) -> logvar;
//   fc3 Linear(20, 400), ReLU; fc4 Linear(400, 784), Sigmoid.
// Inputs [N, D] or [N, C, H, W] (flattened); reconstructions [N, D].
class Vae : public VariationalAutoencoder {
 public:
  explicit Vae(VaeOptions options = {});

  GaussianCode encode_distribution(const Tensor& x) override;
  Tensor decode(const Tensor& z) override;
  bool output_is_sigmoid() const override { return true; }
  Tensor decode_logits(const Tensor& z) override;

  std::string type_name() const override { return "VAE"; }
  // "vae 784-400-(20 mu, 20 logvar)-400-784 (relu hidden, sigmoid output, beta 1), 652,824
  // parameters".
  std::string describe() const override;
  std::string torch_forward() const override;  // "vae_mlp", "hidden_activation" "relu"
  const VaeOptions& options() const { return options_; }

 private:
  VaeOptions options_;
  std::shared_ptr<nn::Linear> fc1_, fc21_, fc22_, fc3_, fc4_;
};

struct ConvVaeOptions {
  int64_t latent = 20;
  float beta = 1.0f;
  uint64_t seed = 0;
  uint64_t noise_seed = 1;
};

// A small convolutional VAE for 1x28x28 images. The layout is the common DCGAN-style one
// (kernel 4, stride 2, padding 1 halves or doubles a size exactly: 28-14-7), with the two-layer
// depth (32, 64 channels) of the TensorFlow "Convolutional Variational Autoencoder" tutorial's
// encoder; chosen as the smallest conv encoder that reaches a 7x7 map, mirrored exactly:
//   encoder: 0 Conv2d(1, 32, 4, s2, p1) 1 ReLU 2 Conv2d(32, 64, 4, s2, p1) 3 ReLU 4 Flatten
//   fc_mu, fc_logvar: Linear(64*7*7, latent)
//   decoder: 0 Linear(latent, 64*7*7) 1 ReLU 2 Unflatten(64, 7, 7)
//            3 ConvTranspose2d(64, 32, 4, s2, p1) 4 ReLU 5 ConvTranspose2d(32, 1, 4, s2, p1)
//            6 Sigmoid
// Inputs [N, 1, 28, 28] or [N, 784]; reconstructions [N, 1, 28, 28].
class ConvVae : public VariationalAutoencoder {
 public:
  explicit ConvVae(ConvVaeOptions options = {});

  GaussianCode encode_distribution(const Tensor& x) override;
  Tensor decode(const Tensor& z) override;
  bool output_is_sigmoid() const override { return true; }
  Tensor decode_logits(const Tensor& z) override;

  std::string type_name() const override { return "ConvVAE"; }
  std::string describe() const override;
  std::string torch_forward() const override;  // "vae_conv", "encoder_input" [1, 28, 28]
  const ConvVaeOptions& options() const { return options_; }
  nn::Sequential& encoder() { return *encoder_; }
  nn::Sequential& decoder() { return *decoder_; }

 private:
  ConvVaeOptions options_;
  std::shared_ptr<nn::Sequential> encoder_, decoder_;
  std::shared_ptr<nn::Linear> fc_mu_, fc_logvar_;
};

}  // namespace hg::models
