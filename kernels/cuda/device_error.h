// device_error.h: hg::kernels::DeviceError, the exception for a failed CUDA / cuBLAS call or
// kernel launch. Plain C++ (no CUDA headers), so code that only catches it needs no toolkit.
// The message reads "file:line: <the call>: <library error name>: <library message>".
#pragma once

#include <stdexcept>
#include <string>

namespace hg::kernels {

class DeviceError : public std::runtime_error {
 public:
  explicit DeviceError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace hg::kernels
