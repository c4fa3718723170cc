// Device: where a tensor's memory lives (cpu, or cuda:N) and the backend that computes there.
#pragma once

#include <string>

namespace hg {
namespace kernels {
class Backend;
}

enum class DeviceType : int { kCpu, kCuda };

class Device {
 public:
  constexpr Device() = default;
  constexpr Device(DeviceType type, int index) : type_(type), index_(index) {}
  static constexpr Device cpu() { return Device(DeviceType::kCpu, 0); }
  static constexpr Device cuda(int index = 0) { return Device(DeviceType::kCuda, index); }
  // "cpu", "cuda", "cuda:N", or "auto" (the first GPU when one works, else the CPU).
  // Throws hg::Error for anything else, and for cuda when no usable GPU is present.
  static Device parse(const std::string& text);

  DeviceType type() const { return type_; }
  int index() const { return index_; }
  bool is_cpu() const { return type_ == DeviceType::kCpu; }
  bool is_cuda() const { return type_ == DeviceType::kCuda; }
  std::string str() const;  // "cpu", "cuda:0"

  bool operator==(const Device& o) const { return type_ == o.type_ && index_ == o.index_; }
  bool operator!=(const Device& o) const { return !(*this == o); }

 private:
  DeviceType type_ = DeviceType::kCpu;
  int index_ = 0;
};

// Number of usable CUDA devices: 0 when built without CUDA, or without a driver or a GPU.
int cuda_device_count();
bool cuda_available();
// True when the cuda device is the SIMT emulator rather than a real GPU.
bool cuda_is_emulated();

// The backend computing on `device`. Throws hg::Error when that device does not exist.
kernels::Backend& backend_for(Device device);

}  // namespace hg
