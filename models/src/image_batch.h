// Shared by the convolutional models: accepts a batch of images [N, C, H, W] or of flat rows
// [N, C*H*W] and returns it as images of the model's per-sample shape, or throws hg::Error saying
// what the model expected.
#pragma once

#include <string>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/core/tensor.h"

namespace hg::models::detail {

inline std::string shape_text(const std::vector<int64_t>& dims, const char* separator = "x") {
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? separator : "") + std::to_string(dims[i]);
  return text;
}

inline int64_t product(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

// x as [N, sample...]: a view of the same storage (differentiable).
inline Tensor as_image_batch(const Tensor& x, const std::vector<int64_t>& sample,
                             const std::string& model) {
  HG_CHECK(x.defined(), model, ": the input is undefined");
  const int64_t per_sample = product(sample);
  bool ok = x.rank() >= 2;
  if (ok && x.rank() == 2) {
    ok = x.dim(1) == per_sample;
  } else if (ok) {
    ok = x.rank() == static_cast<int>(sample.size()) + 1;
    for (size_t d = 0; ok && d < sample.size(); ++d)
      ok = x.dim(static_cast<int>(d) + 1) == sample[d];
  }
  HG_CHECK(ok, model, " expects images [N, ", shape_text(sample, ", "), "] or rows [N, ",
           per_sample, "], got ", x.shape());
  std::vector<int64_t> dims{x.dim(0)};
  dims.insert(dims.end(), sample.begin(), sample.end());
  return x.rank() == 2 ? x.reshape(dims) : x;
}

}  // namespace hg::models::detail
