// A training step that allocates nothing new: after two steps (the first creates the optimizer's
// state and table, the second settles the allocator's cache), further steps of the dense and vae
// presets take every block from the backend's cache, so the count of blocks obtained from the OS
// or the driver (AllocatorCounters::source_allocations) does not change. The step is the
// trainer's: objective, zero_grad, backward, Adam step, and the loss read back to the host.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "hourglass/core/autograd.h"
#include "hourglass/core/device.h"
#include "hourglass/core/rng.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/models/presets.h"
#include "hourglass/optim/optimizer.h"
#include "support/devices.h"

namespace hg::testing {
namespace {

class StepAllocationTest : public ::testing::TestWithParam<Device> {};

void check_preset(const std::string& name, Device device) {
  SCOPED_TRACE(name + " on " + device.str());
  const models::Preset& preset = models::find_preset(name);
  auto model = models::build_preset(preset, preset.recipe, {1, 28, 28}, 3);
  model->to(device);
  auto optimizer = optim::make_optimizer("adam", model->parameters());
  Generator gen(4);
  const Tensor x = Tensor::rand(Shape{16, 1, 28, 28}, device, 0.0f, 1.0f, &gen);
  kernels::Backend& backend = backend_for(device);
  float loss = 0.0f;
  auto step = [&] {
    const models::Objective objective = model->objective(x, x, models::ReconstructionLoss::kBce);
    optimizer->zero_grad();
    backward(objective.total);
    optimizer->step();
    loss = objective.total.item();
  };
  step();
  step();
  const kernels::AllocatorCounters before = backend.allocator_counters();
  for (int s = 0; s < 3; ++s)
    step();
  const kernels::AllocatorCounters after = backend.allocator_counters();
  std::cout << name << " on " << device.str() << ": 3 steps made "
            << after.requests - before.requests << " allocator requests, "
            << after.cache_hits - before.cache_hits << " served from the cache, "
            << after.source_allocations - before.source_allocations
            << " new blocks from the OS/driver (loss " << loss << ")\n";
  EXPECT_GT(after.requests, before.requests);  // the counters see the step's requests
  EXPECT_EQ(after.cache_hits - before.cache_hits, after.requests - before.requests);
  EXPECT_EQ(after.source_allocations, before.source_allocations);
}

TEST_P(StepAllocationTest, DenseStepsAfterTheSecondTakeNoNewMemory) {
  HG_REQUIRE_DEVICE(GetParam());
  check_preset("dense", GetParam());
}

TEST_P(StepAllocationTest, VaeStepsAfterTheSecondTakeNoNewMemory) {
  HG_REQUIRE_DEVICE(GetParam());
  check_preset("vae", GetParam());
}

INSTANTIATE_TEST_SUITE_P(Devices, StepAllocationTest, ::testing::ValuesIn(test_devices()),
                         [](const auto& info) { return device_test_name(info.param); });

}  // namespace
}  // namespace hg::testing
