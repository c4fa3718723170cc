// Loss functions. Each returns a scalar: the mean over all elements (or rows, for
// cross-entropy) or their sum, as chosen by Reduction. Targets never receive gradients.
#pragma once

#include "hourglass/core/tensor.h"

namespace hg {

enum class Reduction { kMean, kSum };

// Squared error (x - t)^2.
Tensor mse_loss(const Tensor& x, const Tensor& target, Reduction reduction = Reduction::kMean);
// Binary cross-entropy on logits, numerically stable for any logit.
Tensor bce_with_logits(const Tensor& logits, const Tensor& target,
                       Reduction reduction = Reduction::kMean);
// Binary cross-entropy on probabilities in [0, 1]; log terms clamped at -100 like PyTorch.
Tensor binary_cross_entropy(const Tensor& probs, const Tensor& target,
                            Reduction reduction = Reduction::kMean);
// Softmax cross-entropy of logits [N, C] against int32 labels [N] in [0, C); mean over rows.
// Throws hg::Error naming the first label out of range.
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& labels,
                             Reduction reduction = Reduction::kMean);

}  // namespace hg
