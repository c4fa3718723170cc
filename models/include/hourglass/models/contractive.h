// The contractive penalty ||J_f(x)||_F^2 of a dense encoder f (Rifai et al. 2011), two ways:
//   first layer  the closed form of the first layer h1 = act(x W1^T + b1) alone, through the
//                contractive_penalty op: exact, but for a deeper encoder only that layer is
//                penalised, not the whole map x -> code;
//   stochastic   an unbiased estimate of the whole encoder's ||J||_F^2: for v ~ N(0, I) in input
//                space E ||J v||^2 = tr(J^T J) = ||J||_F^2. J v is pushed forward layer by layer
//                (u_l = act'(a_l) * (u_{l-1} W_l^T), the forward-mode product) out of ordinary
//                differentiable ops, so the tape differentiates the estimate itself. (The tape has
//                no double backward, so the reverse-mode form ||J^T v||^2 could be evaluated but
//                not trained through; both have the same expectation.) Each probe costs about
//                one extra encoder forward pass.
// Both are averaged over the batch's samples; the weight lambda multiplies them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hourglass/core/rng.h"
#include "hourglass/core/tensor.h"

namespace hg::models {

enum class ContractiveMode { kFirstLayer, kStochastic };
const char* contractive_mode_name(ContractiveMode mode);

struct ContractiveOptions {
  float weight = 0.0f;  // lambda; 0 turns the penalty off
  ContractiveMode mode = ContractiveMode::kFirstLayer;
  int64_t probes = 1;  // stochastic: random directions per sample and step
  uint64_t seed = 0;   // stochastic: the probes' Generator
};

// One dense layer of a forward pass: post = activation(pre), pre = input weight^T + bias.
struct DenseLayerTrace {
  Tensor weight;                 // [out, in]
  std::string activation;        // a make_activation name
  float negative_slope = 0.01f;  // leaky_relu only
  Tensor pre, post;              // [N, out]
};

// Throws hg::Error when `options` cannot apply to an encoder whose first layer uses
// `first_activation` (the closed form knows sigmoid, tanh, relu and identity).
void validate_contractive(const ContractiveOptions& options, const std::string& first_activation);

// mean_n ||J_{layer}(x_n)||_F^2 of one layer, in closed form.
Tensor first_layer_contractive(const DenseLayerTrace& layer);

// J v for every sample: the encoder's Jacobian at each row's x applied to v [N, in]; [N, out].
Tensor encoder_jvp(const std::vector<DenseLayerTrace>& layers, const Tensor& v);

// mean over the rows and `probes` directions v ~ N(0, I) (drawn from gen) of ||J v||^2.
Tensor stochastic_contractive(const std::vector<DenseLayerTrace>& layers, int64_t probes,
                              Generator& gen);

}  // namespace hg::models
