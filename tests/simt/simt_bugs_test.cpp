// simt_bugs_test.cpp: every seeded bug in kernels_buggy.cu is caught: races by a wrong result in
// some order, protocol errors by a launch failure whose message names the thread and the line.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "test_kernels.h"
#include "test_util.h"

namespace hg::simt_test {
namespace {

using hg::simt::Order;
using hg::simt::Schedule;
using hg::simt::ScopedSchedule;

// Runs f, which must throw DeviceError; returns the message.
template <class F>
std::string launch_failure(F f) {
  try {
    f();
  } catch (const hg::kernels::DeviceError& e) {
    return e.what();
  }
  ADD_FAILURE() << "the launch did not fail";
  return {};
}

std::string at(int line) { return "kernels_buggy.cu:" + std::to_string(line); }

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "expected \"" << (part) << "\" in:\n" << (text)

TEST(SeededBugs, MissingBarrierBetweenTileLoadAndUseGivesWrongResults) {
  const int M = 37, N = 53, K = 29;
  const std::vector<float> A = random_floats(M * K, -1.0f, 1.0f, 1);
  const std::vector<float> B = random_floats(K * N, -1.0f, 1.0f, 2);
  std::vector<double> ref(M * N, 0.0);
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < N; ++j) ref[i * N + j] += static_cast<double>(A[i * K + k]) * B[k * N + j];
  for (const NamedSchedule& s : all_schedules()) {
    ScopedSchedule scoped(s.schedule);
    DeviceBuffer<float> dA(A), dB(B), dC(M * N);
    sgemm_missing_sync(dA.get(), dB.get(), dC.get(), M, N, K);
    const std::vector<float> C = dC.download();
    double max_err = 0.0;
    for (int i = 0; i < M * N; ++i) {
      const double err = std::fabs(C[i] - ref[i]);
      max_err = std::isnan(err) ? INFINITY : std::max(max_err, err);
    }
    EXPECT_GT(max_err, 1e-2) << "order " << s.name << ": the missing barrier went unnoticed";
  }
}

TEST(SeededBugs, WriteAfterReadRaceIsMissedForwardButCaughtInOtherOrders) {
  const int n = 256;
  std::vector<float> data(n);
  for (int i = 0; i < n; ++i) data[i] = static_cast<float>(i);
  std::vector<float> expected(n);
  for (int i = 0; i < n; ++i) expected[i] = i + 1 < n ? data[i + 1] : 0.0f;
  auto run = [&](const Schedule& s) {
    ScopedSchedule scoped(s);
    DeviceBuffer<float> d(data);
    shift_left_race(d.get(), n);
    return d.download();
  };
  EXPECT_EQ(run({Order::forward, Order::forward, 1}), expected) << "forward order hides this race";
  EXPECT_NE(run({Order::forward, Order::reverse, 1}), expected) << "reverse order must expose it";
  EXPECT_NE(run({Order::forward, Order::random, 3}), expected) << "random order must expose it";
}

TEST(SeededBugs, ShuffleReadingALaneOutsideTheMaskIsReportedWithItsLine) {
  DeviceBuffer<float> in(random_floats(32, 0.0f, 1.0f, 4)), out(32);
  const std::string msg = launch_failure([&] { shuffle_outside_mask(in.get(), out.get()); });
  EXPECT_CONTAINS(msg, "__shfl_down_sync at ");
  EXPECT_CONTAINS(msg, at(shuffle_outside_mask_line()));
  EXPECT_CONTAINS(msg, "thread (8,0,0) of block (0,0,0)");
  EXPECT_CONTAINS(msg, "reads lane 16, which is not in the mask");
  EXPECT_CONTAINS(msg, "cudaErrorLaunchFailure");
}

TEST(SeededBugs, BarrierAfterEarlyReturnIsReportedAsDeadlockNamingAThread) {
  DeviceBuffer<float> data(64);
  const std::string msg = launch_failure([&] { barrier_after_early_return(data.get(), 40); });
  EXPECT_CONTAINS(msg, "deadlock: barrier after early return");
  EXPECT_CONTAINS(msg, "thread (0,0,0) of block (0,0,0)");
  EXPECT_CONTAINS(msg, "__syncthreads at ");
  EXPECT_CONTAINS(msg, at(barrier_after_early_return_line()));
  EXPECT_CONTAINS(msg, "24 thread(s)");
  EXPECT_CONTAINS(msg, "(first: thread (40,0,0))");
}

TEST(SeededBugs, DivergentBarriersAreReportedWithBothLines) {
  DeviceBuffer<float> data(64);
  for (const NamedSchedule& s : all_schedules()) {
    ScopedSchedule scoped(s.schedule);
    const std::string msg = launch_failure([&] { divergent_barriers(data.get()); });
    EXPECT_CONTAINS(msg, "divergent barriers");
    EXPECT_CONTAINS(msg, at(divergent_barriers_line_a()));
    EXPECT_CONTAINS(msg, at(divergent_barriers_line_b()));
  }
}

TEST(SeededBugs, HalfAWarpShufflingWhileTheRestWaitsAtABarrier) {
  DeviceBuffer<float> data(32);
  const std::string msg = launch_failure([&] { half_warp_shuffle(data.get()); });
  EXPECT_CONTAINS(msg, "deadlock");
  EXPECT_CONTAINS(msg, "thread (0,0,0) of block (0,0,0) [lane 0 of warp 0] waits at __shfl_xor_sync(mask 0xffffffff)");
  EXPECT_CONTAINS(msg, at(half_warp_shuffle_line()) + " for lane 16");
  EXPECT_CONTAINS(msg, "waits at the block barrier __syncthreads at ");
  EXPECT_CONTAINS(msg, at(half_warp_shuffle_line() + 1));
}

TEST(SeededBugs, CallerOutsideItsOwnMask) {
  ScopedSchedule forward({Order::forward, Order::forward, 1});  // lane 16 is then the first offender
  DeviceBuffer<float> data(32);
  const std::string msg = launch_failure([&] { not_in_own_mask(data.get()); });
  EXPECT_CONTAINS(msg, "__shfl_xor_sync at ");
  EXPECT_CONTAINS(msg, "thread (16,0,0) of block (0,0,0)");
  EXPECT_CONTAINS(msg, "does not include its own lane 16");
}

TEST(SeededBugs, ExceptionInAKernelAbortsTheLaunch) {
  ScopedSchedule forward({Order::forward, Order::forward, 1});  // thread 40 is then the first to throw
  DeviceBuffer<float> data(40), out(64);
  const std::string msg = launch_failure([&] { throwing_kernel(data.get(), 40, out.get(), 64); });
  EXPECT_CONTAINS(msg, "thread (40,0,0) of block (0,0,0)");
  EXPECT_CONTAINS(msg, "threw std::out_of_range: checked_load: index 40 >= size 40");
}

TEST(SeededBugs, AbortedLaunchUnwindsEveryThread) {
  const std::string msg = launch_failure([] { unwinding_kernel(96, 10); });
  EXPECT_CONTAINS(msg, "barrier after early return");
  EXPECT_EQ(destroyed_objects(), 96) << "waiting threads must be unwound, running their destructors";
  // The fibers are reusable afterwards.
  DeviceBuffer<float> data(64);
  std::vector<float> host(64, 1.0f);
  data.upload(host);
  barrier_after_early_return(data.get(), 64);
  for (float v : data.download()) EXPECT_EQ(v, 3.0f);
}

TEST(SeededBugs, LaunchFailureIsVisibleThroughGetLastError) {
  // A launch straight through the emulator (no hg::cuda::launch, which consumes the error).
  struct Body {
    static void run(void*) {
      if (threadIdx.x == 0) return;
      __syncthreads();
    }
  };
  const cudaError_t err = hg::simt::launch_kernel(reinterpret_cast<const void*>(&Body::run), dim3(1), dim3(2), 0,
                                                  nullptr, &Body::run, nullptr);
  EXPECT_EQ(err, cudaErrorLaunchFailure);
  EXPECT_EQ(cudaPeekAtLastError(), cudaErrorLaunchFailure);
  EXPECT_EQ(cudaGetLastError(), cudaErrorLaunchFailure);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  EXPECT_CONTAINS(hg::simt::last_error_message(), "barrier after early return");
  EXPECT_CONTAINS(cudaGetErrorString(cudaErrorLaunchFailure), "unspecified launch failure: deadlock");
}

TEST(SeededBugsDeathTest, StackOverflowNamesTheThread) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(stack_overflow_kernel(),
               "stack overflow in an emulated GPU thread \\(block \\(0,0,0\\) thread \\(0,0,0\\)\\)");
}

}  // namespace
}  // namespace hg::simt_test
