// Generator bookkeeping and its host-side draws (same Philox stream as the device kernels).
#include "hourglass/core/rng.h"

#include "hourglass/core/error.h"
#include "hourglass/kernels/common/philox.h"

namespace hg {

uint64_t Generator::reserve(int64_t n) {
  const uint64_t start = offset_;
  offset_ += static_cast<uint64_t>((n + 3) / 4);
  return start;
}

float Generator::next_uniform() {
  const uint64_t counter = reserve(1);
  return kernels::philox_uniform01(kernels::philox4x32_10(counter, seed_).v[0]);
}

uint64_t Generator::next_below(uint64_t bound) {
  HG_CHECK(bound > 0, "next_below needs a positive bound");
  // 64 random bits, then rejection of the short final interval so every value is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  while (true) {
    const kernels::Philox4 r = kernels::philox4x32_10(reserve(4), seed_);
    const uint64_t bits = (static_cast<uint64_t>(r.v[0]) << 32) | r.v[1];
    if (bits < limit) return bits % bound;
  }
}

Generator& default_generator() {
  static Generator generator(0);
  return generator;
}

void manual_seed(uint64_t seed) { default_generator().set_state(seed, 0); }

}  // namespace hg
