// simt_graph_test.cpp: stream capture and CUDA graphs on the emulator (kernels/simt/graph.cpp):
// a capturing stream records launches, copies and cuBLAS calls without running them; a graph
// replays them in order with the arguments they were captured with; calls a capture forbids
// invalidate it; the launch counters count issued launches, not replays.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.h"

namespace hg::simt_test {
namespace {

__global__ void add_value(float* p, float value, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) p[i] += value;
}

class Stream {
 public:
  Stream() { HG_CUDA_CHECK(cudaStreamCreate(&s_)); }
  ~Stream() { (void)cudaStreamDestroy(s_); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return s_; }

 private:
  cudaStream_t s_ = nullptr;
};

TEST(Graph, CaptureRecordsAndLaunchReplaysInOrderWithCapturedArguments) {
  Stream stream;
  DeviceBuffer<float> x(std::vector<float>(37, 0.0f)), y(std::vector<float>(37, -1.0f));
  ASSERT_EQ(cudaStreamBeginCapture(stream.get(), cudaStreamCaptureModeGlobal), cudaSuccess);
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  ASSERT_EQ(cudaStreamIsCapturing(stream.get(), &status), cudaSuccess);
  EXPECT_EQ(status, cudaStreamCaptureStatusActive);
  float value = 1.5f;
  hg::cuda::launch(add_value, dim3(2), dim3(32), 0, stream.get(), x.get(), value, 37);
  value = 100.0f;  // the launch keeps the value it was captured with
  ASSERT_EQ(
      cudaMemcpyAsync(y.get(), x.get(), 37 * sizeof(float), cudaMemcpyDeviceToDevice, stream.get()),
      cudaSuccess);
  cudaGraph_t graph = nullptr;
  ASSERT_EQ(cudaStreamEndCapture(stream.get(), &graph), cudaSuccess);
  ASSERT_NE(graph, nullptr);
  EXPECT_EQ(x.download(), std::vector<float>(37, 0.0f)) << "a captured launch ran";
  EXPECT_EQ(y.download(), std::vector<float>(37, -1.0f)) << "a captured copy ran";
  cudaGraphExec_t exec = nullptr;
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
  ASSERT_EQ(cudaGraphLaunch(exec, stream.get()), cudaSuccess);
  EXPECT_EQ(y.download(), std::vector<float>(37, 1.5f));
  ASSERT_EQ(cudaGraphLaunch(exec, stream.get()), cudaSuccess);
  EXPECT_EQ(x.download(), std::vector<float>(37, 3.0f));
  EXPECT_EQ(y.download(), std::vector<float>(37, 3.0f));  // the copy ran after the second add
  EXPECT_EQ(cudaGraphExecDestroy(exec), cudaSuccess);
  EXPECT_EQ(cudaGraphDestroy(graph), cudaSuccess);
  EXPECT_EQ(cudaGraphLaunch(exec, stream.get()), cudaErrorInvalidValue);
  (void)cudaGetLastError();
}

TEST(Graph, CapturedCublasCallRunsOnReplay) {
  Stream stream;
  cublasHandle_t handle = nullptr;
  ASSERT_EQ(cublasCreate(&handle), CUBLAS_STATUS_SUCCESS);
  ASSERT_EQ(cublasSetStream(handle, stream.get()), CUBLAS_STATUS_SUCCESS);
  DeviceBuffer<float> a(std::vector<float>{1, 2, 3, 4}), b(std::vector<float>{1, 0, 0, 1}), c(4);
  const float one = 1.0f, zero = 0.0f;
  ASSERT_EQ(cudaStreamBeginCapture(stream.get(), cudaStreamCaptureModeGlobal), cudaSuccess);
  ASSERT_EQ(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &one, a.get(), 2, b.get(), 2,
                        &zero, c.get(), 2),
            CUBLAS_STATUS_SUCCESS);
  cudaGraph_t graph = nullptr;
  ASSERT_EQ(cudaStreamEndCapture(stream.get(), &graph), cudaSuccess);
  for (float v : c.download())
    EXPECT_TRUE(v != v) << "the captured product ran";  // still poisoned
  cudaGraphExec_t exec = nullptr;
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
  ASSERT_EQ(cudaGraphLaunch(exec, stream.get()), cudaSuccess);
  EXPECT_EQ(c.download(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(cudaGraphExecDestroy(exec), cudaSuccess);
  EXPECT_EQ(cudaGraphDestroy(graph), cudaSuccess);
  EXPECT_EQ(cublasDestroy(handle), CUBLAS_STATUS_SUCCESS);
}

TEST(Graph, SynchronizingTheCapturingStreamInvalidatesTheCapture) {
  Stream stream;
  ASSERT_EQ(cudaStreamBeginCapture(stream.get(), cudaStreamCaptureModeGlobal), cudaSuccess);
  EXPECT_EQ(cudaStreamSynchronize(stream.get()), cudaErrorStreamCaptureUnsupported);
  (void)cudaGetLastError();
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  ASSERT_EQ(cudaStreamIsCapturing(stream.get(), &status), cudaSuccess);
  EXPECT_EQ(status, cudaStreamCaptureStatusInvalidated);
  cudaGraph_t graph = nullptr;
  EXPECT_EQ(cudaStreamEndCapture(stream.get(), &graph), cudaErrorStreamCaptureInvalidated);
  EXPECT_EQ(graph, nullptr);
  (void)cudaGetLastError();
}

TEST(Graph, MallocIsRefusedInGlobalModeAndAllowedInRelaxedMode) {
  Stream stream;
  void* p = nullptr;
  ASSERT_EQ(cudaStreamBeginCapture(stream.get(), cudaStreamCaptureModeGlobal), cudaSuccess);
  EXPECT_EQ(cudaMalloc(&p, 64), cudaErrorStreamCaptureUnsupported);
  (void)cudaGetLastError();
  cudaGraph_t graph = nullptr;
  EXPECT_EQ(cudaStreamEndCapture(stream.get(), &graph), cudaErrorStreamCaptureInvalidated);
  (void)cudaGetLastError();
  ASSERT_EQ(cudaStreamBeginCapture(stream.get(), cudaStreamCaptureModeRelaxed), cudaSuccess);
  EXPECT_EQ(cudaMalloc(&p, 64), cudaSuccess);
  ASSERT_EQ(cudaStreamEndCapture(stream.get(), &graph), cudaSuccess);
  EXPECT_EQ(cudaFree(p), cudaSuccess);
  EXPECT_EQ(cudaGraphDestroy(graph), cudaSuccess);
}

TEST(Graph, TheDefaultStreamCannotBeCapturedNorEndedTwice) {
  EXPECT_EQ(cudaStreamBeginCapture(nullptr, cudaStreamCaptureModeGlobal),
            cudaErrorStreamCaptureUnsupported);
  (void)cudaGetLastError();
  Stream stream;
  cudaGraph_t graph = nullptr;
  EXPECT_EQ(cudaStreamEndCapture(stream.get(), &graph), cudaErrorIllegalState);
  (void)cudaGetLastError();
}

TEST(Graph, LaunchCountersCountIssuedLaunchesNotReplays) {
  Stream stream;
  DeviceBuffer<float> x(std::vector<float>(8, 0.0f));
  const long long kernels = hg::simt::kernel_launches();
  const long long graphs = hg::simt::graph_launches();
  hg::cuda::launch(add_value, dim3(1), dim3(8), 0, stream.get(), x.get(), 1.0f, 8);
  EXPECT_EQ(hg::simt::kernel_launches() - kernels, 1);
  ASSERT_EQ(cudaStreamBeginCapture(stream.get(), cudaStreamCaptureModeGlobal), cudaSuccess);
  hg::cuda::launch(add_value, dim3(1), dim3(8), 0, stream.get(), x.get(), 1.0f, 8);
  hg::cuda::launch(add_value, dim3(1), dim3(8), 0, stream.get(), x.get(), 1.0f, 8);
  cudaGraph_t graph = nullptr;
  ASSERT_EQ(cudaStreamEndCapture(stream.get(), &graph), cudaSuccess);
  EXPECT_EQ(hg::simt::kernel_launches() - kernels, 3);  // captured launches were issued
  cudaGraphExec_t exec = nullptr;
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(cudaGraphLaunch(exec, stream.get()), cudaSuccess);
  EXPECT_EQ(hg::simt::kernel_launches() - kernels, 3);
  EXPECT_EQ(hg::simt::graph_launches() - graphs, 3);
  EXPECT_EQ(x.download(), std::vector<float>(8, 7.0f));
  EXPECT_EQ(cudaGraphExecDestroy(exec), cudaSuccess);
  EXPECT_EQ(cudaGraphDestroy(graph), cudaSuccess);
}

}  // namespace
}  // namespace hg::simt_test
