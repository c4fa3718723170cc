// sync.h: the intrinsics that are scheduling points: block barriers (__syncthreads and its
// _count/_and/_or forms) and warp collectives (__syncwarp, __shfl*_sync, __ballot_sync,
// __any_sync, __all_sync).
//
// Each intrinsic is a macro that expands to a small `Site` object holding __FILE__/__LINE__,
// followed by a member call with the caller's arguments, e.g.
//   __shfl_down_sync(m, v, 1)  ->  hg::simt::detail::Site(__FILE__, __LINE__).shfl_down(m, v, 1)
// so default arguments (width, __syncwarp's mask) keep working and every diagnostic can name the
// source line. The calling fiber records what it waits for and yields to the scheduler
// (scheduler.cpp), which completes the barrier or warp collective once every participant arrived.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace hg::simt::detail {

enum class BarrierOp : unsigned char { sync, count, and_all, or_any };
enum class WarpOp : unsigned char { sync, shfl_idx, shfl_up, shfl_down, shfl_xor, ballot, any, all };

// Called by the running fiber; defined in scheduler.cpp. They throw (and so unwind the GPU thread)
// when the launch is being aborted.
int block_barrier(BarrierOp op, int predicate, const char* file, int line);
std::uint64_t warp_collective(WarpOp op, unsigned mask, std::uint64_t value, int param, int width,
                              const char* file, int line);
unsigned active_mask();

template <class T>
inline std::uint64_t to_bits(const T& v) {
  static_assert(std::is_trivially_copyable<T>::value && sizeof(T) <= 8,
                "warp shuffles move values of at most 8 bytes");
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  return bits;
}

template <class T>
inline T from_bits(std::uint64_t bits) {
  T v;
  std::memcpy(&v, &bits, sizeof(T));
  return v;
}

// Source location of one intrinsic call.
struct Site {
  constexpr Site(const char* f, int l) : file(f), line(l) {}
  const char* file;
  int line;

  void syncthreads() const { block_barrier(BarrierOp::sync, 0, file, line); }
  int syncthreads_count(int p) const { return block_barrier(BarrierOp::count, p, file, line); }
  int syncthreads_and(int p) const { return block_barrier(BarrierOp::and_all, p, file, line); }
  int syncthreads_or(int p) const { return block_barrier(BarrierOp::or_any, p, file, line); }

  void syncwarp(unsigned mask = 0xffffffffu) const {
    warp_collective(WarpOp::sync, mask, 0, 0, 32, file, line);
  }
  template <class T>
  T shfl(unsigned mask, T var, int src_lane, int width = 32) const {
    return from_bits<T>(warp_collective(WarpOp::shfl_idx, mask, to_bits(var), src_lane, width, file, line));
  }
  template <class T>
  T shfl_up(unsigned mask, T var, unsigned delta, int width = 32) const {
    return from_bits<T>(warp_collective(WarpOp::shfl_up, mask, to_bits(var), static_cast<int>(delta),
                                        width, file, line));
  }
  template <class T>
  T shfl_down(unsigned mask, T var, unsigned delta, int width = 32) const {
    return from_bits<T>(warp_collective(WarpOp::shfl_down, mask, to_bits(var), static_cast<int>(delta),
                                        width, file, line));
  }
  template <class T>
  T shfl_xor(unsigned mask, T var, int lane_mask, int width = 32) const {
    return from_bits<T>(warp_collective(WarpOp::shfl_xor, mask, to_bits(var), lane_mask, width, file, line));
  }
  unsigned ballot(unsigned mask, int predicate) const {
    return static_cast<unsigned>(
        warp_collective(WarpOp::ballot, mask, predicate != 0 ? 1u : 0u, 0, 32, file, line));
  }
  int any(unsigned mask, int predicate) const {
    return static_cast<int>(warp_collective(WarpOp::any, mask, predicate != 0 ? 1u : 0u, 0, 32, file, line));
  }
  int all(unsigned mask, int predicate) const {
    return static_cast<int>(warp_collective(WarpOp::all, mask, predicate != 0 ? 1u : 0u, 0, 32, file, line));
  }
};

}  // namespace hg::simt::detail

// Parentheses, not braces: the comma must stay protected when an intrinsic call is itself passed
// to another macro (assert, EXPECT_*, ...).
#define HG_SIMT_SITE ::hg::simt::detail::Site(__FILE__, __LINE__)

#define __syncthreads() HG_SIMT_SITE.syncthreads()
#define __syncthreads_count(p) HG_SIMT_SITE.syncthreads_count(p)
#define __syncthreads_and(p) HG_SIMT_SITE.syncthreads_and(p)
#define __syncthreads_or(p) HG_SIMT_SITE.syncthreads_or(p)
#define __syncwarp HG_SIMT_SITE.syncwarp
#define __shfl_sync HG_SIMT_SITE.shfl
#define __shfl_up_sync HG_SIMT_SITE.shfl_up
#define __shfl_down_sync HG_SIMT_SITE.shfl_down
#define __shfl_xor_sync HG_SIMT_SITE.shfl_xor
#define __ballot_sync HG_SIMT_SITE.ballot
#define __any_sync HG_SIMT_SITE.any
#define __all_sync HG_SIMT_SITE.all

// Lanes of the caller's warp that have not exited. Warps are never in lock-step under the
// emulator, so this is an upper bound of what the hardware would report.
inline unsigned __activemask() { return ::hg::simt::detail::active_mask(); }
