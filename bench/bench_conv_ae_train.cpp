// End-to-end training throughput of the two MNIST conv autoencoders (keras-conv, torch-conv):
// one benchmark iteration is one full training step at batch 128 (forward, BCE on logits,
// backward, Adam), reported as samples/s. The PyTorch side of the same measurement is
// bench/torch_conv_ae_train.py; bench/compare_conv_ae_train.sh runs both, interleaved, and
// prints the ratios. Runs on the CPU, and on a real GPU when one is present.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench_util.h"
#include "hourglass/core/autograd.h"
#include "hourglass/core/rng.h"
#include "hourglass/models/conv_autoencoder.h"
#include "hourglass/models/trainer.h"
#include "hourglass/optim/optimizer.h"

namespace {

constexpr int64_t kBatch = 128;

std::unique_ptr<hg::models::ConvAutoencoder> build(const std::string& name) {
  return name == "keras-conv" ? hg::models::keras_conv_autoencoder()
                              : hg::models::torch_conv_autoencoder();
}

void train_steps(benchmark::State& state, const std::string& name, hg::Device device) {
  auto model = build(name);
  model->to(device);
  auto optimizer = hg::optim::make_optimizer("adam", model->parameters(), 1e-3f);
  hg::Generator gen(1);
  const hg::Tensor x = hg::Tensor::rand(hg::Shape{kBatch, 1, 28, 28}, device, 0.0f, 1.0f, &gen);
  auto step = [&] {
    const hg::Tensor loss =
        hg::models::reconstruction_loss(*model, x, hg::models::ReconstructionLoss::kBce);
    optimizer->zero_grad();
    hg::backward(loss);
    optimizer->step();
  };
  for (int i = 0; i < 2; ++i)
    step();  // warm-up: scratch buffers, caching allocator
  hg::kernels::Backend& backend = hg::backend_for(device);
  backend.synchronize();
  for (auto _ : state) {
    step();
    backend.synchronize();
  }
  state.counters["samples_per_second"] = benchmark::Counter(
      static_cast<double>(kBatch), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(name + " on " + device.str());
}

void register_all() {
  for (const std::string name : {"keras-conv", "torch-conv"}) {
    benchmark::RegisterBenchmark(
        ("train_step/cpu/" + name).c_str(),
        [name](benchmark::State& s) { train_steps(s, name, hg::Device::cpu()); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MinTime(2.0);
    const std::string why = hg::bench::gpu_unavailable_reason();
    if (!why.empty()) continue;
    benchmark::RegisterBenchmark(
        ("train_step/cuda/" + name).c_str(),
        [name](benchmark::State& s) { train_steps(s, name, hg::Device::parse("cuda")); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
