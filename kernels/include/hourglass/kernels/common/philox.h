// Philox-4x32-10 counter-based random numbers (Salmon et al., SC'11), shared by the CPU and CUDA
// backends so that the same (seed, offset) gives bitwise-identical uniforms on every device.
//
// Stream layout: element i of a draw that starts at `offset` comes from the 128-bit counter
// (offset + i / 4, 0) under key `seed`, output word i % 4. A draw of n numbers therefore consumes
// ceil(n / 4) counters, and the caller advances its offset by that much (see hg::Generator).
#pragma once

#include <cmath>
#include <cstdint>

#include "hourglass/kernels/common/host_device.h"

namespace hg::kernels {

struct Philox4 {
  uint32_t v[4];
};

HG_HOST_DEVICE uint32_t philox_mulhilo(uint32_t a, uint32_t b, uint32_t* hi) {
  const uint64_t product = static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
  *hi = static_cast<uint32_t>(product >> 32);
  return static_cast<uint32_t>(product);
}

// Ten rounds of the Philox S-box with the standard multipliers and Weyl key increments.
HG_HOST_DEVICE Philox4 philox4x32_10(uint64_t counter, uint64_t seed) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32);
  uint32_t c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, hi1;
    const uint32_t lo0 = philox_mulhilo(0xD2511F53u, c0, &hi0);
    const uint32_t lo1 = philox_mulhilo(0xCD9E8D57u, c2, &hi1);
    const uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0, c1 = n1, c2 = n2, c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return Philox4{{c0, c1, c2, c3}};
}

// Uniform in [0, 1): the top 24 bits, so every value is exactly representable in float.
HG_HOST_DEVICE float philox_uniform01(uint32_t bits) {
  return static_cast<float>(bits >> 8) * (1.0f / 16777216.0f);
}

// Uniform in (0, 1]: safe as the argument of log() in Box-Muller.
HG_HOST_DEVICE float philox_uniform01_open0(uint32_t bits) {
  return (static_cast<float>(bits >> 8) + 1.0f) * (1.0f / 16777216.0f);
}

// Element i of a uniform draw in [lo, hi).
HG_HOST_DEVICE float philox_uniform_at(uint64_t seed, uint64_t offset, int64_t i, float lo,
                                       float hi) {
  const Philox4 r = philox4x32_10(offset + static_cast<uint64_t>(i / 4), seed);
  return lo + (hi - lo) * philox_uniform01(r.v[i % 4]);
}

// Element i of a normal draw: words (0,1) and (2,3) of a counter each feed one Box-Muller pair,
// cosine branch for the even element, sine branch for the odd one. Computed in double so the
// CPU and GPU agree to the last float bit regardless of fast-math library differences.
HG_HOST_DEVICE float philox_normal_at(uint64_t seed, uint64_t offset, int64_t i, float mean,
                                      float stddev) {
  const Philox4 r = philox4x32_10(offset + static_cast<uint64_t>(i / 4), seed);
  const int pair = (i % 4) / 2;
  const double u1 = philox_uniform01_open0(r.v[2 * pair]);
  const double u2 = philox_uniform01(r.v[2 * pair + 1]);
  const double radius = ::sqrt(-2.0 * ::log(u1));
  const double angle = 6.283185307179586 * u2;
  const double z = (i % 2 == 0) ? radius * ::cos(angle) : radius * ::sin(angle);
  return mean + stddev * static_cast<float>(z);
}

}  // namespace hg::kernels
