// runtime_internal.h (internal): pieces of the emulated runtime shared between its source files.
#pragma once

#include <memory>

#include <driver_types.h>

namespace hg::simt::detail {

// True for the default stream (0, cudaStreamLegacy, cudaStreamPerThread) and for streams from
// cudaStreamCreate that were not destroyed.
bool is_valid_stream(cudaStream_t stream);

// ---- stream capture (graph.cpp) ----
// One piece of work a capturing stream recorded (a launch, a copy, a memset, a cuBLAS call): it
// owns copies of its arguments, so it can run any number of times after the call returned.
class RecordedWork {
 public:
  virtual ~RecordedWork() = default;
  virtual cudaError_t run() = 0;  // on failure the error is recorded (fail) as well as returned
};
// Records `work` when `stream` is capturing and returns true (an invalidated capture drops it);
// returns false otherwise, and the caller runs the work now.
bool record_if_capturing(cudaStream_t stream, std::shared_ptr<RecordedWork> work);
bool is_capturing(cudaStream_t stream);
// For calls a capture forbids: with `synchronizes_stream`, synchronizing `stream` (which must not
// capture); with stream == nullptr, a call that is unsafe during any global or thread-local mode
// capture (cudaMalloc, cudaFree, synchronous copies). Invalidates the offended captures and fails
// with cudaErrorStreamCaptureUnsupported; cudaSuccess when no capture is offended.
cudaError_t check_capture_safe(const char* api, cudaStream_t stream, bool synchronizes_stream);

// ---- launch counters (launch.cpp) ----
void count_graph_launch();

// Work given as any callable returning cudaError_t, copied into the record.
template <class F>
class RecordedCall final : public RecordedWork {
 public:
  explicit RecordedCall(F f) : f_(std::move(f)) {}
  cudaError_t run() override { return f_(); }

 private:
  F f_;
};
template <class F>
std::shared_ptr<RecordedWork> recorded_call(F f) {
  return std::make_shared<RecordedCall<F>>(std::move(f));
}

}  // namespace hg::simt::detail
