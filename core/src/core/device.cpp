// Device parsing and the map from a device to its backend.
#include "hourglass/core/device.h"

#include <cstdlib>

#include "hourglass/core/error.h"
#include "hourglass/kernels/cpu_backend.h"
#ifdef HG_HAS_CUDA_BACKEND
#include "hourglass/kernels/cuda_backend.h"
#endif

namespace hg {

int cuda_device_count() {
#ifdef HG_HAS_CUDA_BACKEND
  return kernels::cuda::device_count();
#else
  return 0;
#endif
}

bool cuda_available() { return cuda_device_count() > 0; }

bool cuda_is_emulated() {
#ifdef HG_HAS_CUDA_BACKEND
  return kernels::cuda::is_emulated();
#else
  return false;
#endif
}

Device Device::parse(const std::string& text) {
  if (text == "cpu") return cpu();
  if (text == "auto") return cuda_available() && !cuda_is_emulated() ? cuda(0) : cpu();
  if (text.rfind("cuda", 0) == 0) {
    int index = 0;
    if (text.size() > 4) {
      HG_CHECK(text[4] == ':' && text.size() > 5,
               "expected a device of the form cuda or cuda:N, got '", text, "'");
      char* end = nullptr;
      const long value = std::strtol(text.c_str() + 5, &end, 10);
      HG_CHECK(*end == '\0' && value >= 0 && value < 1024,
               "expected a device index after 'cuda:', got '", text, "'");
      index = static_cast<int>(value);
    }
    const int count = cuda_device_count();
#ifndef HG_HAS_CUDA_BACKEND
    HG_FAIL("device '", text, "' requested, but this build of hourglass has no CUDA backend ",
            "(configure with nvcc present, or -DHG_CUDA=ON)");
#endif
    HG_CHECK(count > 0, "device '", text,
             "' requested, but no usable CUDA GPU was found (no driver, or no device)");
    HG_CHECK(index < count, "device '", text, "' requested, but only ", count,
             " CUDA device(s) exist");
    return cuda(index);
  }
  HG_FAIL("unknown device '", text, "': expected cpu, cuda, cuda:N or auto");
}

std::string Device::str() const {
  return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index_);
}

kernels::Backend& backend_for(Device device) {
  if (device.is_cpu()) return kernels::cpu_backend();
#ifdef HG_HAS_CUDA_BACKEND
  HG_CHECK(device.index() < cuda_device_count(), "device ", device.str(), " is not available");
  return kernels::cuda::backend(device.index());
#else
  HG_FAIL("device ", device.str(), " is not available: this build has no CUDA backend");
#endif
}

}  // namespace hg
