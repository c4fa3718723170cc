// device_memory.cpp: registry of emulated device (cudaMalloc) and pinned (cudaMallocHost)
// allocations. A std::map keyed by start address finds the allocation containing any pointer.
#include "device_memory.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

#include "errors.h"

namespace hg::simt::detail {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::uintptr_t, std::size_t> device;  // start -> size
  std::size_t used = 0;
  std::set<void*> pinned;
};

Registry& registry() {
  static Registry r;
  return r;
}

// The allocation containing address a, or end(). Caller holds the mutex.
std::map<std::uintptr_t, std::size_t>::const_iterator find_containing(const Registry& r, std::uintptr_t a) {
  auto it = r.device.upper_bound(a);
  if (it == r.device.begin()) return r.device.end();
  --it;
  // A zero-byte request still owns one byte, so its pointer is recognised.
  const std::size_t span = it->second == 0 ? 1 : it->second;
  return a - it->first < span ? it : r.device.end();
}

}  // namespace

std::size_t device_memory_total() {
  static const std::size_t total = [] {
    std::size_t mb = 16384;
    if (const char* v = std::getenv("HG_SIMT_DEVICE_MEM_MB")) {
      char* end = nullptr;
      const unsigned long long parsed = std::strtoull(v, &end, 10);
      if (end != v && *end == '\0' && parsed > 0) mb = static_cast<std::size_t>(parsed);
    }
    return mb << 20;
  }();
  return total;
}

std::size_t device_memory_used() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.used;
}

void* device_allocate(std::size_t bytes) {
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    if (bytes > device_memory_total() - r.used) return nullptr;
  }
  void* p = nullptr;
  // Exact size (not rounded up), so AddressSanitizer catches a kernel reading past the end.
  if (posix_memalign(&p, 256, bytes == 0 ? 1 : bytes) != 0) return nullptr;
  std::memset(p, 0xFF, bytes == 0 ? 1 : bytes);
  std::lock_guard<std::mutex> lock(r.mutex);
  r.device[reinterpret_cast<std::uintptr_t>(p)] = bytes;
  r.used += bytes;
  return p;
}

bool device_release(void* p) {
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.device.find(reinterpret_cast<std::uintptr_t>(p));
    if (it == r.device.end()) return false;
    r.used -= it->second;
    r.device.erase(it);
  }
  std::free(p);
  return true;
}

bool is_device_pointer(const void* p) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return find_containing(r, reinterpret_cast<std::uintptr_t>(p)) != r.device.end();
}

bool check_device_range(const void* p, std::size_t bytes, const char* what, std::string* why) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(p);
  auto it = find_containing(r, a);
  if (it == r.device.end()) {
    const bool pinned = r.pinned.count(const_cast<void*>(p)) != 0;
    *why = format("%s %p is not device memory (%s)", what, p,
                  p == nullptr ? "null pointer"
                  : pinned     ? "it is pinned host memory from cudaMallocHost"
                               : "no live cudaMalloc allocation contains it");
    return false;
  }
  const std::size_t offset = a - it->first;
  if (bytes > it->second - offset) {
    *why = format("%s %p: %zu bytes at offset %zu overrun its cudaMalloc allocation of %zu bytes", what, p,
                  bytes, offset, it->second);
    return false;
  }
  return true;
}

bool check_host_range(const void* p, std::size_t bytes, const char* what, std::string* why) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(p);
  // Any allocation starting inside [a, a + bytes), or one containing a, overlaps the range.
  auto it = find_containing(r, a);
  if (it == r.device.end() && bytes > 0) {
    auto next = r.device.lower_bound(a);
    if (next != r.device.end() && next->first - a < bytes) it = next;
  }
  if (it != r.device.end()) {
    *why = format("%s %p is device memory (inside the cudaMalloc allocation at %p of %zu bytes), "
                  "but the copy direction says host memory",
                  what, p, reinterpret_cast<void*>(it->first), it->second);
    return false;
  }
  return true;
}

void* pinned_allocate(std::size_t bytes) {
  void* p = std::malloc(bytes == 0 ? 1 : bytes);
  if (p == nullptr) return nullptr;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.pinned.insert(p);
  return p;
}

bool pinned_release(void* p) {
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    if (r.pinned.erase(p) == 0) return false;
  }
  std::free(p);
  return true;
}

}  // namespace hg::simt::detail
