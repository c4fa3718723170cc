// runtime_internal.h (internal): pieces of the emulated runtime shared between its source files.
#pragma once

#include <driver_types.h>

namespace hg::simt::detail {

// True for the default stream (0, cudaStreamLegacy, cudaStreamPerThread) and for streams from
// cudaStreamCreate that were not destroyed.
bool is_valid_stream(cudaStream_t stream);

}  // namespace hg::simt::detail
