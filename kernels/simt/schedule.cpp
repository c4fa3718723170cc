// schedule.cpp: reading HG_SIMT_BLOCK_ORDER / HG_SIMT_THREAD_ORDER / HG_SIMT_SEED and the
// programmatic override used by tests.
#include "schedule.h"

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>

#include "schedule_state.h"

namespace hg::simt {
namespace {

Order parse_order(const char* var) {
  const char* v = std::getenv(var);
  if (v == nullptr || *v == '\0') return Order::forward;
  const std::string s(v);
  if (s == "forward") return Order::forward;
  if (s == "reverse") return Order::reverse;
  if (s == "random") return Order::random;
  throw std::invalid_argument(std::string(var) + "='" + s + "': expected forward, reverse or random");
}

struct State {
  std::mutex mutex;
  bool has_override = false;
  Schedule override_schedule;
  bool rng_seeded = false;
  std::uint64_t rng = 0;
};

State& state() {
  static State s;
  return s;
}

}  // namespace

Schedule schedule_from_env() {
  Schedule s;
  s.blocks = parse_order("HG_SIMT_BLOCK_ORDER");
  s.threads = parse_order("HG_SIMT_THREAD_ORDER");
  if (const char* v = std::getenv("HG_SIMT_SEED"); v != nullptr && *v != '\0') {
    char* end = nullptr;
    s.seed = std::strtoull(v, &end, 0);
    if (end == v || *end != '\0')
      throw std::invalid_argument(std::string("HG_SIMT_SEED='") + v + "': expected an integer");
  }
  return s;
}

Schedule current_schedule() {
  State& st = state();
  {
    std::lock_guard<std::mutex> lock(st.mutex);
    if (st.has_override) return st.override_schedule;
  }
  return schedule_from_env();
}

void set_schedule(const Schedule& s) {
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mutex);
  st.has_override = true;
  st.override_schedule = s;
  st.rng_seeded = true;
  st.rng = s.seed;
}

void reset_schedule() {
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mutex);
  st.has_override = false;
  st.rng_seeded = false;
}

const char* to_string(Order o) {
  switch (o) {
    case Order::forward: return "forward";
    case Order::reverse: return "reverse";
    case Order::random: return "random";
  }
  return "?";
}

ScopedSchedule::ScopedSchedule(const Schedule& s) {
  State& st = state();
  {
    std::lock_guard<std::mutex> lock(st.mutex);
    had_override_ = st.has_override;
    previous_ = st.override_schedule;
  }
  set_schedule(s);
}

ScopedSchedule::~ScopedSchedule() {
  if (had_override_)
    set_schedule(previous_);
  else
    reset_schedule();
}

namespace detail {

std::uint64_t next_launch_seed(std::uint64_t seed) {
  // One random stream per process (or per set_schedule call); each launch takes the next value,
  // so a sequence of launches is reproducible for a given seed.
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mutex);
  if (!st.rng_seeded) {
    st.rng_seeded = true;
    st.rng = seed;
  }
  return splitmix64(st.rng);
}

}  // namespace detail
}  // namespace hg::simt
