// The library's version and build options.
#pragma once

#include <string>

namespace hg {

const char* version();  // "MAJOR.MINOR.PATCH"
// One line per build option (CUDA, cuDNN, SIMT emulator, BLAS, OpenMP), for `hourglass info`.
std::string build_info();

}  // namespace hg
