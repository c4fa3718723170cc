// test_util.h: helpers shared by the SIMT emulator tests: an owning device buffer, random data,
// and the schedules (block and thread orders) every kernel test runs under.
#pragma once

#include <cstddef>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "../../kernels/cuda/cuda_platform.cuh"

namespace hg::simt_test {

// cudaMalloc'ed array of n T's, freed on destruction.
template <class T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(std::size_t n) : n_(n) { HG_CUDA_CHECK(cudaMalloc(&p_, n * sizeof(T))); }
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
  ~DeviceBuffer() { cudaFree(p_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* get() const { return p_; }
  std::size_t size() const { return n_; }
  void upload(const std::vector<T>& host) {
    HG_CUDA_CHECK(cudaMemcpy(p_, host.data(), n_ * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download() const {
    std::vector<T> host(n_);
    HG_CUDA_CHECK(cudaMemcpy(host.data(), p_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }

 private:
  T* p_ = nullptr;
  std::size_t n_;
};

inline std::vector<float> random_floats(std::size_t n, float lo, float hi, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

struct NamedSchedule {
  const char* name;
  hg::simt::Schedule schedule;
};

// Forward, reverse and random thread orders, combined with forward, reverse and random blocks.
inline std::vector<NamedSchedule> all_schedules() {
  using hg::simt::Order;
  return {
      {"forward", {Order::forward, Order::forward, 1}},
      {"reverse_threads", {Order::forward, Order::reverse, 1}},
      {"random_threads", {Order::forward, Order::random, 7}},
      {"reverse_blocks_reverse_threads", {Order::reverse, Order::reverse, 1}},
      {"random_blocks_random_threads", {Order::random, Order::random, 12345}},
  };
}

inline std::string schedule_name(const NamedSchedule& s) { return s.name; }

// How GoogleTest prints a schedule parameter (e.g. in ctest's test names).
inline void PrintTo(const NamedSchedule& s, std::ostream* os) { *os << s.name; }

}  // namespace hg::simt_test
