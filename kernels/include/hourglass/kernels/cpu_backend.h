// The CPU backend: OpenMP loops and CBLAS (OpenBLAS) GEMM behind the Backend interface.
#pragma once

#include "hourglass/kernels/backend.h"

namespace hg::kernels {

Backend& cpu_backend();

}  // namespace hg::kernels
