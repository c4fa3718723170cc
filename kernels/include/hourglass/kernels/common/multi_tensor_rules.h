// The per-chunk body of the multi-tensor optimizer steps, shared by the CPU loop and the CUDA
// kernel so both run the same per-element rules (optimizer_math.h) with the same per-step scalars.
//
// A rule has scalars(lr, entry) -> S (the tensor's hyper-parameters for this step, read from the
// stored learning rate and the entry's step count) and update(entry, S, i) for element i.
#pragma once

#include <cstdint>

#include "hourglass/kernels/common/host_device.h"
#include "hourglass/kernels/common/optimizer_math.h"
#include "hourglass/kernels/multi_tensor.h"

namespace hg::kernels {

struct SgdRule {
  SgdParams p;
  HG_HOST_DEVICE SgdParams scalars(float lr, const MultiTensorEntry& e) const {
    SgdParams q = p;
    q.lr = lr;
    q.first_step = e.step == 0;
    return q;
  }
  HG_HOST_DEVICE void update(const MultiTensorEntry& e, const SgdParams& q, int64_t i) const {
    // Without momentum there is no buffer (state0 is null); the rule never touches it then.
    float unused = 0.0f;
    sgd_update(e.w[i], e.g[i], e.state0 != nullptr ? e.state0[i] : unused, q);
  }
};

struct AdamRule {
  AdamParams p;
  struct Scalars {
    AdamParams q;
    AdamScalars s;
  };
  HG_HOST_DEVICE Scalars scalars(float lr, const MultiTensorEntry& e) const {
    AdamParams q = p;
    q.lr = lr;
    q.step = e.step + 1;
    return Scalars{q, adam_scalars(q)};
  }
  HG_HOST_DEVICE void update(const MultiTensorEntry& e, const Scalars& s, int64_t i) const {
    adam_update(e.w[i], e.g[i], e.state0[i], e.state1[i], s.q, s.s);
  }
};

struct AdadeltaRule {
  AdadeltaParams p;
  HG_HOST_DEVICE AdadeltaParams scalars(float lr, const MultiTensorEntry&) const {
    AdadeltaParams q = p;
    q.lr = lr;
    return q;
  }
  HG_HOST_DEVICE void update(const MultiTensorEntry& e, const AdadeltaParams& q, int64_t i) const {
    adadelta_update(e.w[i], e.g[i], e.state0[i], e.state1[i], q);
  }
};

struct AdagradRule {
  AdagradParams p;
  struct Scalars {
    AdagradParams q;
    float clr;
  };
  HG_HOST_DEVICE Scalars scalars(float lr, const MultiTensorEntry& e) const {
    AdagradParams q = p;
    q.lr = lr;
    q.step = e.step + 1;
    return Scalars{q, adagrad_clr(q)};
  }
  HG_HOST_DEVICE void update(const MultiTensorEntry& e, const Scalars& s, int64_t i) const {
    adagrad_update(e.w[i], e.g[i], e.state0[i], s.q, s.clr);
  }
};

// Updates chunk c of the table in `block`: elements lane, lane + lanes, ... of the chunk's slice
// [begin, end) of its tensor (CPU: lane 0 of 1; CUDA: threadIdx.x of blockDim.x). The entry is
// copied, so the element loop reads its pointers from registers.
template <class Rule>
HG_HOST_DEVICE void multi_tensor_update_chunk(const Rule& rule, void* block, int64_t tensors,
                                              int64_t c, int64_t lane, int64_t lanes) {
  const MultiTensorEntry* entries = multi_tensor_entries(block);
  const MultiTensorEntry e = entries[multi_tensor_entry_of_chunk(entries, tensors, c)];
  const auto s = rule.scalars(multi_tensor_header(block)->lr, e);
  // Chunk c is the (c - first_chunk)-th chunk of its tensor.
  const int64_t begin = (c - e.first_chunk) * kMultiTensorChunk;
  const int64_t end = begin + kMultiTensorChunk < e.n ? begin + kMultiTensorChunk : e.n;
  for (int64_t i = begin + lane; i < end; i += lanes)
    rule.update(e, s, i);
}

}  // namespace hg::kernels
