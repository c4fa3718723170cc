// Hyper-parameters of the fused optimizer-step kernels, with PyTorch's semantics and defaults.
#pragma once

#include <cstdint>

namespace hg::kernels {

struct SgdParams {
  float lr = 0.01f;
  float momentum = 0.0f;
  float dampening = 0.0f;
  float weight_decay = 0.0f;
  bool nesterov = false;
  bool first_step = true;  // the momentum buffer is initialised to the gradient on step 1
};

struct AdamParams {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
  bool decoupled_weight_decay = false;  // true: AdamW
  int64_t step = 1;                     // 1-based step count, for bias correction
};

struct AdadeltaParams {
  float lr = 1.0f;
  float rho = 0.9f;
  float eps = 1e-6f;
  float weight_decay = 0.0f;
};

struct AdagradParams {
  float lr = 0.01f;
  float lr_decay = 0.0f;
  float eps = 1e-10f;
  float weight_decay = 0.0f;
  int64_t step = 1;  // 1-based
};

}  // namespace hg::kernels
