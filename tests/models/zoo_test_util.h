// Helpers shared by the autoencoder-zoo tests (tests/models, and tests/slow as
// "models/zoo_test_util.h"): generated data sets, loaders, parameter names and shapes, host copies
// of parameters, and a double-precision symmetric eigensolver (cyclic Jacobi) for the PCA checks.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "hourglass/core/rng.h"
#include "hourglass/data/dataloader.h"
#include "hourglass/data/dataset.h"
#include "hourglass/models/autoencoder.h"

namespace hg::models::zoo_test {

// n samples of dimension d on a rank-r manifold: x = sigmoid(A z), z ~ N(0, 1)^r,
// A ~ N(0, 1.5^2)^(d x r); values in (0, 1). An autoencoder with a code of at least r units can
// fit it closely.
inline data::Dataset low_rank_dataset(int64_t n, int64_t d, int64_t r, uint64_t seed) {
  Generator gen(seed);
  const std::vector<float> a = Tensor::randn(Shape{d, r}, Device::cpu(), 0, 1.5f, &gen).to_vector();
  const std::vector<float> z = Tensor::randn(Shape{n, r}, Device::cpu(), 0, 1, &gen).to_vector();
  std::vector<float> x(static_cast<size_t>(n * d));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < d; ++j) {
      double s = 0;
      for (int64_t k = 0; k < r; ++k)
        s += a[j * r + k] * z[i * r + k];
      x[i * d + j] = static_cast<float>(1.0 / (1.0 + std::exp(-s)));
    }
  }
  return data::make_dataset(Tensor::from_vector(x, Shape{n, d}), Tensor());
}

inline data::DataLoader loader(const data::Dataset& ds, int64_t batch, Device device,
                               bool shuffle = true, uint64_t seed = 1) {
  data::DataLoaderOptions o;
  o.batch_size = batch;
  o.shuffle = shuffle;
  o.seed = seed;
  o.device = device;
  return data::DataLoader(ds, o);
}

// (name, shape) of every parameter in order, to compare with a PyTorch state_dict printout.
using NamedShapes = std::vector<std::pair<std::string, Shape>>;

inline NamedShapes named_shapes(const Autoencoder& model) {
  NamedShapes out;
  for (const auto& p : model.named_parameters())
    out.emplace_back(p.first, p.second.shape());
  return out;
}

inline std::vector<double> to_double(const Tensor& t) {
  const std::vector<float> v = t.to_vector();
  return std::vector<double>(v.begin(), v.end());
}

// Eigen-decomposition of the symmetric n x n matrix `a` (row-major) by cyclic Jacobi rotations:
// returns (eigenvalues, eigenvectors as the columns of a row-major n x n matrix), sorted by
// decreasing eigenvalue.
inline std::pair<std::vector<double>, std::vector<double>> symmetric_eigen(std::vector<double> a,
                                                                           int n) {
  std::vector<double> v(static_cast<size_t>(n * n), 0.0);
  for (int i = 0; i < n; ++i)
    v[i * n + i] = 1;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q)
        off += a[p * n + q] * a[p * n + q];
    if (off < 1e-30) break;
    for (int p = 0; p < n; ++p) {
      for (int q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (std::fabs(apq) < 1e-300) continue;
        // The rotation angle that zeroes a[p][q]: tan(2 theta) = 2 a_pq / (a_qq - a_pp).
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t =
            (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; ++k) {  // columns p, q of A
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; ++k) {  // rows p, q of A
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < n; ++k) {
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  std::vector<int> order(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](int x, int y) { return a[x * n + x] > a[y * n + y]; });
  std::vector<double> values(static_cast<size_t>(n)), vectors(static_cast<size_t>(n * n));
  for (int j = 0; j < n; ++j) {
    values[j] = a[order[j] * n + order[j]];
    for (int k = 0; k < n; ++k)
      vectors[k * n + j] = v[k * n + order[j]];
  }
  return {values, vectors};
}

}  // namespace hg::models::zoo_test
