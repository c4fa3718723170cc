// Generator: the engine's one source of randomness, a Philox-4x32-10 stream identified by
// (seed, offset). Every draw reserves a range of counters and advances the offset, so the same
// seed yields the same numbers on every device (the kernels share common/philox.h), and saving
// (seed, offset) is enough to resume a run bit-exactly.
#pragma once

#include <cstdint>

namespace hg {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}

  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_state(uint64_t seed, uint64_t offset) { seed_ = seed, offset_ = offset; }

  // Reserves the counters for n numbers and returns the offset the draw starts at.
  uint64_t reserve(int64_t n);

  // Host-side draws from the same stream (data shuffling, initial weights on the host).
  float next_uniform();                  // [0, 1)
  uint64_t next_below(uint64_t bound);   // uniform integer in [0, bound), bound > 0

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The process-wide default generator used when an API takes no explicit one.
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace hg
