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

namespace {

using hg::bench::Buffers;
using hg::bench::Timer;
using hg::kernels::Backend;
using hg::kernels::Conv2dGeometry;
using hg::kernels::ConvImpl;

constexpr int64_t kBatch = 128;

struct Layer {
  std::string name;  // "<net>/<layer>"
  Conv2dGeometry g;
};

// A convolution in conv_params.h's terms (for a ConvTranspose2d: x is its output, y its input).
Layer layer(std::string name, int64_t cin, int64_t in, int64_t cout, int64_t out, int64_t k,
            int64_t stride, int64_t pad) {
  Conv2dGeometry g;
  g.batch = kBatch;
  g.in_channels = cin;
  g.in_h = g.in_w = in;
  g.out_channels = cout;
  g.out_h = g.out_w = out;
  g.kernel_h = g.kernel_w = k;
  g.stride_h = g.stride_w = stride;
  g.pad_h = g.pad_w = pad;
  return {std::move(name), g};
}

std::vector<Layer> layers() {
  return {
      // Keras-style: 3x3 'same' (pad 1) unless valid.
      layer("keras/enc_conv1_1to16_28", 1, 28, 16, 28, 3, 1, 1),
      layer("keras/enc_conv2_16to8_14", 16, 14, 8, 14, 3, 1, 1),
      layer("keras/enc_conv3_8to8_7", 8, 7, 8, 7, 3, 1, 1),
      layer("keras/dec_conv1_8to8_4", 8, 4, 8, 4, 3, 1, 1),
      layer("keras/dec_conv2_8to8_8", 8, 8, 8, 8, 3, 1, 1),
      layer("keras/dec_conv3_8to16_16_valid", 8, 16, 16, 14, 3, 1, 0),
      layer("keras/dec_conv4_16to1_28", 16, 28, 1, 28, 3, 1, 1),
      // PyTorch-style Conv2d.
      layer("torch/conv1_1to32_k5_28to24", 1, 28, 32, 24, 5, 1, 0),
      layer("torch/conv2_32to32_k5_24to20", 32, 24, 32, 20, 5, 1, 0),
      layer("torch/conv3_32to32_k4s2_20to9", 32, 20, 32, 9, 4, 2, 0),
      layer("torch/conv4_32to32_k3s2_9to4", 32, 9, 32, 4, 3, 2, 0),
      layer("torch/conv5_32to8_k4_4to1", 32, 4, 8, 1, 4, 1, 0),
      // PyTorch-style ConvTranspose2d (its forward = backward_data of this geometry).
      layer("torch/deconv1_8to32_k4_1to4", 32, 4, 8, 1, 4, 1, 0),
      layer("torch/deconv2_32to32_k3s2_4to9", 32, 9, 32, 4, 3, 2, 0),
      layer("torch/deconv3_32to32_k4s2_9to20", 32, 20, 32, 9, 4, 2, 0),
      layer("torch/deconv4_32to32_k5_20to24", 32, 24, 32, 20, 5, 1, 0),
      layer("torch/deconv5_32to1_k5_24to28", 1, 28, 32, 24, 5, 1, 0),
  };
}

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
  for (const Layer& l : layers()) {
    for (Op op : {Op::kForward, Op::kBackwardData, Op::kBackwardWeight}) {
      const Conv2dGeometry g = l.g;
      benchmark::RegisterBenchmark(("conv_cuda/" + l.name + "/" + op_name(op)).c_str(),
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
