// simt_intrinsics_test.cpp: warp shuffles (all modes and widths), votes, barrier reductions,
// atomics, math intrinsics and __device__ variables behave as CUDA documents them.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "test_kernels.h"
#include "test_util.h"

namespace hg::simt_test {
namespace {

TEST(Intrinsics, ShuffleModesAndWidths) {
  DeviceBuffer<int> out(5 * 32);
  shuffle_variants(out.get());
  const std::vector<int> o = out.download();
  for (int lane = 0; lane < 32; ++lane) {
    const int* r = &o[5 * lane];
    EXPECT_EQ(r[0], 10 * ((lane / 8) * 8 + 3)) << "idx, width 8, lane " << lane;
    const int up = lane - 2;
    EXPECT_EQ(r[1], 10 * (up >= (lane & ~15) ? up : lane)) << "up 2, width 16, lane " << lane;
    const int down = lane + 3;
    EXPECT_EQ(r[2], 10 * (down <= (lane | 15) ? down : lane)) << "down 3, width 16, lane " << lane;
    EXPECT_EQ(r[3], 10 * (lane ^ 5)) << "xor 5, lane " << lane;
    EXPECT_EQ(r[4], 10 * (lane ^ 1)) << "xor 1, width 4, lane " << lane;
  }
}

TEST(Intrinsics, Votes) {
  DeviceBuffer<unsigned> out(4 * 32);
  votes(out.get());
  const std::vector<unsigned> o = out.download();
  unsigned ballot = 0;
  for (int l = 0; l < 32; l += 3) ballot |= 1u << l;
  for (int lane = 0; lane < 32; ++lane) {
    EXPECT_EQ(o[4 * lane + 0], ballot);
    EXPECT_EQ(o[4 * lane + 1], 1u);
    EXPECT_EQ(o[4 * lane + 2], 1u);
    EXPECT_EQ(o[4 * lane + 3], 0u);
  }
}

TEST(Intrinsics, BarrierReductions) {
  DeviceBuffer<int> out(4 * 256);
  barrier_reductions(out.get());
  const std::vector<int> o = out.download();
  for (int t = 0; t < 256; ++t) {
    EXPECT_EQ(o[4 * t + 0], 64);
    EXPECT_EQ(o[4 * t + 1], 1);
    EXPECT_EQ(o[4 * t + 2], 0);
    EXPECT_EQ(o[4 * t + 3], 1);
  }
}

TEST(Intrinsics, DoubleShuffle) {
  DeviceBuffer<double> out(32);
  double_shuffle_sum(out.get());
  for (double v : out.download()) EXPECT_EQ(v, 512.0);
}

TEST(Intrinsics, Atomics) {
  DeviceBuffer<int> ints(std::vector<int>{0, -1, 1000, 0, 0, 0});
  atomics(ints.get());
  const std::vector<int> r = ints.download();
  EXPECT_EQ(r[0], 63 * 64 / 2);
  EXPECT_EQ(r[1], 63);
  EXPECT_EQ(r[2], 100 - 63);
  EXPECT_EQ(r[3], 64);
  EXPECT_EQ(r[4], 1234);
  EXPECT_EQ(r[5], 64 % 10);
}

TEST(Intrinsics, Math) {
  const std::vector<float> x = {0.25f, 1.0f, 2.5f, 3.5f, 7.9f};
  DeviceBuffer<float> dx(x), out(8 * x.size());
  math_intrinsics(dx.get(), out.get(), static_cast<int>(x.size()));
  const std::vector<float> o = out.download();
  const float rounded[] = {0.0f, 1.0f, 2.0f, 4.0f, 8.0f};  // round half to even
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float v = x[i];
    const float* r = &o[8 * i];
    EXPECT_FLOAT_EQ(r[0], std::exp(v));
    EXPECT_FLOAT_EQ(r[1], std::log(v));
    EXPECT_FLOAT_EQ(r[2], 1.0f / std::sqrt(v));
    EXPECT_FLOAT_EQ(r[3], v / 3.0f);
    EXPECT_FLOAT_EQ(r[4], std::min(std::max(v - 1.0f, 0.0f), 1.0f));
    EXPECT_EQ(r[5], rounded[i]);
    EXPECT_EQ(r[6], std::min(v, 0.5f));
    EXPECT_EQ(r[7], static_cast<float>(std::max(static_cast<int>(v), 1)));
  }
}

TEST(Intrinsics, SplitWarpsWithTheirOwnMasksAndAPartialWarp) {
  DeviceBuffer<int> out(2 * 48);
  split_warps(out.get());
  const std::vector<int> o = out.download();
  unsigned ballot[2] = {0, 0};
  for (int t = 0; t < 48; ++t) {
    const int lane = t % 32;
    const int expected = lane < 16 ? t ^ 1 : t ^ 2;
    EXPECT_EQ(o[2 * t], expected) << "thread " << t;
    if (expected % 2 == 0) ballot[t / 32] |= 1u << lane;
  }
  for (int t = 0; t < 48; ++t) EXPECT_EQ(static_cast<unsigned>(o[2 * t + 1]), ballot[t / 32]) << "thread " << t;
}

TEST(Intrinsics, ToolkitHalfAndVectorTypes) {
  const std::vector<float> x = {0.5f, -2.0f, 1024.0f, 0.1f};
  DeviceBuffer<float> dx(x), out(x.size());
  half_and_vector_types(dx.get(), out.get(), static_cast<int>(x.size()));
  const std::vector<float> o = out.download();
  EXPECT_EQ(o[0], 6.5f);
  EXPECT_EQ(o[1], 4.0f);
  EXPECT_EQ(o[2], 1030.0f);
  EXPECT_NEAR(o[3], 6.1f, 1e-3f);  // 0.1 is rounded to half precision
}

TEST(Intrinsics, DeviceVariablesAndSymbols) {
  reset_counter();
  count_threads(3, 50);
  EXPECT_EQ(counter_value(), 150);
  reset_counter();
  EXPECT_EQ(counter_value(), 0);
}

}  // namespace
}  // namespace hg::simt_test
