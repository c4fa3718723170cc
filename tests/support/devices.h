// The devices every device-parameterized test runs on: cpu always, cuda when the build has a
// CUDA backend with a usable device (the SIMT emulator in CI, a real GPU elsewhere).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "hourglass/core/device.h"
#include "support/requirements.h"

namespace hg::testing {

std::vector<Device> test_devices();
// For INSTANTIATE_TEST_SUITE_P names: "cpu", "cuda0".
std::string device_test_name(const Device& device);

}  // namespace hg::testing

namespace hg {
// Lets GoogleTest print a device parameter as "cpu" / "cuda:0" instead of its bytes.
void PrintTo(const Device& device, std::ostream* out);
}  // namespace hg

// Skips the current test (with the reason) when `device` is not usable in this build/machine,
// or fails it when HG_REQUIRE_CUDA=1 (set by tools/test-all for the emulated configurations).
#define HG_REQUIRE_DEVICE(device)            \
  HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_CUDA", \
                          (device).is_cuda() ? ::hg::testing::missing_cuda() : std::string())

namespace hg::testing {
// Why no cuda device is usable ("" when one is): no CUDA backend in this build, or no GPU.
std::string missing_cuda();
}  // namespace hg::testing
