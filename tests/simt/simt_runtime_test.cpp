// simt_runtime_test.cpp: the emulated CUDA runtime: copies and their direction checks, memory
// bookkeeping, streams, events, device queries, launch validation and error reporting.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "test_util.h"

namespace hg::simt_test {
namespace {

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "expected \"" << (part) << "\" in:\n" << (text)

TEST(Memory, CopiesRoundTrip) {
  std::vector<float> host(100);
  for (int i = 0; i < 100; ++i) host[i] = i * 0.5f;
  DeviceBuffer<float> a(host), b(100);
  ASSERT_EQ(cudaMemcpy(b.get(), a.get(), 100 * sizeof(float), cudaMemcpyDeviceToDevice), cudaSuccess);
  EXPECT_EQ(b.download(), host);
  ASSERT_EQ(cudaMemcpyAsync(b.get() + 10, a.get(), 10 * sizeof(float), cudaMemcpyDefault), cudaSuccess);
  EXPECT_EQ(b.download()[15], 2.5f);
  ASSERT_EQ(cudaMemset(b.get(), 0, 100 * sizeof(float)), cudaSuccess);
  EXPECT_EQ(b.download(), std::vector<float>(100, 0.0f));
}

TEST(Memory, FreshAllocationsReadAsNaN) {
  DeviceBuffer<float> a(16);
  for (float v : a.download()) EXPECT_TRUE(v != v);
}

TEST(Memory, CopyFromANonDevicePointerAsDeviceSourceIsAnError) {
  std::vector<float> not_device(8, 1.0f), dst(8);
  const cudaError_t err = cudaMemcpy(dst.data(), not_device.data(), 8 * sizeof(float), cudaMemcpyDeviceToHost);
  EXPECT_EQ(err, cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  EXPECT_CONTAINS(hg::simt::last_error_message(), "cudaMemcpy(cudaMemcpyDeviceToHost): source");
  EXPECT_CONTAINS(hg::simt::last_error_message(), "is not device memory");
}

TEST(Memory, WrongDirectionsAndOverrunsAreErrors) {
  DeviceBuffer<float> d(8);
  std::vector<float> h(16);
  // A device pointer where the direction says host memory.
  EXPECT_EQ(cudaMemcpy(d.get(), d.get(), 8 * sizeof(float), cudaMemcpyHostToDevice), cudaErrorInvalidValue);
  EXPECT_CONTAINS(hg::simt::last_error_message(), "is device memory");
  // Copying past the end of the allocation.
  EXPECT_EQ(cudaMemcpy(h.data(), d.get(), 16 * sizeof(float), cudaMemcpyDeviceToHost), cudaErrorInvalidValue);
  EXPECT_CONTAINS(hg::simt::last_error_message(), "overrun");
  EXPECT_EQ(cudaMemset(h.data(), 0, 4), cudaErrorInvalidValue);
  EXPECT_EQ(cudaMemcpy(h.data(), d.get(), 4, static_cast<cudaMemcpyKind>(5)), cudaErrorInvalidMemcpyDirection);
  cudaGetLastError();
}

TEST(Memory, FreeChecksItsPointer) {
  void* p = nullptr;
  ASSERT_EQ(cudaMalloc(&p, 64), cudaSuccess);
  EXPECT_EQ(cudaFree(static_cast<char*>(p) + 4), cudaErrorInvalidValue);
  EXPECT_EQ(cudaFree(p), cudaSuccess);
  EXPECT_EQ(cudaFree(p), cudaErrorInvalidValue) << "double free";
  EXPECT_EQ(cudaFree(nullptr), cudaSuccess);
  int on_stack = 0;
  EXPECT_EQ(cudaFree(&on_stack), cudaErrorInvalidValue);
  cudaGetLastError();
}

TEST(Memory, PinnedHostMemoryAndMemGetInfo) {
  float* pinned = nullptr;
  ASSERT_EQ(cudaMallocHost(&pinned, 32 * sizeof(float)), cudaSuccess);
  DeviceBuffer<float> d(32);
  std::memset(pinned, 0, 32 * sizeof(float));
  EXPECT_EQ(cudaMemcpy(pinned, d.get(), 32 * sizeof(float), cudaMemcpyDeviceToHost), cudaSuccess);
  EXPECT_EQ(cudaMemcpy(d.get(), pinned, 32 * sizeof(float), cudaMemcpyDeviceToDevice), cudaErrorInvalidValue);
  EXPECT_CONTAINS(hg::simt::last_error_message(), "pinned host memory");
  EXPECT_EQ(cudaFreeHost(pinned), cudaSuccess);
  EXPECT_EQ(cudaFreeHost(pinned), cudaErrorInvalidValue);
  cudaGetLastError();

  size_t free_before = 0, total = 0, free_after = 0;
  ASSERT_EQ(cudaMemGetInfo(&free_before, &total), cudaSuccess);
  void* p = nullptr;
  ASSERT_EQ(cudaMalloc(&p, 1 << 20), cudaSuccess);
  ASSERT_EQ(cudaMemGetInfo(&free_after, &total), cudaSuccess);
  EXPECT_EQ(free_before - free_after, size_t{1} << 20);
  EXPECT_EQ(cudaFree(p), cudaSuccess);
  EXPECT_EQ(cudaMalloc(&p, total + 1), cudaErrorMemoryAllocation);
  EXPECT_EQ(p, nullptr);
  cudaGetLastError();
}

TEST(StreamsAndEvents, LifecycleAndTiming) {
  cudaStream_t s = nullptr;
  ASSERT_EQ(cudaStreamCreate(&s), cudaSuccess);
  cudaEvent_t start = nullptr, stop = nullptr;
  ASSERT_EQ(cudaEventCreate(&start), cudaSuccess);
  ASSERT_EQ(cudaEventCreate(&stop), cudaSuccess);
  float ms = -1.0f;
  EXPECT_EQ(cudaEventElapsedTime(&ms, start, stop), cudaErrorInvalidResourceHandle) << "not recorded yet";
  EXPECT_EQ(cudaEventRecord(start, s), cudaSuccess);
  DeviceBuffer<float> d(1000);
  EXPECT_EQ(cudaMemsetAsync(d.get(), 0, 1000 * sizeof(float), s), cudaSuccess);
  EXPECT_EQ(cudaEventRecord(stop, s), cudaSuccess);
  EXPECT_EQ(cudaEventSynchronize(stop), cudaSuccess);
  EXPECT_EQ(cudaEventElapsedTime(&ms, start, stop), cudaSuccess);
  EXPECT_GE(ms, 0.0f);
  EXPECT_EQ(cudaStreamWaitEvent(s, stop), cudaSuccess);
  EXPECT_EQ(cudaStreamSynchronize(s), cudaSuccess);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(cudaEventDestroy(start), cudaSuccess);
  EXPECT_EQ(cudaEventDestroy(stop), cudaSuccess);
  EXPECT_EQ(cudaStreamDestroy(s), cudaSuccess);
  EXPECT_EQ(cudaStreamSynchronize(s), cudaErrorInvalidResourceHandle) << "destroyed stream";
  EXPECT_EQ(cudaStreamDestroy(s), cudaErrorInvalidResourceHandle);
  EXPECT_EQ(cudaStreamSynchronize(cudaStreamPerThread), cudaSuccess);
  cudaGetLastError();
}

TEST(Device, QueriesDescribeTheEmulator) {
  int count = 0, device = -1, version = 0;
  EXPECT_EQ(cudaGetDeviceCount(&count), cudaSuccess);
  EXPECT_EQ(count, 1);
  EXPECT_EQ(cudaSetDevice(0), cudaSuccess);
  EXPECT_EQ(cudaSetDevice(1), cudaErrorInvalidDevice);
  EXPECT_EQ(cudaGetDevice(&device), cudaSuccess);
  EXPECT_EQ(device, 0);
  cudaDeviceProp prop;
  ASSERT_EQ(cudaGetDeviceProperties(&prop, 0), cudaSuccess);
  EXPECT_STREQ(prop.name, "hourglass SIMT emulator");
  EXPECT_EQ(prop.warpSize, 32);
  EXPECT_EQ(prop.maxThreadsPerBlock, 1024);
  EXPECT_EQ(prop.sharedMemPerBlock, size_t{48} * 1024);
  EXPECT_GT(prop.multiProcessorCount, 0);
  EXPECT_GT(prop.totalGlobalMem, size_t{0});
  int sms = 0;
  EXPECT_EQ(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0), cudaSuccess);
  EXPECT_EQ(sms, prop.multiProcessorCount);
  EXPECT_EQ(cudaRuntimeGetVersion(&version), cudaSuccess);
  EXPECT_GE(version, 12000);
  EXPECT_EQ(cudaDriverGetVersion(&version), cudaSuccess);
  cudaGetLastError();
}

TEST(Errors, CheckMacroMessage) {
  try {
    HG_CUDA_CHECK(cudaSetDevice(3));
    ADD_FAILURE() << "HG_CUDA_CHECK did not throw";
  } catch (const hg::kernels::DeviceError& e) {
    const std::string msg = e.what();
    EXPECT_CONTAINS(msg, "simt_runtime_test.cpp:");
    EXPECT_CONTAINS(msg, ": cudaSetDevice(3): cudaErrorInvalidDevice: invalid device ordinal");
    EXPECT_CONTAINS(msg, "only device 0");
  }
  cudaGetLastError();
  EXPECT_STREQ(cudaGetErrorName(cudaSuccess), "cudaSuccess");
  EXPECT_STREQ(cudaGetErrorString(cudaErrorMemoryAllocation), "out of memory");
}

// A kernel body for launches straight through the emulator.
void noop_body(void*) {}

TEST(Launch, ConfigurationIsValidated) {
  const void* kernel = reinterpret_cast<const void*>(&noop_body);
  EXPECT_EQ(hg::simt::launch_kernel(kernel, dim3(1), dim3(1025), 0, nullptr, noop_body, nullptr),
            cudaErrorInvalidConfiguration);
  EXPECT_EQ(hg::simt::launch_kernel(kernel, dim3(1), dim3(1, 1, 65), 0, nullptr, noop_body, nullptr),
            cudaErrorInvalidConfiguration);
  EXPECT_EQ(hg::simt::launch_kernel(kernel, dim3(1, 65536), dim3(32), 0, nullptr, noop_body, nullptr),
            cudaErrorInvalidConfiguration);
  EXPECT_EQ(hg::simt::launch_kernel(kernel, dim3(0), dim3(32), 0, nullptr, noop_body, nullptr),
            cudaErrorInvalidConfiguration);
  EXPECT_EQ(hg::simt::launch_kernel(kernel, dim3(2), dim3(32, 32), 0, nullptr, noop_body, nullptr), cudaSuccess);
  // Dynamic shared memory above 48 KiB needs the opt-in attribute.
  EXPECT_EQ(hg::simt::launch_kernel(kernel, dim3(1), dim3(32), 64 * 1024, nullptr, noop_body, nullptr),
            cudaErrorInvalidValue);
  EXPECT_CONTAINS(hg::simt::last_error_message(), "cudaFuncAttributeMaxDynamicSharedMemorySize");
  EXPECT_EQ(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, 64 * 1024), cudaSuccess);
  EXPECT_EQ(hg::simt::launch_kernel(kernel, dim3(1), dim3(32), 64 * 1024, nullptr, noop_body, nullptr), cudaSuccess);
  // A destroyed stream.
  cudaStream_t s = nullptr;
  ASSERT_EQ(cudaStreamCreate(&s), cudaSuccess);
  ASSERT_EQ(cudaStreamDestroy(s), cudaSuccess);
  EXPECT_EQ(hg::simt::launch_kernel(kernel, dim3(1), dim3(32), 0, s, noop_body, nullptr),
            cudaErrorInvalidResourceHandle);
  cudaGetLastError();
}

TEST(Launch, IntrinsicsOutsideAKernelThrow) {
  EXPECT_FALSE(hg::simt::in_kernel());
  EXPECT_THROW(__syncthreads(), std::logic_error);
}

}  // namespace
}  // namespace hg::simt_test
