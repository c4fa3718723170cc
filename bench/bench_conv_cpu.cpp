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
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "bench_util.h"

namespace {

using hg::bench::Buffers;
using hg::kernels::Backend;
using hg::kernels::Conv2dGeometry;

constexpr int64_t kBatch = 128;

struct Layer {
  std::string name;
  bool transposed;  // ConvTranspose2d: the geometry below is the conv it is the adjoint of
  Conv2dGeometry g;
};

// The conv x [ci, h, w] -> y [co, out_h, out_w] (square sizes, symmetric padding).
Layer layer(const std::string& name, bool transposed, int64_t ci, int64_t h, int64_t co, int64_t k,
            int64_t stride, int64_t pad) {
  Conv2dGeometry g;
  g.batch = kBatch;
  g.in_channels = ci;
  g.in_h = g.in_w = h;
  g.out_channels = co;
  g.kernel_h = g.kernel_w = k;
  g.stride_h = g.stride_w = stride;
  g.pad_h = g.pad_w = pad;
  g.out_h = g.out_w = (h + 2 * pad - k) / stride + 1;
  return {name, transposed, g};
}

std::vector<Layer> layers() {
  return {
      // Keras-style: 3x3 'same' convs between 2x2 pools / upsamplings, one 'valid'.
      layer("keras_e1", false, 1, 28, 16, 3, 1, 1),
      layer("keras_e2", false, 16, 14, 8, 3, 1, 1),
      layer("keras_e3", false, 8, 7, 8, 3, 1, 1),
      layer("keras_d1", false, 8, 4, 8, 3, 1, 1),
      layer("keras_d2", false, 8, 8, 8, 3, 1, 1),
      layer("keras_d3", false, 8, 16, 16, 3, 1, 0),
      layer("keras_d4", false, 16, 28, 1, 3, 1, 1),
      // PyTorch-style: strided convs down to 8x1x1, transposed convs back up. A
      // ConvTranspose2d(a, b, k, s) from size n to m is the adjoint of Conv2d(b, a, k, s) from
      // m to n.
      layer("torch_e1", false, 1, 28, 32, 5, 1, 0),
      layer("torch_e2", false, 32, 24, 32, 5, 1, 0),
      layer("torch_e3", false, 32, 20, 32, 4, 2, 0),
      layer("torch_e4", false, 32, 9, 32, 3, 2, 0),
      layer("torch_e5", false, 32, 4, 8, 4, 1, 0),
      layer("torch_d1", true, 32, 4, 8, 4, 1, 0),
      layer("torch_d2", true, 32, 9, 32, 3, 2, 0),
      layer("torch_d3", true, 32, 20, 32, 4, 2, 0),
      layer("torch_d4", true, 32, 24, 32, 5, 1, 0),
      layer("torch_d5", true, 1, 28, 32, 5, 1, 0),
  };
}

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
  for (const Layer& l : layers())
    for (const auto& [pass, pass_name] : passes)
      benchmark::RegisterBenchmark(("conv_cpu/" + l.name + "/" + pass_name).c_str(),
                                   [l, pass = pass](benchmark::State& s) { run(s, l, pass); })
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  return hg::bench::main(argc, argv, register_all);
}
