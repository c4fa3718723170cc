// The training loop on generated low-rank data: the loss falls to a stated level within a fixed
// number of steps on every device, CPU and CUDA agree, evaluation leaves no tape behind, the
// history and callback report every epoch with each objective term, the model hears every epoch
// start, and steps are logged when asked.
#include <gtest/gtest.h>

#include <cmath>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/core/rng.h"
#include "hourglass/models/models.h"
#include "hourglass/ops/ops.h"
#include "support/devices.h"
#include "zoo_test_util.h"

namespace hg::models {
namespace {

using zoo_test::low_rank_dataset;

double variance(const data::Dataset& ds) {
  const std::vector<float> x = ds.images.to_vector();
  double mean = 0, sq = 0;
  for (float v : x)
    mean += v;
  mean /= x.size();
  for (float v : x)
    sq += (v - mean) * (v - mean);
  return sq / x.size();
}

struct TrainedRun {
  std::vector<EpochRecord> history;
  double initial_test = 0;
};

TrainedRun train_low_rank(Device device, int64_t samples, int64_t batch, int64_t epochs,
                          ReconstructionLoss loss, float lr) {
  const data::Dataset all = low_rank_dataset(samples + 64, 64, 4, 3);
  const data::Dataset train_set =
      data::make_dataset(all.images.slice_rows(0, samples), Tensor(), "train");
  const data::Dataset test_set =
      data::make_dataset(all.images.slice_rows(samples, samples + 64), Tensor(), "test");
  data::DataLoader train = zoo_test::loader(train_set, batch, device);
  data::DataLoader test = zoo_test::loader(test_set, batch, device, /*shuffle=*/false);

  DenseAutoencoderOptions mo;
  mo.sizes = {64, 16};
  mo.seed = 4;
  DenseAutoencoder model(mo);
  model.to(device);
  auto optimizer = optim::make_optimizer("adam", model.parameters(), lr);
  TrainedRun run;
  run.initial_test = evaluate_reconstruction(model, test, loss);
  TrainOptions to;
  to.epochs = epochs;
  to.loss = loss;
  to.progress = false;
  run.history = train_autoencoder(model, *optimizer, train, &test, to);
  return run;
}

class TrainerDevices : public ::testing::TestWithParam<Device> {};

// CPU: 512 samples, batch 32, 10 epochs = 160 Adam steps. The emulated CUDA device is thousands
// of times slower, so it gets 20 steps (80 samples, batch 16, 4 epochs) with a looser target.
TEST_P(TrainerDevices, MseFallsToAFractionOfTheVariance) {
  HG_REQUIRE_DEVICE(GetParam());
  const bool cpu = GetParam().is_cpu();
  const TrainedRun run =
      cpu ? train_low_rank(GetParam(), 512, 32, 10, ReconstructionLoss::kMse, 1e-2f)
          : train_low_rank(GetParam(), 80, 16, 4, ReconstructionLoss::kMse, 1e-2f);
  const double var = variance(low_rank_dataset(512 + 64, 64, 4, 3));
  const EpochRecord& last = run.history.back();
  EXPECT_EQ(last.steps, cpu ? 16 : 5);
  // The loss decreases: epoch over epoch overall, and below the untrained model's.
  EXPECT_LT(last.train_loss, run.history.front().train_loss);
  EXPECT_LT(last.test_loss, run.initial_test);
  // Stated targets, with margin over the measured 0.014 x variance on the CPU after 160 steps
  // and 0.47 x variance after the 20 small steps (run on the CPU).
  EXPECT_LT(last.test_loss, (cpu ? 0.05 : 0.65) * var)
      << "variance " << var << ", initial test loss " << run.initial_test;
  EXPECT_EQ(tape_size(), 0u);
}

// On the cpu only: the MSE test above covers training on cuda, and Trainer.CudaMatchesCpu the BCE.
TEST(Trainer, BceApproachesTheEntropyFloor) {
  const TrainedRun run =
      train_low_rank(Device::cpu(), 512, 32, 10, ReconstructionLoss::kBce, 1e-2f);
  // BCE against non-binary targets cannot go below the targets' mean entropy.
  const std::vector<float> x =
      low_rank_dataset(512 + 64, 64, 4, 3).images.slice_rows(512, 576).to_vector();
  double floor = 0;
  for (float v : x) {
    const double p = std::min(std::max<double>(v, 1e-7), 1 - 1e-7);
    floor -= p * std::log(p) + (1 - p) * std::log(1 - p);
  }
  floor /= x.size();
  const double initial_gap = run.initial_test - floor;
  const double final_gap = run.history.back().test_loss - floor;
  EXPECT_GT(final_gap, -1e-4);  // never below the floor
  // Measured: the gap above the floor shrinks to 0.025 of the untrained model's in 160 steps.
  EXPECT_LT(final_gap, 0.1 * initial_gap) << "floor " << floor << ", initial " << run.initial_test
                                          << ", final " << run.history.back().test_loss;
}

INSTANTIATE_TEST_SUITE_P(Devices, TrainerDevices, ::testing::ValuesIn(hg::testing::test_devices()),
                         [](const auto& info) {
                           return hg::testing::device_test_name(info.param);
                         });

TEST(Trainer, CudaMatchesCpu) {
  HG_REQUIRE_DEVICE(::hg::Device::cuda(0));
  const TrainedRun cpu = train_low_rank(Device::cpu(), 32, 16, 2, ReconstructionLoss::kBce, 1e-2f);
  const TrainedRun gpu =
      train_low_rank(Device::cuda(0), 32, 16, 2, ReconstructionLoss::kBce, 1e-2f);
  ASSERT_EQ(cpu.history.size(), gpu.history.size());
  for (size_t e = 0; e < cpu.history.size(); ++e) {
    EXPECT_NEAR(gpu.history[e].train_loss, cpu.history[e].train_loss,
                1e-4 * cpu.history[e].train_loss);
    EXPECT_NEAR(gpu.history[e].test_loss, cpu.history[e].test_loss,
                1e-4 * cpu.history[e].test_loss);
  }
}

TEST(Trainer, BceFromLogitsEqualsBceFromProbabilities) {
  DenseAutoencoderOptions options;
  options.sizes = {16, 4};
  DenseAutoencoder model(options);
  const Tensor x = Tensor::rand(Shape{8, 16});
  NoGrad no_grad;
  const float from_logits = reconstruction_loss(model, x, ReconstructionLoss::kBce).item();
  const float from_probs = binary_cross_entropy(model.forward(x), x).item();
  EXPECT_NEAR(from_logits, from_probs, 1e-5f);
  const float mse = reconstruction_loss(model, x, ReconstructionLoss::kMse).item();
  EXPECT_NEAR(mse, mse_loss(model.forward(x), x).item(), 1e-7f);
}

TEST(Trainer, HistoryCallbackAndEpochNumbers) {
  const data::Dataset ds = low_rank_dataset(40, 8, 2, 1);
  data::DataLoaderOptions lo;
  lo.batch_size = 16;
  data::DataLoader train(ds, lo);
  DenseAutoencoderOptions mo;
  mo.sizes = {8, 2};
  DenseAutoencoder model(mo);
  auto optimizer = optim::make_optimizer("sgd", model.parameters(), 0.1f);
  std::vector<int64_t> seen;
  TrainOptions to;
  to.epochs = 2;
  to.start_epoch = 3;
  to.progress = false;
  to.on_epoch = [&](const EpochRecord& r) { seen.push_back(r.epoch); };
  const auto history = train_autoencoder(model, *optimizer, train, nullptr, to);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(seen, (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(history[1].epoch, 5);
  EXPECT_EQ(history[1].steps, 3);
  EXPECT_EQ(train.epoch(), 4);  // the loader followed the epochs
  EXPECT_TRUE(std::isnan(history[0].test_loss));
  EXPECT_GT(history[0].samples_per_second, 0);
  EXPECT_EQ(optimizer->steps_taken(), 6);
}

// A dense autoencoder whose objective adds a term worth half the reconstruction, and which
// records the epochs it was told about.
class HalfExtra : public DenseAutoencoder {
 public:
  explicit HalfExtra(DenseAutoencoderOptions o) : DenseAutoencoder(std::move(o)) {}
  Objective objective(const Tensor& input, const Tensor& target, ReconstructionLoss loss) override {
    Objective o = DenseAutoencoder::objective(input, target, loss);
    const Tensor extra = mul(o.terms.front().value, 0.5f);
    o.terms.push_back({"extra", extra});
    o.total = add(o.total, extra);
    return o;
  }
  void on_epoch_start(int64_t epoch, int64_t total) override {
    starts.emplace_back(epoch, total);
    DenseAutoencoder::on_epoch_start(epoch, total);
  }
  std::vector<std::pair<int64_t, int64_t>> starts;
};

TEST(Trainer, ReportsEveryObjectiveTermAndEpochStarts) {
  const data::Dataset ds = low_rank_dataset(40, 8, 2, 1);
  data::DataLoaderOptions lo;
  lo.batch_size = 16;
  data::DataLoader train(ds, lo);
  lo.shuffle = false;
  data::DataLoader test(ds.take(20), lo);
  DenseAutoencoderOptions mo;
  mo.sizes = {8, 2};
  HalfExtra model(mo);
  auto optimizer = optim::make_optimizer("adam", model.parameters(), 1e-2f);
  TrainOptions to;
  to.epochs = 2;
  to.start_epoch = 1;
  to.progress = false;
  std::vector<StepRecord> steps;
  to.log_every_steps = 2;
  to.on_step = [&](const StepRecord& r) { steps.push_back(r); };
  const auto history = train_autoencoder(model, *optimizer, train, &test, to);
  EXPECT_EQ(model.starts, (std::vector<std::pair<int64_t, int64_t>>{{1, 3}, {2, 3}}));
  ASSERT_EQ(history.size(), 2u);
  for (const EpochRecord& r : history) {
    ASSERT_EQ(r.train_terms.size(), 2u);
    EXPECT_EQ(r.train_terms[0].name, "reconstruction");
    EXPECT_EQ(r.train_terms[1].name, "extra");
    EXPECT_NEAR(r.train_terms[1].value, 0.5 * r.train_terms[0].value, 1e-6);
    EXPECT_NEAR(r.train_loss, r.train_terms[0].value + r.train_terms[1].value, 1e-6);
    ASSERT_EQ(r.test_terms.size(), 2u);
    EXPECT_NEAR(r.test_loss, 1.5 * r.test_terms[0].value, 1e-6);
  }
  // Without corruption the test reconstruction term is evaluate_reconstruction's loss.
  EXPECT_NEAR(history.back().test_terms[0].value, evaluate_reconstruction(model, test, to.loss),
              1e-7);
  // 3 batches per epoch, logged at step 2 of epochs 2 and 3 (1-based).
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].epoch, 2);
  EXPECT_EQ(steps[0].step, 2);
  EXPECT_EQ(steps[0].global_step, 5);
  EXPECT_EQ(steps[1].global_step, 8);
  ASSERT_EQ(steps[1].terms.size(), 2u);
  EXPECT_NEAR(steps[1].loss, steps[1].terms[0].value + steps[1].terms[1].value, 1e-6);
  EXPECT_EQ(tape_size(), 0u);
}

TEST(Trainer, ParsesLossNames) {
  EXPECT_EQ(parse_reconstruction_loss("mse"), ReconstructionLoss::kMse);
  EXPECT_EQ(parse_reconstruction_loss("bce"), ReconstructionLoss::kBce);
  EXPECT_THROW(parse_reconstruction_loss("l1"), Error);
}

}  // namespace
}  // namespace hg::models
