// A training step that allocates nothing new: after two steps (the first creates the optimizer's
// state and table, the second settles the allocator's cache), further steps of the dense and vae
// presets take every block from the backend's cache, so the count of blocks obtained from the OS
// or the driver (AllocatorCounters::source_allocations) does not change. The step is the
// trainer's: objective, zero_grad, backward, Adam step, and the loss read back to the host. Where
// the allocator keeps no freed blocks (the CPU under AddressSanitizer) the steps must instead give
// back every block they take.
//
// Memory stays flat over epochs: four epochs of train_autoencoder (with a short last batch and a
// test evaluation each epoch) never raise the allocator's peak bytes in use above what the first
// epoch reached, and leave as many bytes in use after the fourth epoch as after the first.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "hourglass/core/autograd.h"
#include "hourglass/core/device.h"
#include "hourglass/core/rng.h"
#include "hourglass/data/dataloader.h"
#include "hourglass/data/dataset.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/models/presets.h"
#include "hourglass/models/trainer.h"
#include "hourglass/optim/optimizer.h"
#include "support/devices.h"

namespace hg::testing {
namespace {

class StepAllocationTest : public ::testing::TestWithParam<Device> {};

// The preset's model for 1x28x28 images, with weights from seed 3, on `device`.
std::unique_ptr<models::Autoencoder> preset_model(const std::string& name, Device device) {
  const models::Preset& preset = models::find_preset(name);
  auto model = models::build_preset(preset, preset.recipe, {1, 28, 28}, 3);
  model->to(device);
  return model;
}

void check_preset(const std::string& name, Device device) {
  SCOPED_TRACE(name + " on " + device.str());
  auto model = preset_model(name, device);
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
  const int64_t taken = after.source_allocations - before.source_allocations;
  const int64_t given_back = after.source_releases - before.source_releases;
  if (after.max_cached_bytes == 0) {
    // An allocator that keeps nothing (the CPU under AddressSanitizer): every request is a fresh
    // block, and the steps give back as many as they take, so they hold on to nothing.
    EXPECT_EQ(taken, after.requests - before.requests);
    EXPECT_EQ(given_back, taken);
    return;
  }
  EXPECT_EQ(after.cache_hits - before.cache_hits, after.requests - before.requests);
  EXPECT_EQ(taken, 0);
}

TEST_P(StepAllocationTest, DenseStepsAfterTheSecondTakeNoNewMemory) {
  HG_REQUIRE_DEVICE(GetParam());
  check_preset("dense", GetParam());
}

TEST_P(StepAllocationTest, VaeStepsAfterTheSecondTakeNoNewMemory) {
  HG_REQUIRE_DEVICE(GetParam());
  check_preset("vae", GetParam());
}

void check_flat_over_epochs(const std::string& name, Device device) {
  SCOPED_TRACE(name + " on " + device.str());
  auto model = preset_model(name, device);
  auto optimizer = optim::make_optimizer("adam", model->parameters());
  Generator gen(5);
  // 72 training samples in batches of 32: two full batches and one of 8.
  const data::Dataset train_set =
      data::make_dataset(Tensor::rand(Shape{72, 1, 28, 28}, Device::cpu(), 0, 1, &gen), Tensor());
  const data::Dataset test_set =
      data::make_dataset(Tensor::rand(Shape{40, 1, 28, 28}, Device::cpu(), 0, 1, &gen), Tensor());
  data::DataLoaderOptions lo;
  lo.batch_size = 32;
  lo.device = device;
  data::DataLoader train(train_set, lo);
  lo.shuffle = false;
  data::DataLoader test(test_set, lo);
  kernels::Backend& backend = backend_for(device);
  std::vector<kernels::AllocatorCounters> after_epoch;
  models::TrainOptions options;
  options.epochs = 4;
  options.progress = false;
  options.on_epoch = [&](const models::EpochRecord&) {
    after_epoch.push_back(backend.allocator_counters());
  };
  models::train_autoencoder(*model, *optimizer, train, &test, options);
  ASSERT_EQ(after_epoch.size(), 4u);
  for (size_t e = 0; e < after_epoch.size(); ++e)
    std::cout << name << " on " << device.str() << ", after epoch " << e + 1 << ": "
              << after_epoch[e].bytes_in_use << " bytes in use, peak "
              << after_epoch[e].peak_bytes_in_use << "\n";
  for (size_t e = 1; e < after_epoch.size(); ++e) {
    EXPECT_EQ(after_epoch[e].peak_bytes_in_use, after_epoch[0].peak_bytes_in_use)
        << "epoch " << e + 1;
    EXPECT_EQ(after_epoch[e].bytes_in_use, after_epoch[0].bytes_in_use) << "epoch " << e + 1;
  }
}

TEST_P(StepAllocationTest, DenseMemoryStaysFlatOverEpochs) {
  HG_REQUIRE_DEVICE(GetParam());
  check_flat_over_epochs("dense", GetParam());
}

TEST_P(StepAllocationTest, VaeMemoryStaysFlatOverEpochs) {
  HG_REQUIRE_DEVICE(GetParam());
  check_flat_over_epochs("vae", GetParam());
}

INSTANTIATE_TEST_SUITE_P(Devices, StepAllocationTest, ::testing::ValuesIn(test_devices()),
                         [](const auto& info) { return device_test_name(info.param); });

}  // namespace
}  // namespace hg::testing
