// runtime.cpp: the emulated CUDA runtime calls: device queries, memory, copies, streams, events.
// Every call validates its arguments like the real runtime (and more strictly where the emulator
// can: copy directions are checked against the device-allocation registry), and every failure is
// recorded with a detailed message (errors.cpp). Work completes before a call returns, unless its
// stream is capturing (graph.cpp): then async copies and memsets are recorded instead.
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>

#include "device_memory.h"
#include "errors.h"
#include "runtime_api.h"
#include "runtime_internal.h"

// The toolkit only declares these; the emulator defines what a stream and an event are.
struct CUstream_st {
  unsigned int flags = 0;
};

struct CUevent_st {
  unsigned int flags = 0;
  bool recorded = false;
  std::chrono::steady_clock::time_point when;
};

namespace hg::simt::detail {
namespace {

constexpr int kMultiProcessors = 8;  // fixed, so grid sizes derived from it do not depend on the host
constexpr int kRuntimeVersion = 13000;

struct Handles {
  std::mutex mutex;
  std::set<cudaStream_t> streams;
  std::set<cudaEvent_t> events;
};

Handles& handles() {
  static Handles h;
  return h;
}

bool is_default_stream(cudaStream_t s) { return s == nullptr || s == cudaStreamLegacy || s == cudaStreamPerThread; }

bool is_live_event(cudaEvent_t e) {
  Handles& h = handles();
  std::lock_guard<std::mutex> lock(h.mutex);
  return h.events.count(e) != 0;
}

const char* kind_name(cudaMemcpyKind kind) {
  switch (kind) {
    case cudaMemcpyHostToHost: return "cudaMemcpyHostToHost";
    case cudaMemcpyHostToDevice: return "cudaMemcpyHostToDevice";
    case cudaMemcpyDeviceToHost: return "cudaMemcpyDeviceToHost";
    case cudaMemcpyDeviceToDevice: return "cudaMemcpyDeviceToDevice";
    case cudaMemcpyDefault: return "cudaMemcpyDefault";
  }
  return "an invalid cudaMemcpyKind";
}

// The copy itself, shared by cudaMemcpy*, cudaMemcpyAsync and the symbol copies.
cudaError_t copy(const char* api, void* dst, const void* src, std::size_t count, cudaMemcpyKind kind) {
  if (count == 0) return cudaSuccess;
  if (dst == nullptr || src == nullptr)
    return fail(cudaErrorInvalidValue, format("%s: null %s pointer", api, dst == nullptr ? "destination" : "source"));
  bool src_device = false;
  bool dst_device = false;
  switch (kind) {
    case cudaMemcpyHostToHost: break;
    case cudaMemcpyHostToDevice: dst_device = true; break;
    case cudaMemcpyDeviceToHost: src_device = true; break;
    case cudaMemcpyDeviceToDevice: src_device = dst_device = true; break;
    case cudaMemcpyDefault:
      src_device = is_device_pointer(src);
      dst_device = is_device_pointer(dst);
      break;
    default:
      return fail(cudaErrorInvalidMemcpyDirection, format("%s: kind %d is not a cudaMemcpyKind", api, int(kind)));
  }
  std::string why;
  const std::string what_src = format("%s(%s): source", api, kind_name(kind));
  const std::string what_dst = format("%s(%s): destination", api, kind_name(kind));
  const bool ok = (src_device ? check_device_range(src, count, what_src.c_str(), &why)
                              : check_host_range(src, count, what_src.c_str(), &why)) &&
                  (dst_device ? check_device_range(dst, count, what_dst.c_str(), &why)
                              : check_host_range(dst, count, what_dst.c_str(), &why));
  if (!ok) return fail(cudaErrorInvalidValue, why);
  std::memmove(dst, src, count);
  return cudaSuccess;
}

cudaError_t memset(const char* api, void* devPtr, int value, std::size_t count) {
  if (count == 0) return cudaSuccess;
  std::string why;
  const std::string what = format("%s: destination", api);
  if (!check_device_range(devPtr, count, what.c_str(), &why))
    return fail(cudaErrorInvalidValue, why);
  std::memset(devPtr, value, count);
  return cudaSuccess;
}

cudaError_t check_stream(const char* api, cudaStream_t stream) {
  if (is_valid_stream(stream)) return cudaSuccess;
  return fail(cudaErrorInvalidResourceHandle, format("%s: stream %p is not a live stream", api, (void*)stream));
}

}  // namespace

bool is_valid_stream(cudaStream_t stream) {
  if (is_default_stream(stream)) return true;
  Handles& h = handles();
  std::lock_guard<std::mutex> lock(h.mutex);
  return h.streams.count(stream) != 0;
}

}  // namespace hg::simt::detail

using hg::simt::detail::fail;
using hg::simt::detail::format;

// ---- device -------------------------------------------------------------------------------------

cudaError_t cudaGetDeviceCount(int* count) {
  if (count == nullptr) return fail(cudaErrorInvalidValue, "cudaGetDeviceCount: null count");
  *count = 1;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  if (device != 0)
    return fail(cudaErrorInvalidDevice, format("cudaSetDevice(%d): the emulator has only device 0", device));
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
  if (device == nullptr) return fail(cudaErrorInvalidValue, "cudaGetDevice: null device");
  *device = 0;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (prop == nullptr) return fail(cudaErrorInvalidValue, "cudaGetDeviceProperties: null prop");
  if (device != 0)
    return fail(cudaErrorInvalidDevice, format("cudaGetDeviceProperties(%d): the emulator has only device 0", device));
  std::memset(prop, 0, sizeof *prop);
  std::strncpy(prop->name, "hourglass SIMT emulator", sizeof prop->name - 1);
  prop->totalGlobalMem = hg::simt::detail::device_memory_total();
  prop->sharedMemPerBlock = 48 * 1024;
  prop->sharedMemPerBlockOptin = 227 * 1024;
  prop->sharedMemPerMultiprocessor = 228 * 1024;
  prop->regsPerBlock = 65536;
  prop->regsPerMultiprocessor = 65536;
  prop->warpSize = 32;
  prop->maxThreadsPerBlock = 1024;
  prop->maxThreadsDim[0] = 1024;
  prop->maxThreadsDim[1] = 1024;
  prop->maxThreadsDim[2] = 64;
  prop->maxGridSize[0] = 2147483647;
  prop->maxGridSize[1] = 65535;
  prop->maxGridSize[2] = 65535;
  prop->totalConstMem = 64 * 1024;
  prop->major = 8;
  prop->minor = 0;
  prop->multiProcessorCount = hg::simt::detail::kMultiProcessors;
  prop->maxThreadsPerMultiProcessor = 2048;
  prop->maxBlocksPerMultiProcessor = 32;
  prop->l2CacheSize = 40 * 1024 * 1024;
  prop->memoryBusWidth = 5120;
  prop->concurrentKernels = 0;
  prop->unifiedAddressing = 1;
  prop->canMapHostMemory = 1;
  return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device) {
  if (value == nullptr) return fail(cudaErrorInvalidValue, "cudaDeviceGetAttribute: null value");
  if (device != 0)
    return fail(cudaErrorInvalidDevice, format("cudaDeviceGetAttribute: device %d; the emulator has only 0", device));
  switch (attr) {
    case cudaDevAttrMaxThreadsPerBlock: *value = 1024; break;
    case cudaDevAttrMaxBlockDimX: *value = 1024; break;
    case cudaDevAttrMaxBlockDimY: *value = 1024; break;
    case cudaDevAttrMaxBlockDimZ: *value = 64; break;
    case cudaDevAttrMaxGridDimX: *value = 2147483647; break;
    case cudaDevAttrMaxGridDimY: *value = 65535; break;
    case cudaDevAttrMaxGridDimZ: *value = 65535; break;
    case cudaDevAttrMaxSharedMemoryPerBlock: *value = 48 * 1024; break;
    case cudaDevAttrMaxSharedMemoryPerBlockOptin: *value = 227 * 1024; break;
    case cudaDevAttrMaxSharedMemoryPerMultiprocessor: *value = 228 * 1024; break;
    case cudaDevAttrWarpSize: *value = 32; break;
    case cudaDevAttrMultiProcessorCount: *value = hg::simt::detail::kMultiProcessors; break;
    case cudaDevAttrMaxThreadsPerMultiProcessor: *value = 2048; break;
    case cudaDevAttrComputeCapabilityMajor: *value = 8; break;
    case cudaDevAttrComputeCapabilityMinor: *value = 0; break;
    case cudaDevAttrL2CacheSize: *value = 40 * 1024 * 1024; break;
    default:
      return fail(cudaErrorInvalidValue,
                  format("cudaDeviceGetAttribute: attribute %d is not emulated", static_cast<int>(attr)));
  }
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() {
  return hg::simt::detail::check_capture_safe("cudaDeviceSynchronize", nullptr, false);
}

cudaError_t cudaDeviceReset() { return cudaSuccess; }

cudaError_t cudaMemGetInfo(size_t* free, size_t* total) {
  if (free == nullptr || total == nullptr) return fail(cudaErrorInvalidValue, "cudaMemGetInfo: null argument");
  *total = hg::simt::detail::device_memory_total();
  *free = *total - hg::simt::detail::device_memory_used();
  return cudaSuccess;
}

cudaError_t cudaDriverGetVersion(int* version) {
  if (version == nullptr) return fail(cudaErrorInvalidValue, "cudaDriverGetVersion: null version");
  *version = hg::simt::detail::kRuntimeVersion;
  return cudaSuccess;
}

cudaError_t cudaRuntimeGetVersion(int* version) {
  if (version == nullptr) return fail(cudaErrorInvalidValue, "cudaRuntimeGetVersion: null version");
  *version = hg::simt::detail::kRuntimeVersion;
  return cudaSuccess;
}

// ---- memory -------------------------------------------------------------------------------------

cudaError_t cudaMalloc(void** devPtr, size_t size) {
  if (devPtr == nullptr) return fail(cudaErrorInvalidValue, "cudaMalloc: null devPtr");
  if (cudaError_t e = hg::simt::detail::check_capture_safe("cudaMalloc", nullptr, false)) {
    *devPtr = nullptr;
    return e;
  }
  *devPtr = nullptr;
  if (size == 0) return cudaSuccess;
  void* p = hg::simt::detail::device_allocate(size);
  if (p == nullptr)
    return fail(cudaErrorMemoryAllocation,
                format("cudaMalloc(%zu bytes): the emulated device has %zu of %zu bytes free", size,
                       hg::simt::detail::device_memory_total() - hg::simt::detail::device_memory_used(),
                       hg::simt::detail::device_memory_total()));
  *devPtr = p;
  return cudaSuccess;
}

cudaError_t cudaFree(void* devPtr) {
  if (devPtr == nullptr) return cudaSuccess;
  if (cudaError_t e = hg::simt::detail::check_capture_safe("cudaFree", nullptr, false)) return e;
  if (!hg::simt::detail::device_release(devPtr))
    return fail(cudaErrorInvalidValue,
                format("cudaFree(%p): not the start of a live cudaMalloc allocation (double free, a host "
                       "pointer, or a pointer into the middle of an allocation)",
                       devPtr));
  return cudaSuccess;
}

cudaError_t cudaMallocHost(void** ptr, size_t size) {
  if (ptr == nullptr) return fail(cudaErrorInvalidValue, "cudaMallocHost: null ptr");
  *ptr = hg::simt::detail::pinned_allocate(size);
  if (*ptr == nullptr) return fail(cudaErrorMemoryAllocation, format("cudaMallocHost(%zu bytes) failed", size));
  return cudaSuccess;
}

cudaError_t cudaHostAlloc(void** ptr, size_t size, unsigned int /*flags*/) { return cudaMallocHost(ptr, size); }

cudaError_t cudaFreeHost(void* ptr) {
  if (ptr == nullptr) return cudaSuccess;
  if (!hg::simt::detail::pinned_release(ptr))
    return fail(cudaErrorInvalidValue, format("cudaFreeHost(%p): not a live cudaMallocHost allocation", ptr));
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t count, cudaMemcpyKind kind) {
  if (cudaError_t e = hg::simt::detail::check_capture_safe("cudaMemcpy", nullptr, false)) return e;
  return hg::simt::detail::copy("cudaMemcpy", dst, src, count, kind);
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, cudaMemcpyKind kind, cudaStream_t stream) {
  if (cudaError_t e = hg::simt::detail::check_stream("cudaMemcpyAsync", stream)) return e;
  // A captured copy reads its source when the graph runs (pinned host memory, as on a GPU).
  if (hg::simt::detail::record_if_capturing(stream, hg::simt::detail::recorded_call([=] {
                                              return hg::simt::detail::copy("cudaMemcpyAsync", dst,
                                                                            src, count, kind);
                                            })))
    return cudaSuccess;
  return hg::simt::detail::copy("cudaMemcpyAsync", dst, src, count, kind);
}

cudaError_t cudaMemset(void* devPtr, int value, size_t count) {
  if (cudaError_t e = hg::simt::detail::check_capture_safe("cudaMemset", nullptr, false)) return e;
  return hg::simt::detail::memset("cudaMemset", devPtr, value, count);
}

cudaError_t cudaMemsetAsync(void* devPtr, int value, size_t count, cudaStream_t stream) {
  if (cudaError_t e = hg::simt::detail::check_stream("cudaMemsetAsync", stream)) return e;
  if (hg::simt::detail::record_if_capturing(stream, hg::simt::detail::recorded_call([=] {
                                              return hg::simt::detail::memset("cudaMemsetAsync",
                                                                              devPtr, value, count);
                                            })))
    return cudaSuccess;
  return hg::simt::detail::memset("cudaMemsetAsync", devPtr, value, count);
}

cudaError_t cudaMemcpyToSymbol(const void* symbol, const void* src, size_t count, size_t offset,
                               cudaMemcpyKind kind) {
  if (symbol == nullptr) return fail(cudaErrorInvalidSymbol, "cudaMemcpyToSymbol: null symbol");
  if (kind != cudaMemcpyHostToDevice && kind != cudaMemcpyDeviceToDevice && kind != cudaMemcpyDefault)
    return fail(cudaErrorInvalidMemcpyDirection, "cudaMemcpyToSymbol: kind must copy to the device");
  // The symbol is an ordinary global here, so only the source is checked against the registry.
  if (count == 0) return cudaSuccess;
  std::string why;
  const bool ok = kind == cudaMemcpyHostToDevice
                      ? hg::simt::detail::check_host_range(src, count, "cudaMemcpyToSymbol: source", &why)
                  : kind == cudaMemcpyDeviceToDevice
                      ? hg::simt::detail::check_device_range(src, count, "cudaMemcpyToSymbol: source", &why)
                      : true;
  if (!ok) return fail(cudaErrorInvalidValue, why);
  std::memmove(static_cast<char*>(const_cast<void*>(symbol)) + offset, src, count);
  return cudaSuccess;
}

cudaError_t cudaMemcpyFromSymbol(void* dst, const void* symbol, size_t count, size_t offset, cudaMemcpyKind kind) {
  if (symbol == nullptr) return fail(cudaErrorInvalidSymbol, "cudaMemcpyFromSymbol: null symbol");
  if (kind != cudaMemcpyDeviceToHost && kind != cudaMemcpyDeviceToDevice && kind != cudaMemcpyDefault)
    return fail(cudaErrorInvalidMemcpyDirection, "cudaMemcpyFromSymbol: kind must copy from the device");
  if (count == 0) return cudaSuccess;
  std::string why;
  const bool ok = kind == cudaMemcpyDeviceToHost
                      ? hg::simt::detail::check_host_range(dst, count, "cudaMemcpyFromSymbol: destination", &why)
                  : kind == cudaMemcpyDeviceToDevice
                      ? hg::simt::detail::check_device_range(dst, count, "cudaMemcpyFromSymbol: destination", &why)
                      : true;
  if (!ok) return fail(cudaErrorInvalidValue, why);
  std::memmove(dst, static_cast<const char*>(symbol) + offset, count);
  return cudaSuccess;
}

// ---- streams and events -------------------------------------------------------------------------

cudaError_t cudaStreamCreate(cudaStream_t* stream) { return cudaStreamCreateWithFlags(stream, cudaStreamDefault); }

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags) {
  if (stream == nullptr) return fail(cudaErrorInvalidValue, "cudaStreamCreate: null stream");
  cudaStream_t s = new CUstream_st;
  s->flags = flags;
  hg::simt::detail::Handles& h = hg::simt::detail::handles();
  std::lock_guard<std::mutex> lock(h.mutex);
  h.streams.insert(s);
  *stream = s;
  return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  hg::simt::detail::Handles& h = hg::simt::detail::handles();
  {
    std::lock_guard<std::mutex> lock(h.mutex);
    if (h.streams.erase(stream) == 1) {
      delete stream;
      return cudaSuccess;
    }
  }
  return fail(cudaErrorInvalidResourceHandle,
              format("cudaStreamDestroy(%p): not a stream from cudaStreamCreate (or already destroyed)",
                     (void*)stream));
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  if (cudaError_t e = hg::simt::detail::check_stream("cudaStreamSynchronize", stream)) return e;
  return hg::simt::detail::check_capture_safe("cudaStreamSynchronize", stream, true);
}

cudaError_t cudaStreamQuery(cudaStream_t stream) { return hg::simt::detail::check_stream("cudaStreamQuery", stream); }

cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int /*flags*/) {
  if (cudaError_t e = hg::simt::detail::check_stream("cudaStreamWaitEvent", stream)) return e;
  if (!hg::simt::detail::is_live_event(event))
    return fail(cudaErrorInvalidResourceHandle, format("cudaStreamWaitEvent: %p is not a live event", (void*)event));
  return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t* event) { return cudaEventCreateWithFlags(event, cudaEventDefault); }

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags) {
  if (event == nullptr) return fail(cudaErrorInvalidValue, "cudaEventCreate: null event");
  cudaEvent_t e = new CUevent_st;
  e->flags = flags;
  hg::simt::detail::Handles& h = hg::simt::detail::handles();
  std::lock_guard<std::mutex> lock(h.mutex);
  h.events.insert(e);
  *event = e;
  return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  if (cudaError_t e = hg::simt::detail::check_stream("cudaEventRecord", stream)) return e;
  if (!hg::simt::detail::is_live_event(event))
    return fail(cudaErrorInvalidResourceHandle, format("cudaEventRecord: %p is not a live event", (void*)event));
  event->recorded = true;
  event->when = std::chrono::steady_clock::now();
  return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  if (!hg::simt::detail::is_live_event(event))
    return fail(cudaErrorInvalidResourceHandle, format("cudaEventSynchronize: %p is not a live event", (void*)event));
  return cudaSuccess;
}

cudaError_t cudaEventQuery(cudaEvent_t event) {
  if (!hg::simt::detail::is_live_event(event))
    return fail(cudaErrorInvalidResourceHandle, format("cudaEventQuery: %p is not a live event", (void*)event));
  return cudaSuccess;
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (ms == nullptr) return fail(cudaErrorInvalidValue, "cudaEventElapsedTime: null ms");
  if (!hg::simt::detail::is_live_event(start) || !hg::simt::detail::is_live_event(end))
    return fail(cudaErrorInvalidResourceHandle, "cudaEventElapsedTime: start or end is not a live event");
  if ((start->flags & cudaEventDisableTiming) != 0 || (end->flags & cudaEventDisableTiming) != 0)
    return fail(cudaErrorInvalidResourceHandle, "cudaEventElapsedTime: an event was created with cudaEventDisableTiming");
  if (!start->recorded || !end->recorded)
    return fail(cudaErrorInvalidResourceHandle, "cudaEventElapsedTime: an event has not been recorded");
  *ms = std::chrono::duration<float, std::milli>(end->when - start->when).count();
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  hg::simt::detail::Handles& h = hg::simt::detail::handles();
  {
    std::lock_guard<std::mutex> lock(h.mutex);
    if (h.events.erase(event) == 1) {
      delete event;
      return cudaSuccess;
    }
  }
  return fail(cudaErrorInvalidResourceHandle,
              format("cudaEventDestroy(%p): not a live event (already destroyed?)", (void*)event));
}
