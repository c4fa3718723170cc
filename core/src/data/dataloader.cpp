// Epoch permutations and batch gathering.
#include "hourglass/data/dataloader.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "hourglass/core/error.h"
#include "hourglass/core/rng.h"

namespace hg::data {
namespace {

// Shuffling draws from its own Philox key, derived from the run's seed, so the permutation never
// reuses the numbers that initialise weights or draw noise from Generator(seed).
uint64_t shuffle_key(uint64_t seed) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull + 0x5348554646ull;  // "SHUFF"
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Each epoch starts at its own counter offset: 2^40 counters apart, far more than a
// Fisher-Yates pass over any dataset that fits in memory consumes.
constexpr int kEpochOffsetBits = 40;

}  // namespace

std::vector<int64_t> shuffle_permutation(int64_t n, uint64_t seed, int64_t epoch) {
  HG_CHECK(n >= 0 && epoch >= 0, "shuffle_permutation needs n >= 0 and epoch >= 0, got n = ", n,
           ", epoch = ", epoch);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  Generator gen;
  gen.set_state(shuffle_key(seed), static_cast<uint64_t>(epoch) << kEpochOffsetBits);
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(gen.next_below(static_cast<uint64_t>(i + 1)));
    std::swap(order[i], order[j]);
  }
  return order;
}

DataLoader::DataLoader(Dataset dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  HG_CHECK(dataset_.images.defined(), "DataLoader over an empty Dataset");
  HG_CHECK(dataset_.images.device().is_cpu() && dataset_.images.dtype() == DType::kFloat32,
           "DataLoader needs float32 images on the CPU, got ", dataset_.images);
  HG_CHECK(options_.batch_size >= 1, "batch size must be at least 1, got ", options_.batch_size);
  set_epoch(0);
}

void DataLoader::set_epoch(int64_t epoch) {
  HG_CHECK(epoch >= 0, "epoch must be >= 0, got ", epoch);
  epoch_ = epoch;
  if (options_.shuffle) {
    order_ = shuffle_permutation(dataset_.size(), options_.seed, epoch);
  } else {
    order_.resize(static_cast<size_t>(dataset_.size()));
    std::iota(order_.begin(), order_.end(), int64_t{0});
  }
}

int64_t DataLoader::num_batches() const {
  const int64_t n = dataset_.size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

int64_t DataLoader::samples_per_epoch() const {
  return options_.drop_last ? num_batches() * options_.batch_size : dataset_.size();
}

Tensor DataLoader::gather_inputs(int64_t index) const {
  HG_CHECK(index >= 0 && index < num_batches(), "batch ", index, " out of range: the epoch has ",
           num_batches(), " batches");
  const int64_t begin = index * options_.batch_size;
  const int64_t count = std::min(options_.batch_size, dataset_.size() - begin);
  const int64_t row = dataset_.sample_numel();

  std::vector<int64_t> dims = dataset_.images.shape().dims();
  dims[0] = count;
  Tensor inputs = Tensor::empty(Shape(dims), DType::kFloat32, Device::cpu());
  const float* src = dataset_.images.data<float>();
  float* dst = inputs.data<float>();
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(dst + i * row, src + order_[begin + i] * row, sizeof(float) * row);
  }
  return inputs;
}

Batch DataLoader::batch(int64_t index) const {
  const Tensor inputs = gather_inputs(index);
  const int64_t begin = index * options_.batch_size;
  const int64_t count = inputs.dim(0);
  Batch out;
  out.index = index;
  out.inputs = inputs.to(options_.device);
  if (dataset_.labels.defined()) {
    Tensor labels = Tensor::empty(Shape{count}, DType::kInt32, Device::cpu());
    const int32_t* label_src = dataset_.labels.data<int32_t>();
    int32_t* label_dst = labels.data<int32_t>();
    for (int64_t i = 0; i < count; ++i)
      label_dst[i] = label_src[order_[begin + i]];
    out.labels = labels.to(options_.device);
  }
  return out;
}

}  // namespace hg::data
