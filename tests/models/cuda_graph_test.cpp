// CUDA graph replay of training steps (models/src/step_graph.h) on the cuda device: the weights
// after a run with --cuda-graph on are bitwise those of the eager run, for the dense, vae and
// keras-conv presets with every optimizer (random data from a fixed seed); the last, smaller batch
// of an epoch runs eagerly with a note; steps that draw random numbers (the VAE's
// reparameterization) are never replayed; and the backend's launch counter counts each kernel
// and library call once. The model is trained for one epoch of full batches (plus the smaller
// last batch where asked) from the same seed both ways.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "hourglass/core/device.h"
#include "hourglass/core/rng.h"
#include "hourglass/data/dataloader.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/models/presets.h"
#include "hourglass/models/trainer.h"
#include "hourglass/optim/optimizer.h"
#include "support/devices.h"

namespace hg {
namespace {

constexpr uint64_t kDataSeed = 21;

struct TrainedRun {
  std::vector<std::vector<float>> initial;
  std::vector<std::vector<float>> weights;
  std::vector<std::string> notes;
  models::EpochRecord record;
};

TrainedRun train(const std::string& preset_name, const std::string& optimizer_name, bool graph,
                 int64_t steps, int64_t batch, int64_t extra) {
  const models::Preset& preset = models::find_preset(preset_name);
  models::Recipe recipe = preset.recipe;
  auto model = models::build_preset(preset, recipe, {1, 28, 28}, 5);
  model->to(Device::cuda(0));
  // SGD at a large rate, so 50 steps move the weights visibly (the VAE's summed loss needs less);
  // the others at their defaults.
  const float lr = optimizer_name != "sgd" ? -1.0f : preset_name == "vae" ? 1e-4f : 0.5f;
  auto optimizer = optim::make_optimizer(optimizer_name, model->parameters(), lr);
  Generator data_gen(kDataSeed);
  data::Dataset dataset;
  dataset.images =
      Tensor::rand(Shape{steps * batch + extra, 1, 28, 28}, Device::cpu(), 0.0f, 1.0f, &data_gen);
  data::DataLoaderOptions loader_options;
  loader_options.batch_size = batch;
  loader_options.seed = 3;
  loader_options.device = Device::cuda(0);
  data::DataLoader loader(dataset, loader_options);
  TrainedRun run;
  for (const Tensor& p : model->parameters())
    run.initial.push_back(p.to_vector());
  models::TrainOptions options;
  options.loss = models::ReconstructionLoss::kBce;
  options.progress = false;
  options.cuda_graph = graph;
  options.on_note = [&run](const std::string& line) { run.notes.push_back(line); };
  run.record = models::train_autoencoder(*model, *optimizer, loader, nullptr, options).at(0);
  for (const Tensor& p : model->parameters())
    run.weights.push_back(p.to_vector());
  return run;
}

void expect_bitwise_equal(const TrainedRun& eager, const TrainedRun& graphed) {
  ASSERT_EQ(eager.weights.size(), graphed.weights.size());
  for (size_t i = 0; i < eager.weights.size(); ++i) {
    ASSERT_EQ(eager.weights[i].size(), graphed.weights[i].size());
    EXPECT_EQ(std::memcmp(eager.weights[i].data(), graphed.weights[i].data(),
                          eager.weights[i].size() * sizeof(float)),
              0)
        << "parameter " << i << " differs";
  }
  EXPECT_EQ(eager.record.train_loss, graphed.record.train_loss);
}

// (preset, optimizer)
class CudaGraph : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(CudaGraph, ReplayMatchesEagerBitwiseFor50Steps) {
  HG_REQUIRE_DEVICE(Device::cuda(0));
  const std::string preset = GetParam().first, optimizer = GetParam().second;
  const bool conv = preset == "keras-conv";
  const int64_t batch = conv ? 4 : 8;
  const TrainedRun eager = train(preset, optimizer, false, 50, batch, 0);
  const TrainedRun graphed = train(preset, optimizer, true, 50, batch, 0);
  expect_bitwise_equal(eager, graphed);
  EXPECT_EQ(eager.record.replayed_steps, 0);
  if (preset == "vae") {
    // The reparameterization draws new noise every step: never replayed, and said so.
    EXPECT_EQ(graphed.record.replayed_steps, 0);
    ASSERT_EQ(graphed.notes.size(), 1u);
    EXPECT_NE(graphed.notes[0].find("random numbers"), std::string::npos) << graphed.notes[0];
  } else {
    // Warm-up, audit and capture steps run eagerly (the capture launches its own graph).
    EXPECT_EQ(graphed.record.replayed_steps, 47);
    EXPECT_TRUE(graphed.notes.empty()) << graphed.notes[0];
    EXPECT_LT(graphed.record.launches_per_step, eager.record.launches_per_step / 4);
  }
  EXPECT_GT(eager.record.launches_per_step, 10.0);
  // The comparison means something: training changed the weights.
  EXPECT_NE(eager.weights, eager.initial);
}

INSTANTIATE_TEST_SUITE_P(Presets, CudaGraph,
                         ::testing::Values(std::pair{"dense", "sgd"}, std::pair{"dense", "adam"},
                                           std::pair{"dense", "adamw"},
                                           std::pair{"dense", "adagrad"}, std::pair{"vae", "adam"},
                                           std::pair{"keras-conv", "sgd"},
                                           std::pair{"keras-conv", "adadelta"}),
                         [](const auto& info) {
                           std::string name =
                               std::string(info.param.first) + "_" + info.param.second;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

TEST(CudaGraphFallback, TheLastSmallerBatchRunsEagerlyAndStillMatches) {
  HG_REQUIRE_DEVICE(Device::cuda(0));
  const TrainedRun eager = train("dense", "adam", false, 12, 8, 5);
  const TrainedRun graphed = train("dense", "adam", true, 12, 8, 5);
  expect_bitwise_equal(eager, graphed);
  EXPECT_EQ(graphed.record.steps, 13);
  EXPECT_EQ(graphed.record.replayed_steps, 9);
  ASSERT_EQ(graphed.notes.size(), 1u);
  EXPECT_NE(graphed.notes[0].find("eager step"), std::string::npos) << graphed.notes[0];
}

TEST(LaunchCounter, CountsEachKernelAndLibraryCallOnce) {
  HG_REQUIRE_DEVICE(Device::cuda(0));
  kernels::Backend& backend = backend_for(Device::cuda(0));
  Tensor a = Tensor::zeros(Shape{3, 5}, Device::cuda(0));  // one fill
  Tensor b = Tensor::zeros(Shape{5, 2}, Device::cuda(0));
  Tensor c = Tensor::zeros(Shape{3, 2}, Device::cuda(0));
  int64_t before = backend.kernel_launches();
  backend.fill(a.data<float>(), 1.0f, a.numel());
  EXPECT_EQ(backend.kernel_launches() - before, 1);
  before = backend.kernel_launches();
  backend.gemm(false, false, 3, 2, 5, 1.0f, a.data<float>(), 5, b.data<float>(), 2, 0.0f,
               c.data<float>(), 2);
  EXPECT_EQ(backend.kernel_launches() - before, 1);
  before = backend.kernel_launches();
  (void)a.to(Device::cpu());  // a copy is not a launch
  EXPECT_EQ(backend.kernel_launches() - before, 0);
  EXPECT_EQ(backend_for(Device::cpu()).kernel_launches(), 0);
}

}  // namespace
}  // namespace hg
