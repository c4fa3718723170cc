// DataLoader: the batches of one epoch over a Dataset. With shuffling, epoch e visits the samples
// in a Fisher-Yates permutation drawn from a Philox stream that depends only on (seed, e), so a
// resumed run reproduces its epochs exactly. Each batch is gathered on the host and moved to the
// target device in one copy.
#pragma once

#include <cstdint>
#include <iterator>
#include <vector>

#include "hourglass/core/device.h"
#include "hourglass/data/dataset.h"

namespace hg::data {

struct DataLoaderOptions {
  int64_t batch_size = 128;
  bool shuffle = true;
  bool drop_last = false;  // drop the final batch when it is smaller than batch_size
  uint64_t seed = 0;
  Device device = Device::cpu();
};

struct Batch {
  Tensor inputs;      // float32 [B, ...sample shape] on the loader's device
  Tensor labels;      // int32 [B] on the loader's device; undefined when the dataset has none
  int64_t index = 0;  // position of the batch within its epoch
  int64_t size() const { return inputs.dim(0); }
};

// The order in which epoch `epoch` visits n samples: a permutation of [0, n).
std::vector<int64_t> shuffle_permutation(int64_t n, uint64_t seed, int64_t epoch);

class DataLoader {
 public:
  DataLoader(Dataset dataset, DataLoaderOptions options);

  // Chooses the epoch whose order batch() and iteration follow (0 initially).
  void set_epoch(int64_t epoch);
  int64_t epoch() const { return epoch_; }

  int64_t num_batches() const;
  int64_t samples_per_epoch() const;  // fewer than the dataset's size with drop_last
  const Dataset& dataset() const { return dataset_; }
  const DataLoaderOptions& options() const { return options_; }
  // Sample indices of the current epoch, in visiting order.
  const std::vector<int64_t>& order() const { return order_; }

  Batch batch(int64_t index) const;
  // The inputs of batch `index` on the host (what batch() copies to the loader's device).
  Tensor gather_inputs(int64_t index) const;

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using pointer = const Batch*;
    using reference = Batch;

    iterator(const DataLoader* loader, int64_t index) : loader_(loader), index_(index) {}
    Batch operator*() const { return loader_->batch(index_); }
    iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator==(const iterator& o) const { return index_ == o.index_; }
    bool operator!=(const iterator& o) const { return index_ != o.index_; }

   private:
    const DataLoader* loader_;
    int64_t index_;
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, num_batches()); }

 private:
  Dataset dataset_;
  DataLoaderOptions options_;
  int64_t epoch_ = 0;
  std::vector<int64_t> order_;
};

}  // namespace hg::data
