// The CUDA backend's launch counter, audits and stream capture (Backend's step-graph methods).
// A captured step becomes a CUDA graph (cudaStreamBeginCapture / cudaStreamEndCapture /
// cudaGraphInstantiate, replayed by cudaGraphLaunch). A graph keeps reading and writing the device
// addresses it was captured with, so the blocks its captured work allocated stay reserved for it
// (see allocate / deallocate in memory.cu) until it is destroyed.
#include "cuda_platform.cuh"

#include <utility>

#include "cuda_backend_impl.cuh"

namespace hg::kernels::cuda {

namespace {

class CudaStepGraph final : public StepGraph {
 public:
  CudaStepGraph(CudaBackend& backend, cudaGraph_t graph, cudaGraphExec_t exec,
                std::vector<void*> blocks, int64_t nodes)
      : backend_(backend), graph_(graph), exec_(exec), blocks_(std::move(blocks)), nodes_(nodes) {}
  ~CudaStepGraph() override {
    // Errors are ignored here (a destructor must not throw; at exit the driver may be gone).
    (void)cudaGraphExecDestroy(exec_);
    (void)cudaGraphDestroy(graph_);
    (void)cudaGetLastError();
    backend_.release_graph_blocks(blocks_);
  }
  CudaStepGraph(const CudaStepGraph&) = delete;
  CudaStepGraph& operator=(const CudaStepGraph&) = delete;

  void launch() override {
    backend_.activate();
    hg::cuda::launch_counter().fetch_add(1, std::memory_order_relaxed);
    HG_CUDA_CHECK(cudaGraphLaunch(exec_, backend_.stream()));
    if (hg::cuda::detail::sync_launches()) HG_CUDA_CHECK(cudaStreamSynchronize(backend_.stream()));
  }
  int64_t nodes() const override { return nodes_; }

 private:
  CudaBackend& backend_;
  cudaGraph_t graph_;
  cudaGraphExec_t exec_;
  std::vector<void*> blocks_;
  int64_t nodes_;
};

// Launches counted when a capture began.
thread_local long long g_launches_at_capture = 0;

}  // namespace

int64_t CudaBackend::kernel_launches() const {
  return hg::cuda::launch_counter().load(std::memory_order_relaxed);
}

void CudaBackend::note_unsupported(const char* what) {
  std::lock_guard<std::mutex> lock(graph_mutex_);
  if (watch_ != Watch::kNone && unsupported_.empty()) unsupported_ = what;
}

void CudaBackend::begin_audit() {
  std::lock_guard<std::mutex> lock(graph_mutex_);
  if (watch_ != Watch::kNone)
    throw std::logic_error("begin_audit: an audit or capture is already running");
  watch_ = Watch::kAudit;
  unsupported_.clear();
}

std::string CudaBackend::end_audit() {
  std::lock_guard<std::mutex> lock(graph_mutex_);
  if (watch_ != Watch::kAudit) throw std::logic_error("end_audit without begin_audit");
  watch_ = Watch::kNone;
  return std::move(unsupported_);
}

void CudaBackend::begin_capture() {
  activate();
  std::lock_guard<std::mutex> lock(graph_mutex_);
  if (watch_ != Watch::kNone)
    throw std::logic_error("begin_capture: an audit or capture is already running");
  // Global mode: a cudaMalloc, cudaFree or synchronous call during the capture is an error.
  HG_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeGlobal));
  watch_ = Watch::kCapture;
  unsupported_.clear();
  capture_blocks_.clear();
  capture_free_.clear();
  g_launches_at_capture = hg::cuda::launch_counter().load(std::memory_order_relaxed);
}

std::unique_ptr<StepGraph> CudaBackend::end_capture() {
  activate();
  std::unique_lock<std::mutex> lock(graph_mutex_);
  if (watch_ != Watch::kCapture) throw std::logic_error("end_capture without begin_capture");
  watch_ = Watch::kNone;
  const int64_t nodes =
      hg::cuda::launch_counter().load(std::memory_order_relaxed) - g_launches_at_capture;
  std::vector<void*> blocks;
  for (const auto& entry : capture_blocks_)
    blocks.push_back(entry.first);
  // Blocks freed during the capture are free again unless a graph takes them (below).
  std::vector<void*> freed;
  for (auto& entry : capture_free_)
    freed.insert(freed.end(), entry.second.begin(), entry.second.end());
  capture_blocks_.clear();
  capture_free_.clear();
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  cudaError_t err = cudaStreamEndCapture(stream_, &graph);
  if (err == cudaSuccess) err = cudaGraphInstantiate(&exec, graph, 0);
  if (err != cudaSuccess) {
    if (graph != nullptr) (void)cudaGraphDestroy(graph);
    lock.unlock();
    for (void* block : freed)
      allocator_.deallocate(block);
    HG_CUDA_CHECK(err);
  }
  for (void* block : blocks)
    ++reserved_[block];
  for (void* block : freed)
    parked_[block] = true;
  lock.unlock();
  return std::make_unique<CudaStepGraph>(*this, graph, exec, std::move(blocks), nodes);
}

void CudaBackend::release_graph_blocks(const std::vector<void*>& blocks) {
  std::vector<void*> back;
  {
    std::lock_guard<std::mutex> lock(graph_mutex_);
    for (void* block : blocks) {
      auto it = reserved_.find(block);
      if (it == reserved_.end() || --it->second > 0) continue;
      reserved_.erase(it);
      if (parked_.erase(block) != 0) back.push_back(block);
    }
  }
  for (void* block : back)
    allocator_.deallocate(block);
}

void* CudaBackend::allocate_pinned(size_t bytes) {
  activate();
  void* p = nullptr;
  HG_CUDA_CHECK(cudaMallocHost(&p, bytes == 0 ? 1 : bytes));
  return p;
}

void CudaBackend::free_pinned(void* ptr) {
  HG_CUDA_CHECK(cudaFreeHost(ptr));
}

void CudaBackend::copy_from_pinned(void* dst, const void* pinned, size_t bytes) {
  if (bytes == 0) return;
  activate();
  HG_CUDA_CHECK(cudaMemcpyAsync(dst, pinned, bytes, cudaMemcpyHostToDevice, stream_));
}

}  // namespace hg::kernels::cuda
