// Optimizer step benchmarks on the vae preset's parameter list (784-400-(20, 20)-400-784: ten
// tensors, 20 to 313600 elements, 652k in all), CPU backend:
//   per_tensor    one optimizer per parameter tensor, stepped one after the other: one table of
//                 one tensor and one parallel loop per tensor, as the step ran before the
//                 multi-tensor change (one fused kernel per parameter)
//   multi_tensor  one optimizer over all tensors: one parallel loop over all their chunks
// for Adam, AdamW and SGD with momentum. Each iteration is one step() with the gradients already
// in place (the same gradients every iteration). Counters: elements per second (all parameters),
// and GB/s of the traffic the step must move (Adam: w, g, m, v read and w, m, v written).
// Run interleaved and repeated (the machine is shared and noisy), e.g.
//   bench_optimizer --benchmark_repetitions=10 --benchmark_enable_random_interleaving=true
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "hourglass/core/device.h"
#include "hourglass/core/rng.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/models/presets.h"
#include "hourglass/optim/optimizer.h"

namespace {

using hg::Tensor;
using hg::optim::Optimizer;
using MakeOne = std::unique_ptr<Optimizer> (*)(std::vector<Tensor>);

// The vae preset's parameters, each with a fixed random gradient.
std::vector<Tensor> vae_parameters_with_gradients() {
  const hg::models::Preset& preset = hg::models::find_preset("vae");
  auto model = hg::models::build_preset(preset, preset.recipe, {1, 28, 28}, 1);
  std::vector<Tensor> params = model->parameters();
  hg::Generator gen(2);
  for (Tensor& p : params)
    p.impl()->grad = Tensor::rand(p.shape(), p.device(), -1e-2f, 1e-2f, &gen).impl_ptr();
  return params;
}

std::unique_ptr<Optimizer> adam(std::vector<Tensor> p) {
  return hg::optim::make_optimizer("adam", std::move(p));
}
std::unique_ptr<Optimizer> adamw(std::vector<Tensor> p) {
  return hg::optim::make_optimizer("adamw", std::move(p));
}
std::unique_ptr<Optimizer> sgd_momentum(std::vector<Tensor> p) {
  hg::kernels::SgdParams o;
  o.momentum = 0.9f;
  return std::make_unique<hg::optim::SGD>(std::move(p), o);
}

void run(benchmark::State& state, MakeOne make, bool multi, double arrays_moved) {
  const std::vector<Tensor> params = vae_parameters_with_gradients();
  std::vector<std::unique_ptr<Optimizer>> optimizers;
  if (multi)
    optimizers.push_back(make(params));
  else
    for (const Tensor& p : params)
      optimizers.push_back(make({p}));
  int64_t elements = 0;
  for (const Tensor& p : params)
    elements += p.numel();
  for (auto& o : optimizers)
    o->step();  // warm-up: creates the state and the tables
  for (auto _ : state)
    for (auto& o : optimizers)
      o->step();
  state.counters["elements_per_second"] = benchmark::Counter(
      static_cast<double>(elements), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GB/s"] =
      benchmark::Counter(arrays_moved * sizeof(float) * static_cast<double>(elements) / 1e9,
                         benchmark::Counter::kIsIterationInvariantRate);
  state.counters["tensors"] = static_cast<double>(params.size());
}

void register_all() {
  struct Case {
    const char* name;
    MakeOne make;
    double arrays;  // arrays read + written per element
  };
  for (const Case& c :
       {Case{"adam", adam, 7}, Case{"adamw", adamw, 7}, Case{"sgd_momentum", sgd_momentum, 5}})
    for (bool multi : {false, true})
      benchmark::RegisterBenchmark(
          (std::string(c.name) + (multi ? "/multi_tensor" : "/per_tensor") + "/vae/cpu").c_str(),
          [c, multi](benchmark::State& s) { run(s, c.make, multi, c.arrays); })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
