// CUDA optimizer steps: one fused pass per parameter (read w, g and the state once, write them
// once) on pointwise_kernel, with the per-element rules of common/optimizer_math.h. Per-step
// scalars (Adam's bias corrections, Adagrad's decayed rate) are computed on the host and passed
// by value, as in the CPU twin.
#include "cuda_platform.cuh"

#include "cuda_backend_impl.cuh"
#include "hourglass/kernels/common/optimizer_math.h"
#include "pointwise.cuh"

namespace hg::kernels::cuda {

namespace {

// No momentum buffer: in = {w, g}, out = {w}.
struct SgdPlain {
  SgdParams p;
  __device__ void operator()(const float (&in)[2], float (&out)[1]) const {
    float w = in[0], unused = 0.0f;
    sgd_update(w, in[1], unused, p);
    out[0] = w;
  }
};

// First step with momentum: the buffer is initialised from g, never read. in = {w, g},
// out = {w, buf}.
struct SgdFirst {
  SgdParams p;
  __device__ void operator()(const float (&in)[2], float (&out)[2]) const {
    float w = in[0], buf = 0.0f;
    sgd_update(w, in[1], buf, p);
    out[0] = w;
    out[1] = buf;
  }
};

// in = {w, g, buf}, out = {w, buf}.
struct SgdMomentum {
  SgdParams p;
  __device__ void operator()(const float (&in)[3], float (&out)[2]) const {
    float w = in[0], buf = in[2];
    sgd_update(w, in[1], buf, p);
    out[0] = w;
    out[1] = buf;
  }
};

// in = {w, g, m, v}, out = {w, m, v}.
struct AdamStep {
  AdamParams p;
  AdamScalars s;
  __device__ void operator()(const float (&in)[4], float (&out)[3]) const {
    float w = in[0], m = in[2], v = in[3];
    adam_update(w, in[1], m, v, p, s);
    out[0] = w;
    out[1] = m;
    out[2] = v;
  }
};

// in = {w, g, square_avg, acc_delta}, out = {w, square_avg, acc_delta}.
struct AdadeltaStep {
  AdadeltaParams p;
  __device__ void operator()(const float (&in)[4], float (&out)[3]) const {
    float w = in[0], square_avg = in[2], acc_delta = in[3];
    adadelta_update(w, in[1], square_avg, acc_delta, p);
    out[0] = w;
    out[1] = square_avg;
    out[2] = acc_delta;
  }
};

// in = {w, g, sum}, out = {w, sum}.
struct AdagradStep {
  AdagradParams p;
  float clr;
  __device__ void operator()(const float (&in)[3], float (&out)[2]) const {
    float w = in[0], sum = in[2];
    adagrad_update(w, in[1], sum, p, clr);
    out[0] = w;
    out[1] = sum;
  }
};

}  // namespace

void CudaBackend::sgd_step(float* w, const float* g, float* momentum, int64_t n,
                           const SgdParams& p) {
  if (n <= 0) return;
  activate();
  // The buffer exists only when momentum != 0 (the caller may pass null otherwise).
  if (p.momentum == 0.0f || momentum == nullptr)
    launch_pointwise<2, 1>(*this, SgdPlain{p}, InPtrs<2>{{w, g}}, OutPtrs<1>{{w}}, n);
  else if (p.first_step)
    launch_pointwise<2, 2>(*this, SgdFirst{p}, InPtrs<2>{{w, g}}, OutPtrs<2>{{w, momentum}}, n);
  else
    launch_pointwise<3, 2>(*this, SgdMomentum{p}, InPtrs<3>{{w, g, momentum}},
                           OutPtrs<2>{{w, momentum}}, n);
}

void CudaBackend::adam_step(float* w, const float* g, float* m, float* v, int64_t n,
                            const AdamParams& p) {
  if (n <= 0) return;
  activate();
  launch_pointwise<4, 3>(*this, AdamStep{p, adam_scalars(p)}, InPtrs<4>{{w, g, m, v}},
                         OutPtrs<3>{{w, m, v}}, n);
}

void CudaBackend::adadelta_step(float* w, const float* g, float* square_avg, float* acc_delta,
                                int64_t n, const AdadeltaParams& p) {
  if (n <= 0) return;
  activate();
  launch_pointwise<4, 3>(*this, AdadeltaStep{p}, InPtrs<4>{{w, g, square_avg, acc_delta}},
                         OutPtrs<3>{{w, square_avg, acc_delta}}, n);
}

void CudaBackend::adagrad_step(float* w, const float* g, float* sum, int64_t n,
                               const AdagradParams& p) {
  if (n <= 0) return;
  activate();
  launch_pointwise<3, 2>(*this, AdagradStep{p, adagrad_clr(p)}, InPtrs<3>{{w, g, sum}},
                         OutPtrs<2>{{w, sum}}, n);
}

}  // namespace hg::kernels::cuda
