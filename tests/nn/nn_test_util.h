// Helpers shared by the nn tests: seeded host data, a double-precision Linear reference, and
// checks of hg::Error messages.
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

inline std::vector<float> random_floats(size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v)
    x = dist(engine);
  return v;
}

// y[n, o] = sum_i x[n, i] w[o, i] + b[o], in double; b may be empty.
inline std::vector<double> linear_reference(const std::vector<float>& x,
                                            const std::vector<float>& w,
                                            const std::vector<float>& b, int64_t rows, int64_t in,
                                            int64_t out) {
  std::vector<double> y(static_cast<size_t>(rows * out));
  for (int64_t n = 0; n < rows; ++n)
    for (int64_t o = 0; o < out; ++o) {
      double acc = b.empty() ? 0.0 : b[o];
      for (int64_t i = 0; i < in; ++i)
        acc += double(x[n * in + i]) * double(w[o * in + i]);
      y[n * out + o] = acc;
    }
  return y;
}

inline void expect_near_all(const std::vector<float>& got, const std::vector<double>& expected,
                            double tol, const std::string& what) {
  ASSERT_EQ(got.size(), expected.size()) << what;
  int reported = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - expected[i]) <= tol) && reported++ < 5)
      ADD_FAILURE() << what << "[" << i << "]: got " << got[i] << ", expected " << expected[i];
}

}  // namespace hg::testing
