// The table behind a multi-tensor optimizer step: one operation (one parallel loop on the CPU,
// one launch on CUDA) updates every parameter, reading its pointers, size and step count from a
// table in the backend's memory. The table also holds the per-step scalars (learning rate, step
// counts) so that the same launch, with the same arguments, can be replayed step after step (a
// CUDA graph): the step advances the counts itself, and set_lr rewrites the stored rate.
//
// Layout of the table block (backend memory, 64-byte aligned by the allocators):
//   MultiTensorHeader, then MultiTensorEntry[tensors], in parameter order.
// Work is split into chunks of kMultiTensorChunk elements; a tensor of n elements owns
// ceil(n / kMultiTensorChunk) consecutive chunks starting at its entry's first_chunk (the prefix
// sum of the chunk counts before it), so chunk c belongs to the last entry whose first_chunk <= c.
#pragma once

#include <cstdint>

#include "hourglass/kernels/common/host_device.h"

namespace hg::kernels {

// Elements per chunk: one CUDA block's share (16 per thread at 256 threads), and on the CPU a
// unit of the parallel loop small enough to balance two threads over a few tensors.
constexpr int64_t kMultiTensorChunk = 4096;

struct MultiTensorHeader {
  float lr = 0.0f;  // the learning rate the kernels use; written by set_lr
  float unused = 0.0f;
  int64_t reserved = 0;
};

struct MultiTensorEntry {
  float* w = nullptr;
  const float* g = nullptr;
  float* state0 = nullptr;  // exp_avg, square_avg, sum or momentum_buffer (null if none)
  float* state1 = nullptr;  // exp_avg_sq or acc_delta (null if none)
  int64_t n = 0;
  int64_t first_chunk = 0;
  // Updates of this tensor done before this step; the step adds one after using it, on the
  // device. Adam's bias corrections and Adagrad's decay use step + 1; SGD treats 0 as "the
  // momentum buffer is not initialised yet".
  int64_t step = 0;
  int64_t reserved = 0;  // pads the entry to 64 bytes
};

// What a backend's multi-tensor step receives: the table block and its counts.
struct MultiTensorTable {
  void* block = nullptr;  // backend memory: header followed by the entries
  int64_t tensors = 0;
  int64_t chunks = 0;    // total over all entries
  int64_t elements = 0;  // total over all entries
};

inline int64_t multi_tensor_chunks(int64_t n) {
  return (n + kMultiTensorChunk - 1) / kMultiTensorChunk;
}

HG_HOST_DEVICE const MultiTensorHeader* multi_tensor_header(const void* block) {
  return static_cast<const MultiTensorHeader*>(block);
}

HG_HOST_DEVICE MultiTensorEntry* multi_tensor_entries(void* block) {
  return reinterpret_cast<MultiTensorEntry*>(static_cast<char*>(block) + sizeof(MultiTensorHeader));
}

// The entry owning chunk c (0 <= c < total chunks): binary search for the last entry with
// first_chunk <= c. Entries with n == 0 own no chunk and are never returned when a later entry
// starts at the same chunk.
HG_HOST_DEVICE int64_t multi_tensor_entry_of_chunk(const MultiTensorEntry* entries, int64_t tensors,
                                                   int64_t c) {
  int64_t lo = 0,
          hi = tensors - 1;  // invariant: entries[lo].first_chunk <= c (entry 0 starts at 0)
  while (lo < hi) {
    const int64_t mid = (lo + hi + 1) / 2;
    if (entries[mid].first_chunk <= c)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

}  // namespace hg::kernels
