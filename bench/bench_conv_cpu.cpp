// CPU convolution benchmarks: every conv layer of the two MNIST autoencoders hourglass is measured
// on (batch 128), each pass timed on its own:
//   fwd    the layer's forward pass
//   dgrad  the gradient of its input
//   wgrad  the gradient of its weight (and bias, for Conv2d layers)
// For Conv2d these are conv2d_forward / conv2d_backward_data / conv2d_backward_weight; for
// ConvTranspose2d (the adjoint of the conv with the roles of input and output swapped) they are
// conv2d_backward_data / conv2d_forward / conv2d_backward_weight. Names match
// bench/torch_conv_layers.py, which times the same passes in PyTorch and, given this program's
// JSON output (--benchmark_format=json), prints the ratios side by side.
// Counter GFLOP/s: 2 * (multiply-adds of the conv, padding included) / time.
// With HG_CPU_CONV_DIRECT=0 in the environment every layer runs the im2col + GEMM path instead
// of the direct kernels (kernels/cpu/direct_conv.h); with HG_CPU_CONV_WINOGRAD=0 the stride-1
// 5x5 layers run the direct kernels instead of Winograd (kernels/cpu/winograd_conv.h). Each
// switch compares two paths per layer.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "bench_util.h"
#include "conv_layer_shapes.h"

namespace {

using hg::bench::Buffers;
using hg::kernels::Backend;
using hg::kernels::Conv2dGeometry;

using Layer = hg::bench::ConvLayerShape;

enum class Pass { kFwd, kDgrad, kWgrad };

void run(benchmark::State& state, const Layer& layer, Pass pass) {
  Backend& cpu = hg::kernels::cpu_backend();
  const Conv2dGeometry& g = layer.g;
  Buffers buf(cpu);
  const float* x = buf.uniform(g.x_numel(), -1.0f, 1.0f);
  const float* w = buf.uniform(g.w_numel(), -0.1f, 0.1f);
  const float* dy = buf.uniform(g.y_numel(), -1.0f, 1.0f);
  // A Conv2d has a bias per output channel; a ConvTranspose2d per channel of its output, which
  // is the conv's input (and its gradient is a plain reduction, outside these kernels).
  const float* bias_out = buf.uniform(g.out_channels, -0.1f, 0.1f);
  const float* bias_in = buf.uniform(g.in_channels, -0.1f, 0.1f);
  float* y = buf.raw(g.y_numel());
  float* dx = buf.raw(g.x_numel());
  float* dw = buf.raw(g.w_numel());
  float* db = buf.raw(g.out_channels);

  std::function<void()> op;
  std::string kernel;
  const bool t = layer.transposed;
  if ((pass == Pass::kFwd && !t) || (pass == Pass::kDgrad && t)) {
    op = [&] { cpu.conv2d_forward(g, x, w, t ? nullptr : bias_out, y); };
    kernel = "conv2d_forward";
  } else if ((pass == Pass::kDgrad && !t) || (pass == Pass::kFwd && t)) {
    op = [&] { cpu.conv2d_backward_data(g, dy, w, t ? bias_in : nullptr, dx); };
    kernel = "conv2d_backward_data";
  } else {
    op = [&] { cpu.conv2d_backward_weight(g, x, dy, dw, t ? nullptr : db); };
    kernel = "conv2d_backward_weight";
  }
  op();  // warm-up: scratch buffers, OpenMP team, BLAS
  double seconds = 0.0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    op();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(s);
    seconds += s;
  }
  const double flops = 2.0 * static_cast<double>(g.w_numel() * g.out_h * g.out_w * g.batch);
  state.counters["GFLOP/s"] =
      seconds > 0.0 ? flops * static_cast<double>(state.iterations()) / seconds * 1e-9 : 0.0;
  state.SetLabel(kernel);
}

void register_all(bool /*with_gpu*/) {
  const std::pair<Pass, const char*> passes[] = {
      {Pass::kFwd, "fwd"}, {Pass::kDgrad, "dgrad"}, {Pass::kWgrad, "wgrad"}};
  for (const Layer& l : hg::bench::mnist_conv_layer_shapes())
    for (const auto& [pass, pass_name] : passes)
      benchmark::RegisterBenchmark(
          ("conv_cpu/" + std::string(l.cpu_name) + "/" + pass_name).c_str(),
          [l, pass = pass](benchmark::State& s) { run(s, l, pass); })
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  return hg::bench::main(argc, argv, register_all);
}
