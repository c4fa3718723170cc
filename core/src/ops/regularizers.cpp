// The autoencoder penalties (L1 activity, KL target sparsity, k-sparse codes, Gaussian KL,
// contractive) and the input corruptions (denoising and the image transforms). Each op checks
// its inputs, runs its dedicated kernel, and records a backward that reads the upstream gradient
// from device memory (no host round trip), as the losses in loss.cpp do.
#include "hourglass/ops/regularizers.h"

#include <algorithm>
#include <cmath>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/ops/elementwise.h"
#include "ops/op_checks.h"

namespace hg {

using kernels::ContractiveActivation;

namespace {

// The mean of a vector of per-row values as a scalar tensor (not recorded).
Tensor mean_of(const Tensor& values) {
  kernels::Backend& backend = backend_for(values.device());
  const int64_t n = values.numel();
  Tensor total = Tensor::empty(Shape{}, DType::kFloat32, values.device());
  backend.reduce_sum(values.data<float>(), total.data<float>(), 1, n, 1);
  Tensor out = Tensor::empty(Shape{}, DType::kFloat32, values.device());
  backend.unary(kernels::UnaryOp::kScale, 1.0f / static_cast<float>(n), total.data<float>(),
                out.data<float>(), 1);
  return out;
}

// Throws unless t is a float32 [N, cols] tensor with N >= 1 (a mean over rows needs a row).
void check_batch(const char* op, const char* what, const Tensor& t, const char* layout) {
  ops_detail::check_float(op, what, t);
  HG_CHECK(t.rank() == 2, op, ": expected '", what, "' ", layout, ", got shape ", t.shape());
  HG_CHECK(t.dim(0) >= 1, op, ": '", what, "' ", t.shape(), " has no rows to average over");
}

ContractiveActivation parse_contractive_activation(const std::string& name) {
  if (name == "sigmoid") return ContractiveActivation::kSigmoid;
  if (name == "tanh") return ContractiveActivation::kTanh;
  if (name == "relu") return ContractiveActivation::kRelu;
  HG_FAIL("contractive_penalty: unknown activation '", name,
          "': expected \"sigmoid\", \"tanh\" or \"relu\"");
}

}  // namespace

Tensor l1_penalty(const Tensor& h) {
  ops_detail::check_float("l1_penalty", "h", h);
  Tensor out = Tensor::empty(Shape{}, DType::kFloat32, h.device());
  backend_for(h.device()).l1_penalty(h.data<float>(), out.data<float>(), h.numel());
  if (autograd::should_record({h})) {
    autograd::record("l1_penalty", {h}, out, [h](const Tensor& g) {
      Tensor dh = Tensor::empty(h.shape(), DType::kFloat32, h.device());
      backend_for(h.device())
          .l1_penalty_backward(h.data<float>(), g.data<float>(), 1.0f, dh.data<float>(), h.numel());
      return std::vector<Tensor>{dh};
    });
  }
  return out;
}

Tensor kl_sparsity(const Tensor& h, float rho) {
  check_batch("kl_sparsity", "h", h, "[N, units]");
  HG_CHECK(rho > 0.0f && rho < 1.0f,
           "kl_sparsity: the target sparsity rho must lie in (0, 1), got ", rho);
  const int64_t rows = h.dim(0), units = h.dim(1);
  Tensor rho_hat = Tensor::empty(Shape{units}, DType::kFloat32, h.device());
  Tensor out = Tensor::empty(Shape{}, DType::kFloat32, h.device());
  backend_for(h.device())
      .kl_sparsity(h.data<float>(), rho, rho_hat.data<float>(), out.data<float>(), rows, units);
  if (autograd::should_record({h})) {
    autograd::record("kl_sparsity", {h}, out, [h, rho, rho_hat](const Tensor& g) {
      Tensor dh = Tensor::empty(h.shape(), DType::kFloat32, h.device());
      backend_for(h.device())
          .kl_sparsity_backward(rho_hat.data<float>(), rho, g.data<float>(), 1.0f, dh.data<float>(),
                                h.dim(0), h.dim(1));
      return std::vector<Tensor>{dh};
    });
  }
  return out;
}

Tensor topk_rows(const Tensor& h, int64_t k) {
  ops_detail::check_float("topk_rows", "h", h);
  HG_CHECK(h.rank() == 2, "topk_rows: expected h [N, units], got shape ", h.shape());
  const int64_t rows = h.dim(0), cols = h.dim(1);
  HG_CHECK(k >= 0 && k <= cols, "topk_rows: k must lie in [0, ", cols, "] for h ", h.shape(),
           ", got ", k);
  Tensor y = Tensor::empty(h.shape(), DType::kFloat32, h.device());
  Tensor mask = Tensor::empty(h.shape(), DType::kFloat32, h.device());
  backend_for(h.device())
      .topk_rows(h.data<float>(), y.data<float>(), mask.data<float>(), rows, cols, k);
  if (autograd::should_record({h})) {
    autograd::record("topk_rows", {h}, y,
                     [mask](const Tensor& g) { return std::vector<Tensor>{mul(g, mask)}; });
  }
  return y;
}

Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar) {
  check_batch("gaussian_kl", "mu", mu, "[N, D]");
  ops_detail::check_float("gaussian_kl", "logvar", logvar);
  HG_CHECK(mu.shape() == logvar.shape(), "gaussian_kl: mu ", mu.shape(), " and logvar ",
           logvar.shape(), " must have the same shape");
  const Device device = ops_detail::common_device("gaussian_kl", "mu", mu, "logvar", logvar);
  const int64_t rows = mu.dim(0), cols = mu.dim(1);
  Tensor per_row = Tensor::empty(Shape{rows}, DType::kFloat32, device);
  backend_for(device).gaussian_kl(mu.data<float>(), logvar.data<float>(), per_row.data<float>(),
                                  rows, cols);
  Tensor out = mean_of(per_row);
  if (autograd::should_record({mu, logvar})) {
    autograd::record("gaussian_kl", {mu, logvar}, out, [mu, logvar](const Tensor& g) {
      Tensor dmu, dlogvar;
      if (mu.requires_grad()) dmu = Tensor::empty(mu.shape(), DType::kFloat32, mu.device());
      if (logvar.requires_grad())
        dlogvar = Tensor::empty(logvar.shape(), DType::kFloat32, logvar.device());
      backend_for(mu.device())
          .gaussian_kl_backward(mu.data<float>(), logvar.data<float>(), g.data<float>(),
                                1.0f / static_cast<float>(mu.dim(0)),
                                dmu.defined() ? dmu.data<float>() : nullptr,
                                dlogvar.defined() ? dlogvar.data<float>() : nullptr, mu.numel());
      return std::vector<Tensor>{dmu, dlogvar};
    });
  }
  return out;
}

Tensor contractive_penalty(const Tensor& h, const Tensor& weight, const std::string& activation) {
  const char* name = "contractive_penalty";
  const ContractiveActivation act = parse_contractive_activation(activation);
  check_batch(name, "h", h, "[N, hidden]");
  ops_detail::check_float(name, "weight", weight);
  HG_CHECK(weight.rank() == 2 && weight.dim(0) == h.dim(1), name, ": weight ", weight.shape(),
           " must be [hidden, in] with hidden = ", h.dim(1), " (the units of h ", h.shape(), ")");
  const Device device = ops_detail::common_device(name, "h", h, "weight", weight);
  const int64_t rows = h.dim(0), hidden = h.dim(1), in = weight.dim(1);
  Tensor per_row = Tensor::empty(Shape{rows}, DType::kFloat32, device);
  backend_for(device).contractive_penalty(act, h.data<float>(), weight.data<float>(),
                                          per_row.data<float>(), rows, hidden, in);
  Tensor out = mean_of(per_row);
  if (autograd::should_record({h, weight})) {
    autograd::record(name, {h, weight}, out, [act, h, weight](const Tensor& g) {
      Tensor dh, dw;
      if (h.requires_grad()) dh = Tensor::empty(h.shape(), DType::kFloat32, h.device());
      if (weight.requires_grad())
        dw = Tensor::empty(weight.shape(), DType::kFloat32, weight.device());
      backend_for(h.device())
          .contractive_penalty_backward(
              act, h.data<float>(), weight.data<float>(), g.data<float>(),
              1.0f / static_cast<float>(h.dim(0)), dh.defined() ? dh.data<float>() : nullptr,
              dw.defined() ? dw.data<float>() : nullptr, h.dim(0), h.dim(1), weight.dim(1));
      return std::vector<Tensor>{dh, dw};
    });
  }
  return out;
}

Corruption parse_corruption(const std::string& text) {
  for (Corruption kind :
       {Corruption::kNone, Corruption::kGaussian, Corruption::kMasking, Corruption::kSaltPepper,
        Corruption::kBlock, Corruption::kDownsample, Corruption::kGrayscale})
    if (text == corruption_name(kind)) return kind;
  HG_FAIL("unknown corruption '", text,
          "': expected \"none\", \"gaussian\", \"masking\", \"salt-and-pepper\", \"block\", "
          "\"downsample\" or \"grayscale\"");
}

std::string corruption_name(Corruption kind) {
  switch (kind) {
    case Corruption::kNone:
      return "none";
    case Corruption::kGaussian:
      return "gaussian";
    case Corruption::kMasking:
      return "masking";
    case Corruption::kSaltPepper:
      return "salt-and-pepper";
    case Corruption::kBlock:
      return "block";
    case Corruption::kDownsample:
      return "downsample";
    case Corruption::kGrayscale:
      return "grayscale";
  }
  HG_FAIL("corruption_name: invalid Corruption value ", static_cast<int>(kind));
}

namespace {

// The image geometry of x for the image transforms: [N, C, H, W], or [N, H, W] as one channel.
void set_image_geometry(const Tensor& x, const std::string& kind, kernels::CorruptionParams& p) {
  HG_CHECK(x.rank() == 4 || x.rank() == 3, "corrupt: ", kind,
           " needs images [N, C, H, W] or [N, H, W], got shape ", x.shape());
  p.channels = x.rank() == 4 ? x.dim(1) : 1;
  p.height = x.dim(x.rank() - 2);
  p.width = x.dim(x.rank() - 1);
}

}  // namespace

Tensor corrupt(const Tensor& x, const CorruptionOptions& options, Generator* gen) {
  ops_detail::check_float("corrupt", "x", x);
  kernels::CorruptionParams p;
  bool draws = true;  // whether the corruption consumes random numbers
  switch (options.kind) {
    case Corruption::kNone:
      return x;
    case Corruption::kGaussian:
      HG_CHECK(std::isfinite(options.sigma) && options.sigma >= 0.0f,
               "corrupt: gaussian noise needs a finite sigma >= 0, got ", options.sigma);
      p.kind = kernels::CorruptionKind::kGaussian;
      p.sigma = options.sigma;
      p.clip = options.clip;
      break;
    case Corruption::kMasking:
    case Corruption::kSaltPepper:
      HG_CHECK(options.fraction >= 0.0f && options.fraction <= 1.0f,
               "corrupt: ", corruption_name(options.kind), " needs a fraction in [0, 1], got ",
               options.fraction);
      p.kind = options.kind == Corruption::kMasking ? kernels::CorruptionKind::kMasking
                                                    : kernels::CorruptionKind::kSaltPepper;
      p.fraction = options.fraction;
      break;
    case Corruption::kBlock:
      set_image_geometry(x, "block masking (inpainting)", p);
      HG_CHECK(options.patch >= 1 && options.patch <= std::min(p.height, p.width),
               "corrupt: block masking needs a patch side in [1, ", std::min(p.height, p.width),
               "] for ", p.height, " x ", p.width, " images, got ", options.patch);
      p.image = kernels::ImageCorruption::kBlock;
      p.patch = options.patch;
      break;
    case Corruption::kDownsample:
      set_image_geometry(x, "downsampling (super-resolution)", p);
      HG_CHECK(options.factor >= 1, "corrupt: downsampling needs a factor >= 1, got ",
               options.factor);
      p.image = kernels::ImageCorruption::kDownsample;
      p.factor = options.factor;
      draws = false;
      break;
    case Corruption::kGrayscale:
      set_image_geometry(x, "grayscale (colorization)", p);
      HG_CHECK(p.channels == 3, "corrupt: colorization needs colour images (3 channels, RGB), got ",
               p.channels, " channel", p.channels == 1 ? "" : "s", " in x ", x.shape());
      p.image = kernels::ImageCorruption::kGrayscale;
      draws = false;
      break;
    default:
      HG_FAIL("corrupt: invalid Corruption value ", static_cast<int>(options.kind));
  }
  const int64_t n = x.numel();
  uint64_t seed = 0, offset = 0;
  if (draws) {
    Generator& g = gen ? *gen : default_generator();
    // Two Philox numbers per element (the decision, then salt or pepper; block masking uses the
    // first two of each sample): see backend.h.
    offset = g.reserve(2 * n);
    seed = g.seed();
  }
  Tensor y = Tensor::empty(x.shape(), DType::kFloat32, x.device());
  backend_for(x.device()).corrupt(p, x.data<float>(), y.data<float>(), n, seed, offset);
  return y;
}

}  // namespace hg
