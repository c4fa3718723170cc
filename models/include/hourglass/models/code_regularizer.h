// Penalties and selections on an autoencoder's code h, shared by every model that has one (the
// dense autoencoder here; the convolutional ones may put an L1 penalty on their code map):
//   l1       lambda * sum_j |h_j| per sample (Keras' activity_regularizer l1: the batch's
//            l1_penalty divided by the batch size)
//   kl       beta * sum_j KL(rho || rho_hat_j), rho_hat_j the batch mean of unit j; the code must
//            lie in (0, 1), i.e. come out of a sigmoid (UFLDL's sparse autoencoder)
//   ksparse  Makhzani & Frey's k-sparse code: in training only the k largest units of each
//            sample are kept and the gradient flows only through them; at encoding time (eval
//            mode) the alpha * k largest are kept. k can be annealed linearly from k_start down
//            to k over the first anneal_epochs epochs (epoch e < anneal_epochs uses
//            round(k_start + (k - k_start) * e / anneal_epochs)).
// Codes of rank > 2 ([N, C, H, W]) are treated as [N, C * H * W].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hourglass/models/autoencoder.h"

namespace hg::models {

enum class CodeRegularizer { kNone, kL1, kKl, kKSparse };
// "none", "l1", "kl", "ksparse"; hg::Error listing them otherwise.
CodeRegularizer parse_code_regularizer(const std::string& name);

struct CodeRegularizerOptions {
  CodeRegularizer kind = CodeRegularizer::kNone;
  float weight = 0.0f;  // l1: lambda; kl: beta
  float rho = 0.05f;    // kl: the target mean activation, in (0, 1)
  int64_t k = 0;        // ksparse: units kept per sample in training, 1 <= k <= units
  float alpha = 1.0f;   // ksparse: encoding keeps min(units, round(alpha * k)) units; alpha >= 1
  int64_t k_start = 0;  // ksparse annealing: the first epoch's k (0: no annealing)
  int64_t anneal_epochs = 0;
};

// Throws hg::Error naming the offending field when `options` cannot apply to a code of `units`
// units produced by `code_activation` (kl needs "sigmoid").
void validate_code_regularizer(const CodeRegularizerOptions& options, int64_t units,
                               const std::string& code_activation);

// lambda * l1_penalty(code) / N: the per-sample L1 activity penalty.
Tensor l1_code_penalty(const Tensor& code, float lambda);
// beta * kl_sparsity(code as [N, units], rho).
Tensor kl_code_penalty(const Tensor& code, float beta, float rho);
// The terms the regularizer adds to an objective: {"l1", ...} or {"kl_sparsity", ...}; none for
// kNone and kKSparse (a selection, not a penalty).
std::vector<LossTerm> code_penalty_terms(const CodeRegularizerOptions& options, const Tensor& code);

// k-sparse: the k used in training during 0-based `epoch`, and the k used when encoding.
int64_t ksparse_training_k(const CodeRegularizerOptions& options, int64_t epoch);
int64_t ksparse_encoding_k(const CodeRegularizerOptions& options, int64_t units);
// topk_rows on the code viewed as [N, units], reshaped back to the code's shape.
Tensor keep_top_k(const Tensor& code, int64_t k);

}  // namespace hg::models
