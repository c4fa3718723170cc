// schedule.h: the order in which the emulator runs blocks and resumes GPU threads.
//
// A correct kernel gives the same result in every order; a kernel with a missing barrier or a
// shared-memory race usually does not. Tests therefore run kernels under several orders:
//   HG_SIMT_BLOCK_ORDER  = forward (default) | reverse | random
//   HG_SIMT_THREAD_ORDER = forward (default) | reverse | random  (random: a new permutation for
//                          every pass over the block's threads, i.e. between any two barriers)
//   HG_SIMT_SEED         = seed of the random orders (default 0x5eed)
// set_schedule() / ScopedSchedule override the environment from code (tests use them).
#pragma once

#include <cstdint>

namespace hg::simt {

enum class Order { forward, reverse, random };

struct Schedule {
  Order blocks = Order::forward;
  Order threads = Order::forward;
  std::uint64_t seed = 0x5eed;
};

// The schedule from the environment variables above (invalid values throw std::invalid_argument).
Schedule schedule_from_env();
// The schedule launches use now: the override if one is set, else the environment's.
Schedule current_schedule();
// Overrides the environment until reset_schedule(); also restarts the random sequence at s.seed.
void set_schedule(const Schedule& s);
void reset_schedule();

const char* to_string(Order o);

// Sets a schedule for one scope and restores the previous state afterwards.
class ScopedSchedule {
 public:
  explicit ScopedSchedule(const Schedule& s);
  ~ScopedSchedule();
  ScopedSchedule(const ScopedSchedule&) = delete;
  ScopedSchedule& operator=(const ScopedSchedule&) = delete;

 private:
  bool had_override_;
  Schedule previous_;
};

}  // namespace hg::simt
