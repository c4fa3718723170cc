// Code regularizers: the L1 and KL sparsity penalties on a code, and the k-sparse selection with
// its annealing schedule.
#include "hourglass/models/code_regularizer.h"

#include <algorithm>
#include <cmath>

#include "hourglass/core/error.h"
#include "hourglass/ops/elementwise.h"
#include "hourglass/ops/regularizers.h"

namespace hg::models {
namespace {

Tensor as_rows(const Tensor& code) {
  HG_CHECK(code.rank() >= 2, "a code must be a batch [N, units] or [N, C, H, W], got ",
           code.shape());
  return code.rank() == 2 ? code : code.reshape({code.dim(0), -1});
}

}  // namespace

CodeRegularizer parse_code_regularizer(const std::string& name) {
  if (name == "none") return CodeRegularizer::kNone;
  if (name == "l1") return CodeRegularizer::kL1;
  if (name == "kl") return CodeRegularizer::kKl;
  if (name == "ksparse") return CodeRegularizer::kKSparse;
  HG_FAIL("unknown code regularizer '", name, "': expected none, l1, kl or ksparse");
}

void validate_code_regularizer(const CodeRegularizerOptions& o, int64_t units,
                               const std::string& code_activation) {
  switch (o.kind) {
    case CodeRegularizer::kNone:
      return;
    case CodeRegularizer::kL1:
      HG_CHECK(o.weight >= 0 && std::isfinite(o.weight),
               "l1 code regularizer: lambda must be finite and >= 0, got ", o.weight);
      return;
    case CodeRegularizer::kKl:
      HG_CHECK(o.weight >= 0 && std::isfinite(o.weight),
               "kl code regularizer: beta must be finite and >= 0, got ", o.weight);
      HG_CHECK(o.rho > 0 && o.rho < 1, "kl code regularizer: rho must lie in (0, 1), got ", o.rho);
      HG_CHECK(code_activation == "sigmoid",
               "kl code regularizer: the code must be a sigmoid (mean activations in (0, 1)), got "
               "a '",
               code_activation, "' code");
      return;
    case CodeRegularizer::kKSparse:
      HG_CHECK(o.k >= 1 && o.k <= units, "ksparse code regularizer: k must lie in [1, ", units,
               "] (the code size), got ", o.k);
      HG_CHECK(o.alpha >= 1 && std::isfinite(o.alpha),
               "ksparse code regularizer: alpha must be >= 1, got ", o.alpha);
      HG_CHECK(o.anneal_epochs >= 0, "ksparse code regularizer: anneal_epochs must be >= 0, got ",
               o.anneal_epochs);
      if (o.anneal_epochs > 0)
        HG_CHECK(o.k_start >= o.k && o.k_start <= units,
                 "ksparse code regularizer: annealing needs k <= k_start <= ", units, ", got k ",
                 o.k, " and k_start ", o.k_start);
      return;
  }
}

Tensor l1_code_penalty(const Tensor& code, float lambda) {
  const Tensor rows = as_rows(code);
  return mul(l1_penalty(rows), lambda / static_cast<float>(rows.dim(0)));
}

Tensor kl_code_penalty(const Tensor& code, float beta, float rho) {
  return mul(kl_sparsity(as_rows(code), rho), beta);
}

std::vector<LossTerm> code_penalty_terms(const CodeRegularizerOptions& options,
                                         const Tensor& code) {
  switch (options.kind) {
    case CodeRegularizer::kL1:
      return {{"l1", l1_code_penalty(code, options.weight)}};
    case CodeRegularizer::kKl:
      return {{"kl_sparsity", kl_code_penalty(code, options.weight, options.rho)}};
    case CodeRegularizer::kNone:
    case CodeRegularizer::kKSparse:
      break;
  }
  return {};
}

int64_t ksparse_training_k(const CodeRegularizerOptions& options, int64_t epoch) {
  if (options.anneal_epochs <= 0 || epoch >= options.anneal_epochs) return options.k;
  const double t = static_cast<double>(std::max<int64_t>(epoch, 0)) / options.anneal_epochs;
  return static_cast<int64_t>(std::llround(options.k_start + (options.k - options.k_start) * t));
}

int64_t ksparse_encoding_k(const CodeRegularizerOptions& options, int64_t units) {
  return std::min<int64_t>(units, std::llround(static_cast<double>(options.alpha) * options.k));
}

Tensor keep_top_k(const Tensor& code, int64_t k) {
  const Tensor rows = as_rows(code);
  const Tensor kept = topk_rows(rows, k);
  return code.rank() == 2 ? kept : kept.reshape(code.shape().dims());
}

}  // namespace hg::models
