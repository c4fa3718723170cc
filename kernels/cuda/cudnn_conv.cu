// The cuDNN convolution path (ConvImpl::kCudnn), compiled only with HG_CUDNN: the alternative to
// conv.cu's hand-written kernels and the yardstick they are measured against.
//
// State: one cudnnHandle_t per device, created on first use and bound to the backend's stream at
// every call, plus one Plan per convolution geometry (descriptors and the chosen algorithms), kept
// in a registry here, keyed by device, so CudaBackend itself needs no cuDNN member. Calls on one
// device are serialized by that device's mutex (a cuDNN handle is not thread-safe).
//
// Choices:
// - Math: CUDNN_FMA_MATH, plain FP32 FMAs. Tensor-core TF32 (cuDNN's default on sm_80+) would
//   round the inputs to 10 mantissa bits, and kCudnn must agree with the native kernels within
//   float32 rounding.
// - Algorithms: chosen once per geometry by cuDNN's heuristics (cudnnGet*_v7), never by timing
//   (cudnnFind*): a timed choice can change from run to run, and with it the bits of the result,
//   while hourglass promises bitwise-identical training for the same seed, device and build. Only
//   algorithms with determinism == CUDNN_DETERMINISTIC and FP32 (not tensor-op) math qualify, the
//   fastest needing at most kMaxWorkspace bytes, else the fastest at all.
// - Workspace: from the backend's caching allocator, per call (stream-ordered reuse makes it
//   cheap).
// - Bias (forward, and backward_data's per-input-channel bias): a small kernel adding bias[c].
//   dbias: the backend's deterministic reduce_sum (over pixels, then over the batch).
// - Asymmetric padding: cuDNN pads symmetrically. The geometry gives the top/left padding and
//   out_h/out_w, which imply the bottom/right padding. When cuDNN's output size with padding
//   (pad_h, pad_w) on both sides equals (out_h, out_w), cuDNN's rows are exactly ours (output row
//   oh reads rows oh*s - pad_h + kh*d either way) and cuDNN runs on the tensors directly.
//   Otherwise (Keras 'same' with stride 2, PyTorch 'same' with an even kernel) the input is
//   padded explicitly into a scratch tensor of exactly the rows the windows read,
//   H' = (out_h - 1) * s + d * (k - 1) + 1 (row r' holds input row r' - pad_h, or 0), and cuDNN
//   runs unpadded on it; backward_data computes dx on the padded tensor and crops it.
#include "cuda_platform.cuh"

#if defined(HG_CUDNN)

#include <array>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cudnn_conv.cuh"
#include "scratch.cuh"
#include "spatial_index.cuh"

namespace hg::kernels::cuda {

namespace {

constexpr size_t kMaxWorkspace = size_t{1} << 30;  // preferred workspace limit: 1 GiB
constexpr int kMaxDevices = 64;

[[noreturn]] void fail(const std::string& message) {
  throw DeviceError("cudnn_conv: " + message);
}

int to_int(int64_t v, const char* what) {
  if (v < 0 || v > INT_MAX)
    fail(std::string(what) + " = " + std::to_string(v) + " does not fit cuDNN's int");
  return static_cast<int>(v);
}

// ---- small kernels --------------------------------------------------------------------------

// xp[p, r, c] = x[p, r - top, c - left] inside x, else 0; xp is [planes, xh, xw].
__global__ void pad_kernel(const float* x, float* xp, int64_t planes, int64_t in_h, int64_t in_w,
                           int64_t top, int64_t left, int64_t xh, int64_t xw) {
  const int64_t n = planes * xh * xw;
  for (int64_t i = grid_stride_first(); i < n; i += grid_stride_step()) {
    const PlaneIndex at = plane_index(i, xh, xw);
    const int64_t ih = at.r - top, iw = at.c - left;
    xp[i] = ih >= 0 && ih < in_h && iw >= 0 && iw < in_w ? x[(at.p * in_h + ih) * in_w + iw] : 0.0f;
  }
}

// dx[p, ih, iw] = dxp[p, ih + top, iw + left] where that lies in dxp [planes, xh, xw], else 0
// (input rows past the last window get no gradient).
__global__ void crop_kernel(const float* dxp, float* dx, int64_t planes, int64_t in_h, int64_t in_w,
                            int64_t top, int64_t left, int64_t xh, int64_t xw) {
  const int64_t n = planes * in_h * in_w;
  for (int64_t i = grid_stride_first(); i < n; i += grid_stride_step()) {
    const PlaneIndex at = plane_index(i, in_h, in_w);
    const int64_t r = at.r + top, c = at.c + left;
    dx[i] = r < xh && c < xw ? dxp[(at.p * xh + r) * xw + c] : 0.0f;
  }
}

// y[n, c, :, :] += bias[c] for y [batch, channels, pixels].
__global__ void add_bias_kernel(float* y, const float* bias, int64_t n, int64_t channels,
                                int64_t pixels) {
  for (int64_t i = grid_stride_first(); i < n; i += grid_stride_step())
    y[i] += bias[(i / pixels) % channels];
}

void add_bias(CudaBackend& b, float* y, const float* bias, int64_t n, int64_t channels,
              int64_t pixels) {
  if (bias == nullptr) return;
  launch_per_element(b, add_bias_kernel, n, y, bias, n, channels, pixels);
}

// ---- descriptors and plans --------------------------------------------------------------------

struct Plan {
  Plan() = default;
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() {  // errors ignored: may run at exit
    if (x != nullptr) cudnnDestroyTensorDescriptor(x);
    if (y != nullptr) cudnnDestroyTensorDescriptor(y);
    if (w != nullptr) cudnnDestroyFilterDescriptor(w);
    if (conv != nullptr) cudnnDestroyConvolutionDescriptor(conv);
  }

  // Explicit padding (see the file comment): cuDNN's input is [batch, in_channels, xh, xw] in
  // scratch; otherwise xh, xw = in_h, in_w and cuDNN pads (pad_h, pad_w) on both sides.
  bool padded = false;
  int64_t xh = 0, xw = 0;
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;

  bool have_forward = false, have_backward_data = false, have_backward_filter = false;
  cudnnConvolutionFwdAlgo_t forward_algo{};
  cudnnConvolutionBwdDataAlgo_t backward_data_algo{};
  cudnnConvolutionBwdFilterAlgo_t backward_filter_algo{};
  size_t forward_workspace = 0, backward_data_workspace = 0, backward_filter_workspace = 0;
};

using PlanKey = std::array<int64_t, 15>;

PlanKey key_of(const Conv2dGeometry& g) {
  return {g.batch,    g.in_channels, g.in_h,     g.in_w,       g.out_channels,
          g.out_h,    g.out_w,       g.kernel_h, g.kernel_w,   g.stride_h,
          g.stride_w, g.pad_h,       g.pad_w,    g.dilation_h, g.dilation_w};
}

// cuDNN's (and PyTorch's) output size with `pad` on both sides; -1 when no window fits.
int64_t symmetric_out(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1;
  return span < 0 ? -1 : span / s + 1;
}

std::unique_ptr<Plan> make_plan(const Conv2dGeometry& g) {
  if (g.stride_h < 1 || g.stride_w < 1 || g.dilation_h < 1 || g.dilation_w < 1 || g.pad_h < 0 ||
      g.pad_w < 0)
    fail("stride and dilation must be >= 1 and padding >= 0");
  auto plan = std::make_unique<Plan>();
  const bool direct =
      symmetric_out(g.in_h, g.kernel_h, g.stride_h, g.pad_h, g.dilation_h) == g.out_h &&
      symmetric_out(g.in_w, g.kernel_w, g.stride_w, g.pad_w, g.dilation_w) == g.out_w;
  plan->padded = !direct;
  plan->xh = direct ? g.in_h : (g.out_h - 1) * g.stride_h + g.dilation_h * (g.kernel_h - 1) + 1;
  plan->xw = direct ? g.in_w : (g.out_w - 1) * g.stride_w + g.dilation_w * (g.kernel_w - 1) + 1;
  const int pad_h = direct ? to_int(g.pad_h, "pad_h") : 0;
  const int pad_w = direct ? to_int(g.pad_w, "pad_w") : 0;

  const int n = to_int(g.batch, "batch"), ci = to_int(g.in_channels, "in_channels");
  const int co = to_int(g.out_channels, "out_channels");
  HG_CUDNN_CHECK(cudnnCreateTensorDescriptor(&plan->x));
  HG_CUDNN_CHECK(cudnnSetTensor4dDescriptor(plan->x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, ci,
                                            to_int(plan->xh, "input height"),
                                            to_int(plan->xw, "input width")));
  HG_CUDNN_CHECK(cudnnCreateTensorDescriptor(&plan->y));
  HG_CUDNN_CHECK(cudnnSetTensor4dDescriptor(plan->y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, co,
                                            to_int(g.out_h, "out_h"), to_int(g.out_w, "out_w")));
  HG_CUDNN_CHECK(cudnnCreateFilterDescriptor(&plan->w));
  HG_CUDNN_CHECK(cudnnSetFilter4dDescriptor(plan->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, co, ci,
                                            to_int(g.kernel_h, "kernel_h"),
                                            to_int(g.kernel_w, "kernel_w")));
  HG_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&plan->conv));
  HG_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
      plan->conv, pad_h, pad_w, to_int(g.stride_h, "stride_h"), to_int(g.stride_w, "stride_w"),
      to_int(g.dilation_h, "dilation_h"), to_int(g.dilation_w, "dilation_w"),
      CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  HG_CUDNN_CHECK(cudnnSetConvolutionMathType(plan->conv, CUDNN_FMA_MATH));

  // The descriptors must describe the geometry's output exactly.
  int on = 0, oc = 0, oh = 0, ow = 0;
  HG_CUDNN_CHECK(
      cudnnGetConvolution2dForwardOutputDim(plan->conv, plan->x, plan->w, &on, &oc, &oh, &ow));
  if (on != n || oc != co || oh != g.out_h || ow != g.out_w)
    fail("cuDNN computes output " + std::to_string(oh) + "x" + std::to_string(ow) +
         " for this geometry, expected " + std::to_string(g.out_h) + "x" + std::to_string(g.out_w));
  return plan;
}

// The fastest qualifying algorithm among cuDNN's ranked heuristics (see the file comment).
template <class Perf>
const Perf& pick(const std::vector<Perf>& ranked, int returned, const char* direction) {
  for (size_t limit : {kMaxWorkspace, SIZE_MAX}) {
    for (int i = 0; i < returned; ++i) {
      const Perf& p = ranked[static_cast<size_t>(i)];
      if (p.status == CUDNN_STATUS_SUCCESS && p.determinism == CUDNN_DETERMINISTIC &&
          (p.mathType == CUDNN_FMA_MATH || p.mathType == CUDNN_DEFAULT_MATH) && p.memory <= limit)
        return p;
    }
  }
  fail(std::string("cuDNN offers no deterministic FP32 ") + direction +
       " algorithm for this geometry");
}

// One device's cuDNN handle and plans.
struct DeviceState {
  DeviceState() = default;
  DeviceState(const DeviceState&) = delete;
  DeviceState& operator=(const DeviceState&) = delete;
  ~DeviceState() {
    plans.clear();
    if (handle != nullptr) cudnnDestroy(handle);
  }

  std::mutex mutex;  // held for a whole call: the handle is not thread-safe
  cudnnHandle_t handle = nullptr;
  std::map<PlanKey, std::unique_ptr<Plan>> plans;

  Plan& plan(const Conv2dGeometry& g) {
    std::unique_ptr<Plan>& slot = plans[key_of(g)];
    if (slot == nullptr) slot = make_plan(g);
    return *slot;
  }

  void choose_forward(Plan& p) {
    if (p.have_forward) return;
    int count = 0, returned = 0;
    HG_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(handle, &count));
    std::vector<cudnnConvolutionFwdAlgoPerf_t> ranked(static_cast<size_t>(count));
    HG_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(handle, p.x, p.w, p.conv, p.y, count,
                                                          &returned, ranked.data()));
    p.forward_algo = pick(ranked, returned, "forward").algo;
    HG_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(handle, p.x, p.w, p.conv, p.y,
                                                           p.forward_algo, &p.forward_workspace));
    p.have_forward = true;
  }

  void choose_backward_data(Plan& p) {
    if (p.have_backward_data) return;
    int count = 0, returned = 0;
    HG_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, &count));
    std::vector<cudnnConvolutionBwdDataAlgoPerf_t> ranked(static_cast<size_t>(count));
    HG_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, p.w, p.y, p.conv, p.x, count,
                                                               &returned, ranked.data()));
    p.backward_data_algo = pick(ranked, returned, "backward-data").algo;
    HG_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(
        handle, p.w, p.y, p.conv, p.x, p.backward_data_algo, &p.backward_data_workspace));
    p.have_backward_data = true;
  }

  void choose_backward_filter(Plan& p) {
    if (p.have_backward_filter) return;
    int count = 0, returned = 0;
    HG_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(handle, &count));
    std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> ranked(static_cast<size_t>(count));
    HG_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, p.x, p.y, p.conv, p.w,
                                                                 count, &returned, ranked.data()));
    p.backward_filter_algo = pick(ranked, returned, "backward-filter").algo;
    HG_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(
        handle, p.x, p.y, p.conv, p.w, p.backward_filter_algo, &p.backward_filter_workspace));
    p.have_backward_filter = true;
  }
};

// Per-device states live until exit, like the backends (device.cu): each is destroyed by an exit
// handler registered after its handle was created, so it runs before the backends' own handler
// and while the CUDA runtime is still up.
std::mutex g_states_mutex;
DeviceState* g_states[kMaxDevices] = {};

void destroy_states() {
  std::lock_guard<std::mutex> lock(g_states_mutex);
  for (DeviceState*& s : g_states) {
    delete s;
    s = nullptr;
  }
}

// The device's state, locked, with its handle bound to the backend's stream.
class Session {
 public:
  explicit Session(CudaBackend& backend) : state_(state_for(backend)), lock_(state_.mutex) {
    backend.activate();
    HG_CUDNN_CHECK(cudnnSetStream(state_.handle, backend.stream()));
  }
  DeviceState* operator->() const { return &state_; }

 private:
  static DeviceState& state_for(CudaBackend& backend) {
    const int device = backend.device();
    if (device < 0 || device >= kMaxDevices)
      fail("device " + std::to_string(device) + " out of range");
    std::lock_guard<std::mutex> lock(g_states_mutex);
    DeviceState*& slot = g_states[device];
    if (slot == nullptr) {
      backend.activate();
      auto state = std::make_unique<DeviceState>();
      HG_CUDNN_CHECK(cudnnCreate(&state->handle));
      slot = state.release();
      std::atexit(destroy_states);
    }
    return *slot;
  }

  DeviceState& state_;
  std::lock_guard<std::mutex> lock_;
};

const float kOne = 1.0f, kZero = 0.0f;

// cuDNN's input: x itself, or x padded into `scratch` (allocated here) as the plan says.
const float* cudnn_input(CudaBackend& b, const Conv2dGeometry& g, const Plan& p, const float* x,
                         std::unique_ptr<Scratch>& scratch) {
  if (!p.padded) return x;
  const int64_t planes = g.batch * g.in_channels, n = planes * p.xh * p.xw;
  scratch = std::make_unique<Scratch>(b, static_cast<size_t>(n) * sizeof(float));
  launch_per_element(b, pad_kernel, n, x, scratch->get<float>(), planes, g.in_h, g.in_w, g.pad_h,
                     g.pad_w, p.xh, p.xw);
  return scratch->get<float>();
}

}  // namespace

void cudnn_conv2d_forward(CudaBackend& backend, const Conv2dGeometry& g, const float* x,
                          const float* w, const float* bias, float* y) {
  if (g.y_numel() == 0) return;
  const int64_t pixels = g.out_h * g.out_w;
  if (g.x_numel() == 0 || g.w_numel() == 0) {  // nothing to convolve: y = bias (or 0)
    backend.fill(y, 0.0f, g.y_numel());
    add_bias(backend, y, bias, g.y_numel(), g.out_channels, pixels);
    return;
  }
  Session s(backend);
  Plan& p = s->plan(g);
  s->choose_forward(p);
  std::unique_ptr<Scratch> padded;
  const float* input = cudnn_input(backend, g, p, x, padded);
  Scratch workspace(backend, p.forward_workspace);
  HG_CUDNN_CHECK(cudnnConvolutionForward(s->handle, &kOne, p.x, input, p.w, w, p.conv,
                                         p.forward_algo, workspace.get(), p.forward_workspace,
                                         &kZero, p.y, y));
  add_bias(backend, y, bias, g.y_numel(), g.out_channels, pixels);
}

void cudnn_conv2d_backward_data(CudaBackend& backend, const Conv2dGeometry& g, const float* dy,
                                const float* w, const float* bias, float* dx) {
  if (g.x_numel() == 0) return;
  const int64_t pixels = g.in_h * g.in_w;
  if (g.y_numel() == 0 || g.w_numel() == 0) {  // no output reads the input: dx = bias (or 0)
    backend.fill(dx, 0.0f, g.x_numel());
    add_bias(backend, dx, bias, g.x_numel(), g.in_channels, pixels);
    return;
  }
  Session s(backend);
  Plan& p = s->plan(g);
  s->choose_backward_data(p);
  const int64_t planes = g.batch * g.in_channels;
  std::unique_ptr<Scratch> padded;
  if (p.padded)
    padded = std::make_unique<Scratch>(backend,
                                       static_cast<size_t>(planes * p.xh * p.xw) * sizeof(float));
  Scratch workspace(backend, p.backward_data_workspace);
  HG_CUDNN_CHECK(cudnnConvolutionBackwardData(
      s->handle, &kOne, p.w, w, p.y, dy, p.conv, p.backward_data_algo, workspace.get(),
      p.backward_data_workspace, &kZero, p.x, p.padded ? padded->get<float>() : dx));
  if (p.padded)
    launch_per_element(backend, crop_kernel, g.x_numel(),
                       static_cast<const float*>(padded->get<float>()), dx, planes, g.in_h, g.in_w,
                       g.pad_h, g.pad_w, p.xh, p.xw);
  add_bias(backend, dx, bias, g.x_numel(), g.in_channels, pixels);
}

void cudnn_conv2d_backward_weight(CudaBackend& backend, const Conv2dGeometry& g, const float* x,
                                  const float* dy, float* dw, float* dbias) {
  if (dbias != nullptr && g.out_channels > 0) {
    // dbias[co] = sum_n (sum_pixels dy[n, co, :]): two deterministic reductions.
    const int64_t pixels = g.out_h * g.out_w;
    if (g.batch == 0 || pixels == 0) {
      backend.fill(dbias, 0.0f, g.out_channels);
    } else {
      Scratch per_image(backend, static_cast<size_t>(g.batch * g.out_channels) * sizeof(float));
      backend.reduce_sum(dy, per_image.get<float>(), g.batch * g.out_channels, pixels, 1);
      backend.reduce_sum(per_image.get<float>(), dbias, 1, g.batch, g.out_channels);
    }
  }
  if (g.w_numel() == 0) return;
  if (g.x_numel() == 0 || g.y_numel() == 0) {
    backend.fill(dw, 0.0f, g.w_numel());
    return;
  }
  Session s(backend);
  Plan& p = s->plan(g);
  s->choose_backward_filter(p);
  std::unique_ptr<Scratch> padded;
  const float* input = cudnn_input(backend, g, p, x, padded);
  Scratch workspace(backend, p.backward_filter_workspace);
  HG_CUDNN_CHECK(cudnnConvolutionBackwardFilter(s->handle, &kOne, p.x, input, p.y, dy, p.conv,
                                                p.backward_filter_algo, workspace.get(),
                                                p.backward_filter_workspace, &kZero, p.w, dw));
}

}  // namespace hg::kernels::cuda

#endif  // HG_CUDNN
