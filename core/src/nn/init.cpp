// Keras's default initialisation of a built module (init.h).
#include "hourglass/nn/init.h"

#include <cmath>
#include <cstring>

#include "hourglass/core/error.h"

namespace hg::nn {

void keras_init(Module& module, Generator& gen) {
  for (auto& [name, p] : module.named_parameters()) {
    HG_CHECK(p.device().is_cpu() && p.dtype() == DType::kFloat32, "keras_init: parameter ", name,
             " must be a float32 CPU tensor (initialise before moving the module)");
    float* values = p.data<float>();
    if (p.rank() == 1) {
      std::memset(values, 0, p.nbytes());
      continue;
    }
    HG_CHECK(p.rank() >= 2, "keras_init: parameter ", name, " is a scalar");
    int64_t receptive = 1;
    for (int d = 2; d < p.rank(); ++d)
      receptive *= p.dim(d);
    const double fans = static_cast<double>(p.dim(0) + p.dim(1)) * static_cast<double>(receptive);
    const float bound = static_cast<float>(std::sqrt(6.0 / fans));
    const Tensor draw = Tensor::rand(p.shape(), Device::cpu(), -bound, bound, &gen);
    std::memcpy(values, draw.data<float>(), p.nbytes());
  }
}

}  // namespace hg::nn
