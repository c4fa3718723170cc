// scheduler.h (internal): runs the blocks of one launch, each GPU thread of a block as a fiber.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <vector_types.h>

#include "schedule.h"

namespace hg::simt::detail {

struct GridRun {
  dim3 grid;
  dim3 block;
  void* dynamic_shared = nullptr;  // the launch's dynamic shared memory
  std::size_t dynamic_shared_bytes = 0;
  void (*thread_body)(void* closure) = nullptr;
  void* closure = nullptr;
  Schedule schedule;
  std::uint64_t seed = 0;  // seeds this launch's random orders
};

// Runs every block of the grid in the schedule's block order. Returns an empty string on success,
// or the diagnosis of the failure that aborted the launch (all fibers are unwound and idle again).
// The caller holds the launch mutex.
std::string run_grid(const GridRun& run);

// True while an emulated GPU thread runs on the calling host thread.
bool in_gpu_thread();

}  // namespace hg::simt::detail
