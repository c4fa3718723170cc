// simt_kernels_test.cpp: correct kernels give correct results under every block and thread order,
// dynamic/static shared memory behave (and are poisoned), built-ins and schedules are as specified.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <thread>
#include <vector>

#include "test_kernels.h"
#include "test_util.h"

namespace hg::simt_test {
namespace {

class ScheduledKernels : public ::testing::TestWithParam<NamedSchedule> {
 protected:
  void SetUp() override { hg::simt::set_schedule(GetParam().schedule); }
  void TearDown() override { hg::simt::reset_schedule(); }
};

std::vector<double> reference_gemm(const std::vector<float>& A, const std::vector<float>& B, int M, int N, int K) {
  std::vector<double> C(static_cast<std::size_t>(M) * N, 0.0);
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < N; ++j) C[i * N + j] += static_cast<double>(A[i * K + k]) * B[k * N + j];
  return C;
}

TEST_P(ScheduledKernels, TiledSgemmMatchesDoubleReferenceOnOddSizes) {
  const int M = 37, N = 53, K = 29;
  const std::vector<float> A = random_floats(M * K, -1.0f, 1.0f, 1);
  const std::vector<float> B = random_floats(K * N, -1.0f, 1.0f, 2);
  DeviceBuffer<float> dA(A), dB(B), dC(M * N);
  sgemm_tiled(dA.get(), dB.get(), dC.get(), M, N, K);
  const std::vector<float> C = dC.download();
  const std::vector<double> ref = reference_gemm(A, B, M, N, K);
  double max_err = 0.0;
  for (std::size_t i = 0; i < C.size(); ++i) max_err = std::max(max_err, std::fabs(C[i] - ref[i]));
  EXPECT_LT(max_err, 1e-4);
}

TEST_P(ScheduledKernels, BlockSumOverAMillionElements) {
  const int n = 1000003;
  const std::vector<float> x = random_floats(n, 0.0f, 1.0f, 3);
  DeviceBuffer<float> dx(x), dsum(1);
  HG_CUDA_CHECK(cudaMemset(dsum.get(), 0, sizeof(float)));
  block_sum(dx.get(), n, dsum.get(), 64, 256);
  const double ref = std::accumulate(x.begin(), x.end(), 0.0);
  EXPECT_NEAR(dsum.download()[0], ref, 1e-5 * ref);
}

TEST_P(ScheduledKernels, DynamicSharedMemory) {
  const int threads = 128, n = threads * 7;
  std::vector<float> in(n);
  std::iota(in.begin(), in.end(), 0.0f);
  DeviceBuffer<float> din(in), dout(n);
  reverse_within_blocks(din.get(), dout.get(), n, threads);
  const std::vector<float> out = dout.download();
  for (int i = 0; i < n; ++i) {
    const int block = i / threads, t = i % threads;
    ASSERT_EQ(out[i], in[block * threads + threads - 1 - t]) << "at " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(AllOrders, ScheduledKernels, ::testing::ValuesIn(all_schedules()),
                         [](const ::testing::TestParamInfo<NamedSchedule>& info) { return schedule_name(info.param); });

TEST(HostThreads, ConcurrentLaunchesFromTwoThreadsAreSerialisedCorrectly) {
  // __shared__ variables are statics shared by all launches of a kernel, so the emulator must never
  // run two launches at once; each host thread has its own fiber pool.
  const int M = 37, N = 53, K = 29;
  const std::vector<float> A = random_floats(M * K, -1.0f, 1.0f, 5);
  const std::vector<float> B = random_floats(K * N, -1.0f, 1.0f, 6);
  const std::vector<double> ref = reference_gemm(A, B, M, N, K);
  auto worker = [&](double* max_err) {
    DeviceBuffer<float> dA(A), dB(B), dC(M * N);
    for (int rep = 0; rep < 5; ++rep) {
      sgemm_tiled(dA.get(), dB.get(), dC.get(), M, N, K);
      const std::vector<float> C = dC.download();
      for (std::size_t i = 0; i < C.size(); ++i) *max_err = std::max(*max_err, std::fabs(C[i] - ref[i]));
    }
  };
  double err1 = 0.0, err2 = 0.0;
  std::thread t1(worker, &err1), t2(worker, &err2);
  t1.join();
  t2.join();
  EXPECT_LT(err1, 1e-4);
  EXPECT_LT(err2, 1e-4);
}

TEST(SharedMemory, DynamicSharedMemoryIsPoisonedBeforeEachBlock) {
  DeviceBuffer<float> out(64);
  read_unwritten_dynamic_shared(out.get(), 64);
  for (float v : out.download()) EXPECT_TRUE(std::isnan(v));
}

TEST(SharedMemory, StaticSharedMemoryIsPoisonedUnderClang) {
#if HG_SIMT_SHARED_SECTION
  DeviceBuffer<float> out(64);
  read_unwritten_static_shared(out.get(), 64);
  for (float v : out.download()) EXPECT_TRUE(std::isnan(v));
#else
  GTEST_SKIP() << "g++ cannot put __shared__ statics into a named section (see kernels/simt/keywords.h)";
#endif
}

TEST(Builtins, ThreeDimensionalLaunch) {
  const int per_block = 4 * 3 * 2, blocks = 3 * 2 * 2;
  DeviceBuffer<int> out(11 * per_block * blocks);
  write_builtins(out.get());
  const std::vector<int> o = out.download();
  for (int b = 0; b < blocks; ++b) {
    for (int t = 0; t < per_block; ++t) {
      const int* r = &o[11 * (b * per_block + t)];
      EXPECT_EQ(r[0], t);
      EXPECT_EQ(r[1], t % 4);
      EXPECT_EQ(r[2], t / 4 % 3);
      EXPECT_EQ(r[3], t / 12);
      EXPECT_EQ(r[4], b % 3);
      EXPECT_EQ(r[5], b / 3 % 2);
      EXPECT_EQ(r[6], b / 6);
      EXPECT_EQ(r[7], per_block);
      EXPECT_EQ(r[8], blocks);
      EXPECT_EQ(r[9], 32);
      EXPECT_EQ(r[10], b);
    }
  }
}

// Which thread started when, under a given schedule.
std::vector<int> start_order(const hg::simt::Schedule& s, int blocks, int threads) {
  hg::simt::ScopedSchedule scoped(s);
  DeviceBuffer<int> order(blocks * threads), counter(1);
  HG_CUDA_CHECK(cudaMemset(counter.get(), 0, sizeof(int)));
  record_start_order(order.get(), counter.get(), blocks, threads);
  return order.download();
}

TEST(Schedule, OrdersOfBlocksAndThreads) {
  using hg::simt::Order;
  const int blocks = 3, threads = 40;
  const std::vector<int> fwd = start_order({Order::forward, Order::forward, 1}, blocks, threads);
  for (int i = 0; i < blocks * threads; ++i) EXPECT_EQ(fwd[i], i);

  const std::vector<int> rev_threads = start_order({Order::forward, Order::reverse, 1}, blocks, threads);
  for (int b = 0; b < blocks; ++b)
    for (int t = 0; t < threads; ++t) EXPECT_EQ(rev_threads[b * threads + t], b * threads + threads - 1 - t);

  const std::vector<int> rev_blocks = start_order({Order::reverse, Order::forward, 1}, blocks, threads);
  for (int b = 0; b < blocks; ++b)
    for (int t = 0; t < threads; ++t) EXPECT_EQ(rev_blocks[b * threads + t], (blocks - 1 - b) * threads + t);

  const std::vector<int> random1 = start_order({Order::random, Order::random, 99}, blocks, threads);
  const std::vector<int> random2 = start_order({Order::random, Order::random, 99}, blocks, threads);
  EXPECT_EQ(random1, random2) << "the same seed must give the same order";
  EXPECT_NE(random1, fwd);
  std::vector<int> sorted = random1;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, fwd) << "every thread runs exactly once";
}

TEST(Schedule, EnvironmentVariables) {
  hg::simt::reset_schedule();
  ASSERT_EQ(setenv("HG_SIMT_THREAD_ORDER", "reverse", 1), 0);
  ASSERT_EQ(setenv("HG_SIMT_BLOCK_ORDER", "reverse", 1), 0);
  const hg::simt::Schedule s = hg::simt::schedule_from_env();
  EXPECT_EQ(s.threads, hg::simt::Order::reverse);
  EXPECT_EQ(s.blocks, hg::simt::Order::reverse);
  {
    DeviceBuffer<int> order(2 * 8), counter(1);
    HG_CUDA_CHECK(cudaMemset(counter.get(), 0, sizeof(int)));
    record_start_order(order.get(), counter.get(), 2, 8);
    EXPECT_EQ(order.download()[2 * 8 - 1], 0) << "the last thread of the last block starts first";
  }
  ASSERT_EQ(setenv("HG_SIMT_THREAD_ORDER", "sideways", 1), 0);
  {
    DeviceBuffer<int> order(8), counter(1);
    try {
      record_start_order(order.get(), counter.get(), 1, 8);
      ADD_FAILURE() << "an invalid HG_SIMT_THREAD_ORDER must fail the launch";
    } catch (const hg::kernels::DeviceError& e) {
      EXPECT_NE(std::string(e.what()).find("HG_SIMT_THREAD_ORDER='sideways'"), std::string::npos) << e.what();
    }
  }
  unsetenv("HG_SIMT_THREAD_ORDER");
  unsetenv("HG_SIMT_BLOCK_ORDER");
}

}  // namespace
}  // namespace hg::simt_test
