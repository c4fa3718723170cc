// CUDA multi-tensor optimizer steps: one launch updates every parameter, one block per chunk of
// kMultiTensorChunk elements (multi_tensor.h), with the per-element rules and per-step scalars
// shared with the CPU twin (common/multi_tensor_rules.h). Each block reads the learning rate and
// its tensor's step count from the table in device memory, and a second one-block launch then
// advances the step counts there, so the pair of launches has the same arguments every step and
// can be captured once in a CUDA graph and replayed.
#include "cuda_platform.cuh"

#include "cuda_backend_impl.cuh"
#include "hourglass/kernels/common/multi_tensor_rules.h"

namespace hg::kernels::cuda {

namespace {

constexpr int kThreads = 256;

// Block b updates chunk b (b < chunks): its tensor is found by a binary search over the entries'
// first_chunk prefix (multi_tensor_entry_of_chunk), its slice is
// [(b - first_chunk) * kMultiTensorChunk, + kMultiTensorChunk) clipped to the tensor's size, and
// thread t takes elements t, t + blockDim.x, ... of it (consecutive threads, consecutive
// addresses).
template <class Rule>
__global__ void multi_tensor_step_kernel(Rule rule, void* block, int64_t tensors) {
  multi_tensor_update_chunk(rule, block, tensors, static_cast<int64_t>(blockIdx.x),
                            static_cast<int64_t>(threadIdx.x), static_cast<int64_t>(blockDim.x));
}

// After the update: every entry's step count + 1 (ordered after the update on the stream).
__global__ void multi_tensor_advance_kernel(void* block, int64_t tensors) {
  MultiTensorEntry* entries = multi_tensor_entries(block);
  for (int64_t t = threadIdx.x; t < tensors; t += blockDim.x)
    ++entries[t].step;
}

template <class Rule>
void multi_step(const CudaBackend& backend, const MultiTensorTable& table, const Rule& rule) {
  if (table.tensors <= 0) return;
  backend.activate();
  if (table.chunks > 0)
    hg::cuda::launch(multi_tensor_step_kernel<Rule>, dim3(static_cast<unsigned>(table.chunks)),
                     dim3(kThreads), 0, backend.stream(), rule, table.block, table.tensors);
  hg::cuda::launch(multi_tensor_advance_kernel, dim3(1), dim3(kThreads), 0, backend.stream(),
                   table.block, table.tensors);
}

}  // namespace

void CudaBackend::sgd_multi_step(const MultiTensorTable& table, const SgdParams& p) {
  multi_step(*this, table, SgdRule{p});
}

void CudaBackend::adam_multi_step(const MultiTensorTable& table, const AdamParams& p) {
  multi_step(*this, table, AdamRule{p});
}

void CudaBackend::adadelta_multi_step(const MultiTensorTable& table, const AdadeltaParams& p) {
  multi_step(*this, table, AdadeltaRule{p});
}

void CudaBackend::adagrad_multi_step(const MultiTensorTable& table, const AdagradParams& p) {
  multi_step(*this, table, AdagradRule{p});
}

}  // namespace hg::kernels::cuda
