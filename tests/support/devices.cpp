// Device list for parameterized tests. HG_TEST_DEVICES=cpu restricts a run to the CPU.
#include "support/devices.h"

#include <cstdlib>

namespace hg::testing {

std::vector<Device> test_devices() {
  std::vector<Device> devices{Device::cpu()};
  const char* only = std::getenv("HG_TEST_DEVICES");
  if (only != nullptr && std::string(only) == "cpu") return devices;
  // The cuda device is listed even without a GPU, so its tests appear and skip with a reason
  // (see require_device) instead of silently vanishing from the count.
  devices.push_back(Device::cuda(0));
  return devices;
}

std::string missing_cuda() {
  return cuda_available() ? std::string()
                          : "no usable CUDA device (build without CUDA backend, or no GPU)";
}

std::string device_test_name(const Device& device) {
  return device.is_cpu() ? "cpu" : "cuda" + std::to_string(device.index());
}

}  // namespace hg::testing

namespace hg {
void PrintTo(const Device& device, std::ostream* out) {
  *out << device.str();
}
}  // namespace hg
