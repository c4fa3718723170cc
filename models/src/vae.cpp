// Variational autoencoders: the reparameterized sample, the per-sample negative ELBO, prior
// sampling, and the dense (pytorch/examples) and convolutional models.
#include "hourglass/models/vae.h"

#include <sstream>
#include <utility>

#include "hourglass/core/error.h"
#include "hourglass/core/progress.h"
#include "hourglass/nn/activation.h"
#include "hourglass/nn/conv.h"
#include "hourglass/ops/elementwise.h"
#include "hourglass/ops/loss.h"
#include "hourglass/ops/regularizers.h"
#include "hourglass/ops/shape_ops.h"
#include "image_batch.h"

namespace hg::models {

VariationalAutoencoder::VariationalAutoencoder(int64_t latent_dim, float beta, uint64_t noise_seed)
    : latent_dim_(latent_dim), beta_(beta), noise_(noise_seed) {
  HG_CHECK(latent_dim > 0, "a VAE needs a positive latent dimension, got ", latent_dim);
  set_beta(beta);
}

void VariationalAutoencoder::set_beta(float beta) {
  HG_CHECK(beta >= 0.0f, "the VAE's KL weight beta must be >= 0, got ", beta);
  beta_ = beta;
}

Device VariationalAutoencoder::parameter_device() const {
  const std::vector<Tensor> params = parameters();
  return params.empty() ? Device::cpu() : params.front().device();
}

Tensor VariationalAutoencoder::reparameterize(const GaussianCode& code, Generator* gen) {
  HG_CHECK(code.mu.defined() && code.logvar.defined() && code.mu.shape() == code.logvar.shape(),
           "reparameterize: mu and logvar must be defined and of one shape");
  const Tensor eps =
      Tensor::randn(code.mu.shape(), code.mu.device(), 0.0f, 1.0f, gen != nullptr ? gen : &noise_);
  return add(code.mu, mul(exp(mul(code.logvar, 0.5f)), eps));
}

Tensor VariationalAutoencoder::forward(const Tensor& x) {
  const GaussianCode code = encode_distribution(x);
  return decode(is_training() ? reparameterize(code) : code.mu);
}

Objective VariationalAutoencoder::objective(const Tensor& input, const Tensor& target,
                                            ReconstructionLoss loss) {
  const GaussianCode code = encode_distribution(input);
  const Tensor z = reparameterize(code);
  const float per_sample = 1.0f / static_cast<float>(input.dim(0));
  Tensor reconstruction;
  if (loss == ReconstructionLoss::kBce && output_is_sigmoid()) {
    const Tensor logits = decode_logits(z);
    reconstruction =
        bce_with_logits(logits, target.reshape(logits.shape().dims()), Reduction::kSum);
  } else {
    const Tensor out = decode(z);
    const Tensor shaped = target.reshape(out.shape().dims());
    reconstruction = loss == ReconstructionLoss::kMse
                         ? mse_loss(out, shaped, Reduction::kSum)
                         : binary_cross_entropy(out, shaped, Reduction::kSum);
  }
  reconstruction = mul(reconstruction, per_sample);
  const Tensor kl = mul(gaussian_kl(code.mu, code.logvar), beta_);
  return Objective{add(reconstruction, kl), {{"reconstruction", reconstruction}, {"kl", kl}}};
}

Tensor VariationalAutoencoder::sample_prior(int64_t n, Generator* gen) {
  HG_CHECK(n > 0, "sample_prior: the sample count must be positive, got ", n);
  const Tensor z = Tensor::randn(Shape{n, latent_dim_}, parameter_device(), 0.0f, 1.0f,
                                 gen != nullptr ? gen : &noise_);
  return decode(z);
}

// ---- Vae ---------------------------------------------------------------------------------------

Vae::Vae(VaeOptions options)
    : VariationalAutoencoder(options.latent, options.beta, options.noise_seed), options_(options) {
  HG_CHECK(options_.input_dim > 0 && options_.hidden > 0,
           "VAE: input and hidden sizes must be positive, got ", options_.input_dim, " and ",
           options_.hidden);
  Generator gen(options_.seed);
  fc1_ = register_module(
      "fc1", std::make_shared<nn::Linear>(options_.input_dim, options_.hidden, true, &gen));
  fc21_ = register_module(
      "fc21", std::make_shared<nn::Linear>(options_.hidden, options_.latent, true, &gen));
  fc22_ = register_module(
      "fc22", std::make_shared<nn::Linear>(options_.hidden, options_.latent, true, &gen));
  fc3_ = register_module(
      "fc3", std::make_shared<nn::Linear>(options_.latent, options_.hidden, true, &gen));
  fc4_ = register_module(
      "fc4", std::make_shared<nn::Linear>(options_.hidden, options_.input_dim, true, &gen));
}

GaussianCode Vae::encode_distribution(const Tensor& x) {
  HG_CHECK(x.defined() && x.rank() >= 2, "VAE expects a batch [N, D] or [N, C, H, W], got ",
           x.defined() ? x.shape() : Shape{});
  const Tensor flat = x.rank() == 2 ? x : flatten(x, 1);
  HG_CHECK(flat.dim(1) == options_.input_dim, "VAE built for ", options_.input_dim,
           " input features, got input ", x.shape(), " (", flat.dim(1), " per sample)");
  const Tensor h = relu(fc1_->forward(flat));
  return GaussianCode{fc21_->forward(h), fc22_->forward(h)};
}

Tensor Vae::decode_logits(const Tensor& z) {
  return fc4_->forward(relu(fc3_->forward(z)));
}

Tensor Vae::decode(const Tensor& z) {
  return sigmoid(decode_logits(z));
}

std::string Vae::describe() const {
  const std::string in = std::to_string(options_.input_dim);
  const std::string hidden = std::to_string(options_.hidden);
  const std::string latent = std::to_string(options_.latent);
  std::ostringstream beta;
  beta << options_.beta;
  return "vae " + in + "-" + hidden + "-(" + latent + " mu, " + latent + " logvar)-" + hidden +
         "-" + in + " (relu hidden, sigmoid output, beta " + beta.str() + "), " +
         format_thousands(num_parameters()) + " parameters";
}

// ---- ConvVae -----------------------------------------------------------------------------------

namespace {

constexpr int64_t kConvVaeChannels = 64, kConvVaeSide = 7;
const std::vector<int64_t> kConvVaeInput{1, 28, 28};

Conv2dOptions halving() {
  Conv2dOptions options;
  options.stride = {2, 2};
  options.padding = Padding2d::symmetric(1);
  return options;
}

ConvTranspose2dOptions doubling() {
  ConvTranspose2dOptions options;
  options.stride = {2, 2};
  options.padding = {1, 1};
  return options;
}

}  // namespace

ConvVae::ConvVae(ConvVaeOptions options)
    : VariationalAutoencoder(options.latent, options.beta, options.noise_seed), options_(options) {
  const int64_t flat = kConvVaeChannels * kConvVaeSide * kConvVaeSide;
  Generator gen(options_.seed);
  encoder_ = register_module("encoder", std::make_shared<nn::Sequential>());
  encoder_->add(std::make_shared<nn::Conv2d>(1, 32, 4, halving(), true, &gen));
  encoder_->add(std::make_shared<nn::ReLU>());
  encoder_->add(std::make_shared<nn::Conv2d>(32, kConvVaeChannels, 4, halving(), true, &gen));
  encoder_->add(std::make_shared<nn::ReLU>());
  encoder_->add(std::make_shared<nn::Flatten>());
  fc_mu_ =
      register_module("fc_mu", std::make_shared<nn::Linear>(flat, options_.latent, true, &gen));
  fc_logvar_ =
      register_module("fc_logvar", std::make_shared<nn::Linear>(flat, options_.latent, true, &gen));
  decoder_ = register_module("decoder", std::make_shared<nn::Sequential>());
  decoder_->add(std::make_shared<nn::Linear>(options_.latent, flat, true, &gen));
  decoder_->add(std::make_shared<nn::ReLU>());
  decoder_->add(std::make_shared<nn::Unflatten>(
      std::vector<int64_t>{kConvVaeChannels, kConvVaeSide, kConvVaeSide}));
  decoder_->add(
      std::make_shared<nn::ConvTranspose2d>(kConvVaeChannels, 32, 4, doubling(), true, &gen));
  decoder_->add(std::make_shared<nn::ReLU>());
  decoder_->add(std::make_shared<nn::ConvTranspose2d>(32, 1, 4, doubling(), true, &gen));
  decoder_->add(std::make_shared<nn::Sigmoid>());
}

GaussianCode ConvVae::encode_distribution(const Tensor& x) {
  const Tensor h = encoder_->forward(detail::as_image_batch(x, kConvVaeInput, "ConvVAE"));
  return GaussianCode{fc_mu_->forward(h), fc_logvar_->forward(h)};
}

Tensor ConvVae::decode_logits(const Tensor& z) {
  Tensor y = z;
  for (size_t i = 0; i + 1 < decoder_->size(); ++i)
    y = (*decoder_)[i]->forward(y);
  return y;
}

Tensor ConvVae::decode(const Tensor& z) {
  return decoder_->forward(z);
}

std::string ConvVae::describe() const {
  return "conv vae 1x28x28 -> conv 32, 64 (k4 s2) -> (" + std::to_string(options_.latent) +
         " mu, " + std::to_string(options_.latent) +
         " logvar) -> deconv 64, 32 -> 1x28x28 (relu hidden, sigmoid output), " +
         format_thousands(num_parameters()) + " parameters";
}

}  // namespace hg::models
