// DataLoader: each epoch is a permutation reproducible from (seed, epoch), batches cover every
// sample once, drop_last drops only the short tail, and batches land on the requested device.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "hourglass/core/error.h"
#include "hourglass/data/data.h"
#include "support/devices.h"

namespace hg::data {
namespace {

// n samples of shape [2]: sample i holds (i, -i); label i.
Dataset counting_dataset(int64_t n) {
  std::vector<float> pixels;
  std::vector<int32_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    pixels.push_back(static_cast<float>(i));
    pixels.push_back(-static_cast<float>(i));
    labels.push_back(static_cast<int32_t>(i));
  }
  return make_dataset(Tensor::from_vector(pixels, Shape{n, 2}),
                      Tensor::from_vector(labels, Shape{n}));
}

TEST(ShufflePermutation, IsAPermutationReproducibleFromSeedAndEpoch) {
  const std::vector<int64_t> a = shuffle_permutation(1000, 42, 3);
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> expected(1000);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(sorted, expected);
  EXPECT_NE(a, expected);  // shuffled (identity has probability 1/1000!)

  EXPECT_EQ(shuffle_permutation(1000, 42, 3), a);
  EXPECT_NE(shuffle_permutation(1000, 42, 4), a);
  EXPECT_NE(shuffle_permutation(1000, 43, 3), a);
  EXPECT_TRUE(shuffle_permutation(0, 1, 0).empty());
  EXPECT_EQ(shuffle_permutation(1, 1, 0), (std::vector<int64_t>{0}));
}

TEST(ShufflePermutation, FirstPositionIsRoughlyUniform) {
  // Over 400 epochs, each of 4 items should lead about 100 times (a biased shuffle would not).
  std::vector<int> first(4, 0);
  for (int64_t e = 0; e < 400; ++e)
    ++first[shuffle_permutation(4, 7, e)[0]];
  for (int count : first) {
    EXPECT_GT(count, 60);
    EXPECT_LT(count, 140);
  }
}

TEST(DataLoader, BatchesCoverEverySampleOnce) {
  DataLoaderOptions options;
  options.batch_size = 16;
  options.seed = 5;
  DataLoader loader(counting_dataset(100), options);
  EXPECT_EQ(loader.num_batches(), 7);
  EXPECT_EQ(loader.samples_per_epoch(), 100);

  std::multiset<int32_t> seen;
  int64_t batches = 0;
  for (const Batch& batch : loader) {
    EXPECT_EQ(batch.index, batches);
    EXPECT_EQ(batch.size(), batches < 6 ? 16 : 4);
    const std::vector<float> x = batch.inputs.to_vector();
    const std::vector<int32_t> y = batch.labels.to_vector_i32();
    for (int64_t i = 0; i < batch.size(); ++i) {
      EXPECT_EQ(x[2 * i], static_cast<float>(y[i]));  // inputs and labels stay paired
      EXPECT_EQ(x[2 * i + 1], -static_cast<float>(y[i]));
      seen.insert(y[i]);
    }
    ++batches;
  }
  EXPECT_EQ(batches, 7);
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(std::set<int32_t>(seen.begin(), seen.end()).size(), 100u);
}

TEST(DataLoader, EpochOrderDependsOnlyOnSeedAndEpoch) {
  DataLoaderOptions options;
  options.batch_size = 8;
  options.seed = 11;
  DataLoader first(counting_dataset(50), options);
  DataLoader second(counting_dataset(50), options);
  first.set_epoch(0);
  first.set_epoch(2);
  second.set_epoch(2);  // straight to epoch 2, as a resumed run would
  EXPECT_EQ(first.order(), second.order());
  EXPECT_EQ(first.order(), shuffle_permutation(50, 11, 2));
  EXPECT_EQ(first.batch(3).labels.to_vector_i32(), second.batch(3).labels.to_vector_i32());
  second.set_epoch(1);
  EXPECT_NE(first.order(), second.order());
}

TEST(DataLoader, NoShuffleKeepsOrder) {
  DataLoaderOptions options;
  options.batch_size = 4;
  options.shuffle = false;
  DataLoader loader(counting_dataset(10), options);
  EXPECT_EQ(loader.batch(1).labels.to_vector_i32(), (std::vector<int32_t>{4, 5, 6, 7}));
  EXPECT_EQ(loader.batch(2).labels.to_vector_i32(), (std::vector<int32_t>{8, 9}));
}

TEST(DataLoader, DropLast) {
  DataLoaderOptions options;
  options.batch_size = 16;
  options.drop_last = true;
  DataLoader loader(counting_dataset(100), options);
  EXPECT_EQ(loader.num_batches(), 6);
  EXPECT_EQ(loader.samples_per_epoch(), 96);
  int64_t count = 0;
  for (const Batch& batch : loader) {
    EXPECT_EQ(batch.size(), 16);
    count += batch.size();
  }
  EXPECT_EQ(count, 96);
  EXPECT_THROW(loader.batch(6), Error);

  DataLoader exact(counting_dataset(32), options);
  EXPECT_EQ(exact.num_batches(), 2);
}

TEST(DataLoader, RejectsBadOptions) {
  DataLoaderOptions options;
  options.batch_size = 0;
  EXPECT_THROW(DataLoader(counting_dataset(4), options), Error);
}

class DataLoaderDevices : public ::testing::TestWithParam<Device> {};

TEST_P(DataLoaderDevices, BatchesLandOnTheDevice) {
  HG_REQUIRE_DEVICE(GetParam());
  DataLoaderOptions options;
  options.batch_size = 3;
  options.device = GetParam();
  options.seed = 2;
  DataLoader loader(counting_dataset(7), options);
  const Batch batch = loader.batch(0);
  EXPECT_EQ(batch.inputs.device(), GetParam());
  EXPECT_EQ(batch.labels.device(), GetParam());
  EXPECT_EQ(batch.inputs.shape(), (Shape{3, 2}));
  const std::vector<int32_t> y = batch.labels.to_vector_i32();
  const std::vector<int64_t>& order = loader.order();
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(y[i], order[i]);
}

INSTANTIATE_TEST_SUITE_P(Devices, DataLoaderDevices,
                         ::testing::ValuesIn(hg::testing::test_devices()), [](const auto& info) {
                           return hg::testing::device_test_name(info.param);
                         });

}  // namespace
}  // namespace hg::data
