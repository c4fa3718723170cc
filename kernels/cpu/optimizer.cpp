// CPU bodies of the multi-tensor optimizer steps: one OpenMP loop over the chunks of every
// parameter (multi_tensor.h), each chunk updated by the per-element rule shared with the CUDA twin
// (common/multi_tensor_rules.h), then the table's step counts advanced. Elements are independent,
// so the result does not depend on how chunks are split among threads.
#include "cpu_backend.h"
#include "hourglass/kernels/common/multi_tensor_rules.h"

namespace hg::kernels::cpu {

namespace {

// Below this many elements in all the update is cheaper than waking the thread team.
constexpr int64_t kParallelThreshold = 1 << 15;

template <class Rule>
void multi_step(const MultiTensorTable& table, const Rule& rule) {
  if (table.tensors <= 0) return;
  void* block = table.block;
  const int64_t tensors = table.tensors;
#pragma omp parallel for schedule(static) if (table.elements >= kParallelThreshold)
  for (int64_t c = 0; c < table.chunks; ++c)
    multi_tensor_update_chunk(rule, block, tensors, c, 0, 1);
  MultiTensorEntry* entries = multi_tensor_entries(block);
  for (int64_t t = 0; t < tensors; ++t)
    ++entries[t].step;
}

}  // namespace

void CpuBackend::sgd_multi_step(const MultiTensorTable& table, const SgdParams& p) {
  multi_step(table, SgdRule{p});
}

void CpuBackend::adam_multi_step(const MultiTensorTable& table, const AdamParams& p) {
  multi_step(table, AdamRule{p});
}

void CpuBackend::adadelta_multi_step(const MultiTensorTable& table, const AdadeltaParams& p) {
  multi_step(table, AdadeltaRule{p});
}

void CpuBackend::adagrad_multi_step(const MultiTensorTable& table, const AdagradParams& p) {
  multi_step(table, AdagradRule{p});
}

}  // namespace hg::kernels::cpu
