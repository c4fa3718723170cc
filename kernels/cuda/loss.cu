// CUDA loss kernels. Pointwise losses and their derivatives run on pointwise_kernel with the
// formulas of common/loss_math.h; the backward reads the upstream gradient *dloss on the device,
// so no host round trip is needed. Softmax cross-entropy uses one block per row (a warp for
// rows up to 1024 classes, 256 threads beyond): a block max, then sum exp(x - max) in double with
// the fixed-order block reduction, as the CPU twin does in double.
#include "cuda_platform.cuh"

#include <cmath>

#include "block_reduce.cuh"
#include "cuda_backend_impl.cuh"
#include "pointwise.cuh"

namespace hg::kernels::cuda {

namespace {

template <PointwiseLoss Kind>
struct LossValue {
  __device__ void operator()(const float (&in)[2], float (&out)[1]) const {
    out[0] = pointwise_loss_value(Kind, in[0], in[1]);
  }
};

template <PointwiseLoss Kind>
struct LossDerivative {
  const float* dloss;
  float scale;
  __device__ void operator()(const float (&in)[2], float (&out)[1]) const {
    const float factor = *dloss * scale;
    out[0] = factor * pointwise_loss_derivative(Kind, in[0], in[1]);
  }
};

template <template <PointwiseLoss> class Functor, class Fn>
void dispatch_loss(PointwiseLoss kind, Fn&& fn) {
  switch (kind) {
    case PointwiseLoss::kMse:
      return fn(Functor<PointwiseLoss::kMse>{});
    case PointwiseLoss::kBceWithLogits:
      return fn(Functor<PointwiseLoss::kBceWithLogits>{});
    case PointwiseLoss::kBce:
      return fn(Functor<PointwiseLoss::kBce>{});
  }
}

constexpr int64_t kWideRow = 1024;  // classes above this: 256-thread blocks

// Row max and log(sum exp(x - max)) of row blockIdx.x, known to every thread of the block.
template <int kThreads>
__device__ void row_softmax_stats(const float* x, int64_t classes, float* max_out,
                                  double* lse_out) {
  float m = -INFINITY;
  for (int64_t c = threadIdx.x; c < classes; c += kThreads)
    m = fmaxf(m, x[c]);
  m = block_allreduce<kThreads>(m, MaxOp{}, -INFINITY);
  double s = 0.0;
  for (int64_t c = threadIdx.x; c < classes; c += kThreads)
    s += exp(static_cast<double>(x[c]) - static_cast<double>(m));
  s = block_allreduce<kThreads>(s, SumOp{}, 0.0);
  *max_out = m;
  *lse_out = static_cast<double>(m) + log(s);
}

template <int kThreads>
__global__ void softmax_xent_kernel(const float* logits, const int32_t* labels, float* loss,
                                    int64_t classes) {
  const int64_t row = blockIdx.x;
  const float* x = logits + row * classes;
  float m;
  double lse;
  row_softmax_stats<kThreads>(x, classes, &m, &lse);
  if (threadIdx.x == 0) {
    const int32_t label = labels[row];
    // Labels are checked by core; an out-of-range one gives NaN rather than a wild read.
    loss[row] = label >= 0 && label < classes ? static_cast<float>(lse - x[label]) : NAN;
  }
}

template <int kThreads>
__global__ void softmax_xent_backward_kernel(const float* logits, const int32_t* labels,
                                             const float* dloss, float scale, float* dlogits,
                                             int64_t classes) {
  const int64_t row = blockIdx.x;
  const float* x = logits + row * classes;
  float* dx = dlogits + row * classes;
  float m;
  double lse;
  row_softmax_stats<kThreads>(x, classes, &m, &lse);
  const double factor = static_cast<double>(*dloss) * scale;
  const int32_t label = labels[row];
  const bool valid = label >= 0 && label < classes;
  for (int64_t c = threadIdx.x; c < classes; c += kThreads) {
    const double p = exp(static_cast<double>(x[c]) - lse);
    dx[c] = valid ? static_cast<float>(factor * (p - (c == label ? 1.0 : 0.0))) : NAN;
  }
}

}  // namespace

void CudaBackend::pointwise_loss(PointwiseLoss kind, const float* x, const float* t, float* loss,
                                 int64_t n) {
  if (n <= 0) return;
  activate();
  dispatch_loss<LossValue>(kind, [&](auto f) {
    launch_pointwise<2, 1>(*this, f, InPtrs<2>{{x, t}}, OutPtrs<1>{{loss}}, n);
  });
}

void CudaBackend::pointwise_loss_backward(PointwiseLoss kind, const float* x, const float* t,
                                          const float* dloss, float scale, float* dx, int64_t n) {
  if (n <= 0) return;
  activate();
  dispatch_loss<LossDerivative>(kind, [&](auto f) {
    f.dloss = dloss;
    f.scale = scale;
    launch_pointwise<2, 1>(*this, f, InPtrs<2>{{x, t}}, OutPtrs<1>{{dx}}, n);
  });
}

void CudaBackend::softmax_cross_entropy(const float* logits, const int32_t* labels, float* loss,
                                        int64_t rows, int64_t classes) {
  if (rows <= 0) return;
  activate();
  if (classes <= 0) {  // logsumexp of nothing is -inf; never reached through core
    fill(loss, NAN, rows);
    return;
  }
  const dim3 grid(static_cast<unsigned>(rows));
  if (classes > kWideRow)
    hg::cuda::launch(softmax_xent_kernel<256>, grid, dim3(256), 0, stream_, logits, labels, loss,
                     classes);
  else
    hg::cuda::launch(softmax_xent_kernel<32>, grid, dim3(32), 0, stream_, logits, labels, loss,
                     classes);
}

void CudaBackend::softmax_cross_entropy_backward(const float* logits, const int32_t* labels,
                                                 const float* dloss, float scale, float* dlogits,
                                                 int64_t rows, int64_t classes) {
  if (rows <= 0 || classes <= 0) return;
  activate();
  const dim3 grid(static_cast<unsigned>(rows));
  if (classes > kWideRow)
    hg::cuda::launch(softmax_xent_backward_kernel<256>, grid, dim3(256), 0, stream_, logits, labels,
                     dloss, scale, dlogits, classes);
  else
    hg::cuda::launch(softmax_xent_backward_kernel<32>, grid, dim3(32), 0, stream_, logits, labels,
                     dloss, scale, dlogits, classes);
}

}  // namespace hg::kernels::cuda
