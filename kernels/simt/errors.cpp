// errors.cpp: per-host-thread error state, cudaGetLastError / cudaGetErrorName /
// cudaGetErrorString and hg::simt::last_error_message().
#include "errors.h"

#include <cstdarg>
#include <cstdio>

#include "launch.h"
#include "runtime_api.h"

namespace hg::simt::detail {
namespace {

enum class Source { none, cuda, cublas };

struct ErrorState {
  cudaError_t last = cudaSuccess;  // what cudaGetLastError returns
  Source source = Source::none;    // the most recent detailed error
  int code = 0;
  std::string detail;
  std::string full;  // "<generic>: <detail>", returned by cudaGetErrorString
};

ErrorState& state() {
  thread_local ErrorState s;
  return s;
}

struct CodeInfo {
  cudaError_t code;
  const char* name;
  const char* text;
};

// The codes the emulator produces, with the runtime's names and texts.
constexpr CodeInfo kCodes[] = {
    {cudaSuccess, "cudaSuccess", "no error"},
    {cudaErrorInvalidValue, "cudaErrorInvalidValue", "invalid argument"},
    {cudaErrorMemoryAllocation, "cudaErrorMemoryAllocation", "out of memory"},
    {cudaErrorInitializationError, "cudaErrorInitializationError", "initialization error"},
    {cudaErrorInvalidConfiguration, "cudaErrorInvalidConfiguration", "invalid configuration argument"},
    {cudaErrorInvalidSymbol, "cudaErrorInvalidSymbol", "invalid device symbol"},
    {cudaErrorInvalidDevicePointer, "cudaErrorInvalidDevicePointer", "invalid device pointer"},
    {cudaErrorInvalidMemcpyDirection, "cudaErrorInvalidMemcpyDirection", "invalid copy direction for memcpy"},
    {cudaErrorInvalidDeviceFunction, "cudaErrorInvalidDeviceFunction", "invalid device function"},
    {cudaErrorNoDevice, "cudaErrorNoDevice", "no CUDA-capable device is detected"},
    {cudaErrorInvalidDevice, "cudaErrorInvalidDevice", "invalid device ordinal"},
    {cudaErrorInvalidResourceHandle, "cudaErrorInvalidResourceHandle", "invalid resource handle"},
    {cudaErrorNotReady, "cudaErrorNotReady", "device not ready"},
    {cudaErrorIllegalAddress, "cudaErrorIllegalAddress", "an illegal memory access was encountered"},
    {cudaErrorLaunchOutOfResources, "cudaErrorLaunchOutOfResources", "too many resources requested for launch"},
    {cudaErrorLaunchFailure, "cudaErrorLaunchFailure", "unspecified launch failure"},
    {cudaErrorNotSupported, "cudaErrorNotSupported", "operation not supported"},
    {cudaErrorUnknown, "cudaErrorUnknown", "unknown error"},
};

const CodeInfo* find_code(cudaError_t code) {
  for (const CodeInfo& c : kCodes)
    if (c.code == code) return &c;
  return nullptr;
}

}  // namespace

cudaError_t fail(cudaError_t code, const std::string& detail) {
  ErrorState& s = state();
  s.last = code;
  s.source = Source::cuda;
  s.code = static_cast<int>(code);
  s.detail = detail;
  const CodeInfo* info = find_code(code);
  s.full = std::string(info ? info->text : "unrecognized error code") + ": " + detail;
  return code;
}

cublasStatus_t fail(cublasStatus_t status, const std::string& detail) {
  ErrorState& s = state();
  s.source = Source::cublas;
  s.code = static_cast<int>(status);
  s.detail = detail;
  s.full = std::string(cublas_status_text(status)) + ": " + detail;
  return status;
}

cudaError_t last_error(bool clear) {
  ErrorState& s = state();
  const cudaError_t e = s.last;
  if (clear) s.last = cudaSuccess;
  return e;
}

const char* detailed_cuda_string(cudaError_t code) {
  const ErrorState& s = state();
  if (s.source != Source::cuda || s.code != static_cast<int>(code)) return nullptr;
  return s.full.c_str();
}

const char* detailed_cublas_string(cublasStatus_t status) {
  const ErrorState& s = state();
  if (s.source != Source::cublas || s.code != static_cast<int>(status)) return nullptr;
  return s.full.c_str();
}

std::string format(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(&out[0], out.size() + 1, fmt, args);
  va_end(args);
  return out;
}

}  // namespace hg::simt::detail

namespace hg::simt {

std::string last_error_message() { return detail::state().detail; }

}  // namespace hg::simt

cudaError_t cudaGetLastError() { return hg::simt::detail::last_error(true); }

cudaError_t cudaPeekAtLastError() { return hg::simt::detail::last_error(false); }

const char* cudaGetErrorName(cudaError_t error) {
  const hg::simt::detail::CodeInfo* info = hg::simt::detail::find_code(error);
  return info ? info->name : "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t error) {
  if (const char* detailed = hg::simt::detail::detailed_cuda_string(error)) return detailed;
  const hg::simt::detail::CodeInfo* info = hg::simt::detail::find_code(error);
  return info ? info->text : "unrecognized error code";
}
