// The CUDA backend's entry points. Compiled only when the build has a CUDA backend (nvcc, or the
// SIMT emulator); core guards its use with HG_HAS_CUDA_BACKEND.
#pragma once

#include <string>

#include "hourglass/kernels/backend.h"

namespace hg::kernels::cuda {

// Usable devices; 0 (never an exception) when there is no driver or no GPU.
int device_count() noexcept;
// True when this build runs CUDA kernels on the SIMT emulator.
bool is_emulated() noexcept;
// Name, compute capability and memory of a device, for `hourglass info`.
std::string describe_device(int index);
// The backend of device `index`; throws when the device does not exist.
Backend& backend(int index);

}  // namespace hg::kernels::cuda
