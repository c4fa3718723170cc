// Helpers shared by the optimizer tests: deterministic test data, setting a gradient by hand,
// comparing float results with double references, and checking hg::Error messages.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/core/tensor.h"

#include "support/expect_error.h"

namespace hg::testing {

// n values in [-scale, scale] from a seeded engine, with an exact zero at index 0.
inline std::vector<double> test_values(size_t n, unsigned seed, double scale) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<double> dist(-scale, scale);
  std::vector<double> v(n);
  for (double& x : v)
    x = static_cast<float>(dist(engine));  // representable in float
  if (n > 0) v[0] = 0.0;
  return v;
}

inline std::vector<float> to_float(const std::vector<double>& v) {
  return std::vector<float>(v.begin(), v.end());
}

inline Tensor make_param(const std::vector<double>& values, const Shape& shape, Device device) {
  Tensor t = Tensor::from_vector(to_float(values), shape, device);
  t.set_requires_grad(true);
  return t;
}

// Installs `values` as the accumulated gradient of leaf `param`, as backward() would.
inline void set_grad(const Tensor& param, const std::vector<double>& values) {
  param.impl()->grad =
      Tensor::from_vector(to_float(values), param.shape(), param.device()).impl_ptr();
}

// Every element of `actual` within rel * max(1, |expected|) of the double reference.
inline void expect_close(const Tensor& actual, const std::vector<double>& expected, double rel,
                         const std::string& what) {
  const std::vector<float> got = actual.to_vector();
  ASSERT_EQ(got.size(), expected.size()) << what;
  int reported = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double tol = rel * std::max(1.0, std::fabs(expected[i]));
    if (!(std::fabs(got[i] - expected[i]) <= tol) && reported++ < 5)
      ADD_FAILURE() << what << "[" << i << "]: got " << got[i] << ", expected " << expected[i]
                    << " (tolerance " << tol << ")";
  }
}

}  // namespace hg::testing
