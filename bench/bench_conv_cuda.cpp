// Native CUDA convolution kernels (conv.cu) against cuDNN on the layer shapes of the two MNIST
// convolutional autoencoders, batch 128: conv2d_forward, conv2d_backward_data and
// conv2d_backward_weight of every layer (for a ConvTranspose2d layer, backward_data is its forward
// pass and forward its input gradient). Each benchmark times the native call (the reported
// iteration time), then the same call with ConvImpl::kCudnn in the same run, and reports
//   native_us, cudnn_us     mean native time per call, median cuDNN time per call
//   native_over_cudnn       native_us / cudnn_us (1.0 = as fast as cuDNN; 0 when cuDNN is absent)
//   GFLOP/s                 2 * N*OH*OW * Cout * Cin*KH*KW / native time
// GPU only: without a real GPU nothing is registered (bench_util.h says why on stderr); in a build
// without HG_CUDNN the cuDNN call throws, and the label says "no cuDNN".
#include <exception>
#include <string>
#include <vector>

#include "bench_util.h"
#include "conv_layer_shapes.h"

namespace {

using hg::bench::Buffers;
using hg::bench::Timer;
using hg::kernels::Backend;
using hg::kernels::Conv2dGeometry;
using hg::kernels::ConvImpl;

enum class Op { kForward, kBackwardData, kBackwardWeight };

const char* op_name(Op op) {
  switch (op) {
    case Op::kForward:
      return "forward";
    case Op::kBackwardData:
      return "backward_data";
    case Op::kBackwardWeight:
      return "backward_weight";
  }
  return "?";
}

void run(benchmark::State& state, const Conv2dGeometry& geometry, Op op) {
  Backend& b = hg::backend_for(hg::Device::cuda(0));
  Buffers buf(b);
  const Conv2dGeometry& g = geometry;
  float* x = buf.uniform(g.x_numel(), -1.0f, 1.0f);
  float* w = buf.uniform(g.w_numel(), -0.1f, 0.1f);
  float* y = buf.uniform(g.y_numel(), -1.0f, 1.0f);
  float* bias_out = buf.uniform(g.out_channels, -0.1f, 0.1f);
  float* bias_in = buf.uniform(g.in_channels, -0.1f, 0.1f);
  auto call = [&](ConvImpl impl) {
    Conv2dGeometry gi = g;
    gi.impl = impl;
    switch (op) {
      case Op::kForward:
        b.conv2d_forward(gi, x, w, bias_out, y);
        break;
      case Op::kBackwardData:
        b.conv2d_backward_data(gi, y, w, bias_in, x);
        break;
      case Op::kBackwardWeight:
        b.conv2d_backward_weight(gi, x, y, w, bias_out);
        break;
    }
  };
  Timer timer(true);
  for (int i = 0; i < 3; ++i)  // warm-up: allocator cache, clocks
    call(ConvImpl::kNative);
  b.synchronize();
  double native_seconds = 0.0;
  for (auto _ : state) {
    const double s = timer.seconds([&] { call(ConvImpl::kNative); });
    state.SetIterationTime(s);
    native_seconds += s;
  }
  const double native = native_seconds / static_cast<double>(state.iterations());
  double cudnn = 0.0;
  std::string label = "cuda:0";
  try {
    cudnn = hg::bench::median_seconds(
        timer, [&] { call(ConvImpl::kCudnn); }, 21);
  } catch (const std::exception&) {
    label += ", no cuDNN";
  }
  const double flops = 2.0 * static_cast<double>(g.batch * g.out_h * g.out_w) *
                       static_cast<double>(g.out_channels) *
                       static_cast<double>(g.in_channels * g.kernel_h * g.kernel_w);
  state.counters["native_us"] = native * 1e6;
  state.counters["cudnn_us"] = cudnn * 1e6;
  state.counters["native_over_cudnn"] = cudnn > 0.0 ? native / cudnn : 0.0;
  state.counters["GFLOP/s"] = native > 0.0 ? flops / native * 1e-9 : 0.0;
  state.SetLabel(label);
}

void register_all(bool with_gpu) {
  if (!with_gpu) return;  // GPU benchmarks only
  for (const hg::bench::ConvLayerShape& l : hg::bench::mnist_conv_layer_shapes()) {
    for (Op op : {Op::kForward, Op::kBackwardData, Op::kBackwardWeight}) {
      const Conv2dGeometry g = l.g;
      benchmark::RegisterBenchmark(
          ("conv_cuda/" + std::string(l.cuda_name) + "/" + op_name(op)).c_str(),
          [g, op](benchmark::State& state) { run(state, g, op); })
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  return hg::bench::main(argc, argv, register_all);
}
