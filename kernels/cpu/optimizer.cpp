// CPU bodies of the multi-tensor optimizer steps: one OpenMP loop over the chunks of every
// parameter (multi_tensor.h), each chunk updated by the per-element rule shared with the CUDA twin
// (common/multi_tensor_rules.h), then the table's step counts advanced. Elements are independent,
// so the result does not depend on how chunks are split among threads.
#include "cpu_backend.h"
#include "hourglass/kernels/common/multi_tensor_rules.h"

// One chunk's update is compiled for AVX-512, AVX2 and baseline x86-64 (function multiversioning:
// the loader picks the widest the CPU has). With -fno-math-errno and -ffp-contract=off
// (kernels/CMakeLists.txt) the element loop vectorizes without changing a bit: every version does
// the same IEEE operations per element, in the same order. Not under the sanitizers, whose
// runtime is not set up yet when the loader resolves the versions.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_UNDEFINED__)
#if defined(__has_feature)
#if !__has_feature(address_sanitizer) && !__has_feature(undefined_behavior_sanitizer)
#define HG_OPTIMIZER_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#else
#define HG_OPTIMIZER_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef HG_OPTIMIZER_CLONES
#define HG_OPTIMIZER_CLONES
#endif

namespace hg::kernels::cpu {

// Outside the anonymous namespace: multiversioned functions need an external symbol.
namespace optimizer_chunks {
HG_OPTIMIZER_CLONES void update(const SgdRule& r, void* block, int64_t tensors, int64_t c) {
  multi_tensor_update_chunk(r, block, tensors, c, 0, 1);
}
HG_OPTIMIZER_CLONES void update(const AdamRule& r, void* block, int64_t tensors, int64_t c) {
  multi_tensor_update_chunk(r, block, tensors, c, 0, 1);
}
HG_OPTIMIZER_CLONES void update(const AdadeltaRule& r, void* block, int64_t tensors, int64_t c) {
  multi_tensor_update_chunk(r, block, tensors, c, 0, 1);
}
HG_OPTIMIZER_CLONES void update(const AdagradRule& r, void* block, int64_t tensors, int64_t c) {
  multi_tensor_update_chunk(r, block, tensors, c, 0, 1);
}
}  // namespace optimizer_chunks

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
    optimizer_chunks::update(rule, block, tensors, c);
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
