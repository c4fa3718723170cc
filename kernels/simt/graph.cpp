// graph.cpp: stream capture and CUDA graphs on the emulator. While a stream captures, the work
// issued to it (kernel launches, async copies and memsets, cuBLAS calls) is recorded instead of
// run; cudaStreamEndCapture hands the recording over as a graph, cudaGraphInstantiate makes an
// executable copy, and cudaGraphLaunch replays its work in recording order (streams are
// synchronous here, so a graph is one linear chain). Calls a real capture forbids (synchronizing
// the capturing stream; in global or thread-local mode, cudaMalloc, cudaFree, synchronous copies
// and device synchronization) fail with cudaErrorStreamCaptureUnsupported and invalidate the
// capture, whose cudaStreamEndCapture then fails with cudaErrorStreamCaptureInvalidated.
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "errors.h"
#include "runtime_api.h"
#include "runtime_internal.h"

// The toolkit only declares these: a graph and its executable form are both a list of work.
struct CUgraph_st {
  std::vector<std::shared_ptr<hg::simt::detail::RecordedWork>> nodes;
};
struct CUgraphExec_st {
  std::vector<std::shared_ptr<hg::simt::detail::RecordedWork>> nodes;
};

namespace hg::simt::detail {
namespace {

struct Capture {
  cudaStreamCaptureMode mode = cudaStreamCaptureModeGlobal;
  bool invalidated = false;
  std::vector<std::shared_ptr<RecordedWork>> nodes;
};

struct Captures {
  std::mutex mutex;
  std::map<cudaStream_t, Capture> by_stream;
  std::vector<cudaGraph_t> graphs;
  std::vector<cudaGraphExec_t> execs;
};

Captures& captures() {
  static Captures c;
  return c;
}

template <class T>
bool erase_handle(std::vector<T>& handles, T h) {
  for (auto it = handles.begin(); it != handles.end(); ++it) {
    if (*it == h) {
      handles.erase(it);
      return true;
    }
  }
  return false;
}

}  // namespace

bool record_if_capturing(cudaStream_t stream, std::shared_ptr<RecordedWork> work) {
  Captures& c = captures();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.by_stream.find(stream);
  if (it == c.by_stream.end()) return false;
  if (!it->second.invalidated) it->second.nodes.push_back(std::move(work));
  return true;
}

bool is_capturing(cudaStream_t stream) {
  Captures& c = captures();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.by_stream.count(stream) != 0;
}

cudaError_t check_capture_safe(const char* api, cudaStream_t stream, bool synchronizes_stream) {
  Captures& c = captures();
  std::string culprit;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    for (auto& [s, capture] : c.by_stream) {
      const bool hits = (synchronizes_stream && s == stream) ||
                        (stream == nullptr && capture.mode != cudaStreamCaptureModeRelaxed);
      if (!hits) continue;
      capture.invalidated = true;
      culprit = format("%p", (void*)s);
    }
  }
  if (culprit.empty()) return cudaSuccess;
  return fail(cudaErrorStreamCaptureUnsupported,
              format("%s is not allowed while stream %s is capturing; the capture is invalidated",
                     api, culprit.c_str()));
}

}  // namespace hg::simt::detail

using hg::simt::detail::fail;
using hg::simt::detail::format;

cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode mode) {
  if (stream == nullptr || stream == cudaStreamLegacy || stream == cudaStreamPerThread)
    return fail(cudaErrorStreamCaptureUnsupported,
                "cudaStreamBeginCapture: the default stream cannot be captured");
  if (!hg::simt::detail::is_valid_stream(stream))
    return fail(cudaErrorInvalidResourceHandle,
                format("cudaStreamBeginCapture: stream %p is not a live stream", (void*)stream));
  if (mode != cudaStreamCaptureModeGlobal && mode != cudaStreamCaptureModeThreadLocal &&
      mode != cudaStreamCaptureModeRelaxed)
    return fail(
        cudaErrorInvalidValue,
        format("cudaStreamBeginCapture: mode %d is not a cudaStreamCaptureMode", int(mode)));
  hg::simt::detail::Captures& c = hg::simt::detail::captures();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (c.by_stream.count(stream) != 0)
    return fail(cudaErrorIllegalState,
                format("cudaStreamBeginCapture: stream %p is already capturing", (void*)stream));
  c.by_stream[stream].mode = mode;
  return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* pGraph) {
  if (pGraph == nullptr) return fail(cudaErrorInvalidValue, "cudaStreamEndCapture: null pGraph");
  *pGraph = nullptr;
  hg::simt::detail::Captures& c = hg::simt::detail::captures();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.by_stream.find(stream);
  if (it == c.by_stream.end())
    return fail(cudaErrorIllegalState,
                format("cudaStreamEndCapture: stream %p is not capturing", (void*)stream));
  hg::simt::detail::Capture capture = std::move(it->second);
  c.by_stream.erase(it);
  if (capture.invalidated)
    return fail(cudaErrorStreamCaptureInvalidated,
                format("cudaStreamEndCapture: the capture of stream %p was invalidated by a call "
                       "it does not allow",
                       (void*)stream));
  auto* graph = new CUgraph_st;
  graph->nodes = std::move(capture.nodes);
  c.graphs.push_back(graph);
  *pGraph = graph;
  return cudaSuccess;
}

cudaError_t cudaStreamIsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* pCaptureStatus) {
  if (pCaptureStatus == nullptr)
    return fail(cudaErrorInvalidValue, "cudaStreamIsCapturing: null pCaptureStatus");
  if (!hg::simt::detail::is_valid_stream(stream))
    return fail(cudaErrorInvalidResourceHandle,
                format("cudaStreamIsCapturing: stream %p is not a live stream", (void*)stream));
  hg::simt::detail::Captures& c = hg::simt::detail::captures();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.by_stream.find(stream);
  *pCaptureStatus = it == c.by_stream.end()  ? cudaStreamCaptureStatusNone
                    : it->second.invalidated ? cudaStreamCaptureStatusInvalidated
                                             : cudaStreamCaptureStatusActive;
  return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* pGraphExec, cudaGraph_t graph,
                                 unsigned long long /*flags*/) {
  if (pGraphExec == nullptr)
    return fail(cudaErrorInvalidValue, "cudaGraphInstantiate: null pGraphExec");
  *pGraphExec = nullptr;
  hg::simt::detail::Captures& c = hg::simt::detail::captures();
  std::lock_guard<std::mutex> lock(c.mutex);
  bool live = false;
  for (cudaGraph_t g : c.graphs)
    live = live || g == graph;
  if (!live)
    return fail(cudaErrorInvalidValue,
                format("cudaGraphInstantiate: %p is not a live graph", (void*)graph));
  auto* exec = new CUgraphExec_st;
  exec->nodes = graph->nodes;  // the recorded work is immutable, so sharing it is a copy
  c.execs.push_back(exec);
  *pGraphExec = exec;
  return cudaSuccess;
}

cudaError_t cudaGraphLaunch(cudaGraphExec_t graphExec, cudaStream_t stream) {
  if (!hg::simt::detail::is_valid_stream(stream))
    return fail(cudaErrorInvalidResourceHandle,
                format("cudaGraphLaunch: stream %p is not a live stream", (void*)stream));
  std::vector<std::shared_ptr<hg::simt::detail::RecordedWork>> nodes;
  {
    hg::simt::detail::Captures& c = hg::simt::detail::captures();
    std::lock_guard<std::mutex> lock(c.mutex);
    bool live = false;
    for (cudaGraphExec_t e : c.execs)
      live = live || e == graphExec;
    if (!live)
      return fail(cudaErrorInvalidValue,
                  format("cudaGraphLaunch: %p is not a live executable graph", (void*)graphExec));
    nodes = graphExec->nodes;
  }
  hg::simt::detail::count_graph_launch();
  // A graph launched into a capturing stream becomes part of that capture.
  if (hg::simt::detail::is_capturing(stream)) {
    for (auto& node : nodes)
      hg::simt::detail::record_if_capturing(stream, node);
    return cudaSuccess;
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    const cudaError_t err = nodes[i]->run();
    if (err != cudaSuccess) return err;  // the node recorded its own message
  }
  return cudaSuccess;
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  hg::simt::detail::Captures& c = hg::simt::detail::captures();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (!hg::simt::detail::erase_handle(c.graphs, graph))
    return fail(cudaErrorInvalidValue,
                format("cudaGraphDestroy: %p is not a live graph", (void*)graph));
  delete graph;
  return cudaSuccess;
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t graphExec) {
  hg::simt::detail::Captures& c = hg::simt::detail::captures();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (!hg::simt::detail::erase_handle(c.execs, graphExec))
    return fail(
        cudaErrorInvalidValue,
        format("cudaGraphExecDestroy: %p is not a live executable graph", (void*)graphExec));
  delete graphExec;
  return cudaSuccess;
}
