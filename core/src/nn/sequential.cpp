// Sequential: applies its children in order.
#include "hourglass/nn/sequential.h"

namespace hg::nn {

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& layer : layers_)
    y = layer->forward(y);
  return y;
}

}  // namespace hg::nn
