// Autoencoder defaults shared by every model.
#include "hourglass/models/autoencoder.h"

#include "hourglass/core/error.h"

namespace hg::models {

Tensor Autoencoder::decode_logits(const Tensor&) {
  HG_FAIL(type_name(), " has no sigmoid output, so it has no logits to return");
}

int64_t Autoencoder::num_parameters() const {
  int64_t total = 0;
  for (const Tensor& p : parameters())
    total += p.numel();
  return total;
}

}  // namespace hg::models
