// schedule_state.h (internal): the random numbers behind the random block and thread orders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace hg::simt::detail {

// SplitMix64: advances `state` and returns the next 64-bit value.
inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The seed for the next launch's random orders (see schedule.cpp).
std::uint64_t next_launch_seed(std::uint64_t seed);

// Fisher-Yates shuffle of v driven by splitmix64(state).
template <class T>
inline void shuffle(std::vector<T>& v, std::uint64_t& state) {
  for (std::size_t i = v.size(); i > 1; --i) {
    // Multiply-shift maps a 64-bit value to [0, i) with negligible bias for these sizes.
    const std::size_t j = static_cast<std::size_t>((static_cast<unsigned __int128>(splitmix64(state)) * i) >> 64);
    std::swap(v[i - 1], v[j]);
  }
}

}  // namespace hg::simt::detail
