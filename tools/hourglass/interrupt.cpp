// SIGINT / SIGTERM handling for `hourglass train` (see interrupt.h). The handler only stores to a
// lock-free atomic flag and, the second time, restores the default action and re-raises, which
// are all async-signal-safe.
#include "interrupt.h"

#include <atomic>
#include <csignal>

namespace hg::cli {
namespace {

std::atomic<bool> g_interrupted{false};
struct sigaction g_previous_int {
}, g_previous_term{};

void on_signal(int signal) {
  if (g_interrupted.exchange(true)) {
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
}

}  // namespace

InterruptGuard::InterruptGuard() {
  g_interrupted = false;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

bool interrupt_requested() {
  return g_interrupted.load();
}

}  // namespace hg::cli
