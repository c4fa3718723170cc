// CPU twins of the autoencoder penalties and corruptions: L1 activity, KL target sparsity,
// k-sparse selection, Gaussian KL, the contractive penalty, the denoising corruptions and the
// image transforms. The per-element formulas come from common/regularizer_math.h and
// common/image_corruption.h (the Gaussian and Bernoulli KL terms on SIMD lanes through
// vector_math.h). Every sum is accumulated in double
// in an order fixed by the shape alone (fixed blocks added in block order), so results do not
// depend on the number of threads.
#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "cpu_backend.h"
#include "hourglass/kernels/common/image_corruption.h"
#include "hourglass/kernels/common/regularizer_math.h"
#include "parallel.h"
#include "vector_math.h"

namespace hg::kernels::cpu {

namespace {

constexpr int64_t kBlock = 8192;  // elements per partial sum of a long sum

// The sum over [0, n) of block_sum(begin, end), a sum over [begin, end) in index order, for fixed
// blocks, added in block order.
template <class BlockSum>
double ordered_block_sum(int64_t n, BlockSum block_sum) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<size_t>(blocks), 0.0);
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t b = 0; b < blocks; ++b)
    partial[b] = block_sum(b * kBlock, std::min(n, (b + 1) * kBlock));
  double total = 0.0;
  for (double p : partial)
    total += p;
  return total;
}

// sum_i f(i) for i in [0, n), in ordered_block_sum's order.
template <class F>
double ordered_sum(int64_t n, F f) {
  return ordered_block_sum(n, [&f](int64_t begin, int64_t end) {
    double s = 0.0;
    for (int64_t i = begin; i < end; ++i)
      s += f(i);
    return s;
  });
}

// S_j = sum_i W[j, i]^2 in double: the squared norm of row j of W [hidden, in].
std::vector<double> weight_row_norms(const float* w, int64_t hidden, int64_t in) {
  std::vector<double> s(static_cast<size_t>(hidden));
#pragma omp parallel for if (hidden * in > kParallelThreshold)
  for (int64_t j = 0; j < hidden; ++j) {
    const float* row = w + j * in;
    double acc = 0.0;
    for (int64_t i = 0; i < in; ++i)
      acc += static_cast<double>(row[i]) * row[i];
    s[j] = acc;
  }
  return s;
}

}  // namespace

void CpuBackend::l1_penalty(const float* h, float* out, int64_t n) {
  out[0] = static_cast<float>(
      ordered_sum(n, [h](int64_t i) { return static_cast<double>(std::fabs(h[i])); }));
}

void CpuBackend::l1_penalty_backward(const float* h, const float* dloss, float scale, float* dh,
                                     int64_t n) {
  const float c = *dloss * scale;
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i)
    dh[i] = h[i] > 0.0f ? c : (h[i] < 0.0f ? -c : 0.0f);
}

void CpuBackend::kl_sparsity(const float* h, float rho, float* rho_hat, float* out, int64_t rows,
                             int64_t units) {
  if (units <= 0) {
    out[0] = 0.0f;
    return;
  }
  // Column means: each task owns a tile of units and walks the rows in order.
  constexpr int64_t kTile = 256;
  const int64_t tiles = (units + kTile - 1) / kTile;
#pragma omp parallel for if (rows * units > kParallelThreshold)
  for (int64_t t = 0; t < tiles; ++t) {
    const int64_t j0 = t * kTile, width = std::min(kTile, units - j0);
    double acc[kTile] = {};
    for (int64_t n = 0; n < rows; ++n) {
      const float* row = h + n * units + j0;
      for (int64_t j = 0; j < width; ++j)
        acc[j] += row[j];
    }
    for (int64_t j = 0; j < width; ++j)
      rho_hat[j0 + j] = static_cast<float>(kl_clamp_rho_hat(acc[j] / static_cast<double>(rows)));
  }
  // The KL is evaluated at the stored float rho_hat, the value the backward pass sees; the terms
  // kl_bernoulli(rho, rho_hat[j]) come from vmath a block at a time and are added in order.
  out[0] = static_cast<float>(ordered_block_sum(units, [rho, rho_hat](int64_t begin, int64_t end) {
    double terms[kVectorBlock];
    double s = 0.0;
    for (int64_t j0 = begin; j0 < end; j0 += kVectorBlock) {
      const int64_t len = std::min(kVectorBlock, end - j0);
      vmath::kl_bernoulli_terms(rho, rho_hat + j0, terms, len);
      for (int64_t j = 0; j < len; ++j)
        s += terms[j];
    }
    return s;
  }));
}

void CpuBackend::kl_sparsity_backward(const float* rho_hat, float rho, const float* dloss,
                                      float scale, float* dh, int64_t rows, int64_t units) {
  if (rows <= 0 || units <= 0) return;
  const double c = static_cast<double>(*dloss) * scale / static_cast<double>(rows);
  std::vector<float> column(static_cast<size_t>(units));
  for (int64_t j = 0; j < units; ++j)
    column[j] = static_cast<float>(c * kl_bernoulli_derivative(rho, rho_hat[j]));
#pragma omp parallel for if (rows * units > kParallelThreshold)
  for (int64_t n = 0; n < rows; ++n)
    std::copy(column.begin(), column.end(), dh + n * units);
}

void CpuBackend::topk_rows(const float* h, float* y, float* mask, int64_t rows, int64_t cols,
                           int64_t k) {
  // Keys are unique (the index is part of the key), so the k-th largest key is a threshold that
  // keeps exactly k elements whatever order nth_element leaves the rest in.
#pragma omp parallel for if (rows * cols > kParallelThreshold)
  for (int64_t n = 0; n < rows; ++n) {
    const float* x = h + n * cols;
    float* yr = y + n * cols;
    float* mr = mask + n * cols;
    uint64_t threshold = 0;
    const bool keep_any = k > 0;
    if (keep_any && k < cols) {
      std::vector<uint64_t> keys(static_cast<size_t>(cols));
      for (int64_t j = 0; j < cols; ++j)
        keys[j] = topk_key(x[j], j);
      std::nth_element(keys.begin(), keys.begin() + (k - 1), keys.end(), std::greater<uint64_t>());
      threshold = keys[k - 1];
    }
    for (int64_t j = 0; j < cols; ++j) {
      const bool keep = keep_any && topk_key(x[j], j) >= threshold;
      yr[j] = keep ? x[j] : 0.0f;
      mr[j] = keep ? 1.0f : 0.0f;
    }
  }
}

void CpuBackend::gaussian_kl(const float* mu, const float* logvar, float* kl, int64_t rows,
                             int64_t cols) {
  if (cols <= 0) {
    std::fill(kl, kl + std::max<int64_t>(rows, 0), 0.0f);
    return;
  }
  // Groups of whole rows whose terms fill at most one block (or one row, when a row is longer
  // than a block): vmath computes the terms gaussian_kl_term(mu, logvar) of a block at a time
  // over the contiguous [rows, cols] arrays, and each row's terms are added in column order.
  const int64_t group_rows = cols >= kVectorBlock ? 1 : kVectorBlock / cols;
  const int64_t groups = (rows + group_rows - 1) / group_rows;
#pragma omp parallel for if (rows * cols > kParallelThreshold)
  for (int64_t g = 0; g < groups; ++g) {
    double terms[kVectorBlock];
    const int64_t first = g * group_rows * cols;
    const int64_t end = std::min(rows, (g + 1) * group_rows) * cols;
    double s = 0.0;
    int64_t col = 0;
    for (int64_t i0 = first; i0 < end; i0 += kVectorBlock) {
      const int64_t len = std::min(kVectorBlock, end - i0);
      vmath::gaussian_kl_terms(mu + i0, logvar + i0, terms, len);
      for (int64_t k = 0; k < len; ++k) {
        s += terms[k];
        if (++col == cols) {  // element i0 + k ends its row
          kl[(i0 + k) / cols] = static_cast<float>(s);
          s = 0.0;
          col = 0;
        }
      }
    }
  }
}

void CpuBackend::gaussian_kl_backward(const float* mu, const float* logvar, const float* dloss,
                                      float scale, float* dmu, float* dlogvar, int64_t n) {
  const float g = *dloss * scale;
  if (dmu) {
#pragma omp parallel for if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i)
      dmu[i] = g * mu[i];
  }
  if (dlogvar) {
    // g * gaussian_kl_dlogvar(logvar[i]).
    parallel_blocks(n, [=](int64_t begin, int64_t end) {
      vmath::gaussian_kl_dlogvar(logvar + begin, g, dlogvar + begin, end - begin);
    });
  }
}

void CpuBackend::contractive_penalty(ContractiveActivation act, const float* h, const float* w,
                                     float* out, int64_t rows, int64_t hidden, int64_t in) {
  const std::vector<double> s = weight_row_norms(w, hidden, in);
#pragma omp parallel for if (rows * hidden > kParallelThreshold)
  for (int64_t n = 0; n < rows; ++n) {
    const float* hr = h + n * hidden;
    double acc = 0.0;
    for (int64_t j = 0; j < hidden; ++j)
      acc += static_cast<double>(contractive_phi(act, hr[j])) * s[j];
    out[n] = static_cast<float>(acc);
  }
}

void CpuBackend::contractive_penalty_backward(ContractiveActivation act, const float* h,
                                              const float* w, const float* dloss, float scale,
                                              float* dh, float* dw, int64_t rows, int64_t hidden,
                                              int64_t in) {
  const double c = static_cast<double>(*dloss) * scale;
  if (dh) {
    const std::vector<double> s = weight_row_norms(w, hidden, in);
#pragma omp parallel for if (rows * hidden > kParallelThreshold)
    for (int64_t n = 0; n < rows; ++n)
      for (int64_t j = 0; j < hidden; ++j)
        dh[n * hidden + j] =
            static_cast<float>(c * contractive_phi_derivative(act, h[n * hidden + j]) * s[j]);
  }
  if (dw) {
    // P_j = sum_n phi(h[n, j]), each column summed in row order.
    std::vector<double> p(static_cast<size_t>(hidden), 0.0);
    for (int64_t n = 0; n < rows; ++n)
      for (int64_t j = 0; j < hidden; ++j)
        p[j] += contractive_phi(act, h[n * hidden + j]);
#pragma omp parallel for if (hidden * in > kParallelThreshold)
    for (int64_t j = 0; j < hidden; ++j) {
      const double f = 2.0 * c * p[j];
      for (int64_t i = 0; i < in; ++i)
        dw[j * in + i] = static_cast<float>(f * w[j * in + i]);
    }
  }
}

void CpuBackend::corrupt(const CorruptionParams& p, const float* x, float* y, int64_t n,
                         uint64_t seed, uint64_t offset) {
  if (p.image != ImageCorruption::kNone) {
#pragma omp parallel for if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i)
      y[i] = corrupt_image_element(p, x, seed, offset, i);
    return;
  }
#pragma omp parallel for if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i)
    y[i] = corrupt_element(p, x[i], seed, offset, i);
}

}  // namespace hg::kernels::cpu
