// Version string and build options, filled in by CMake definitions.
#include "hourglass/core/version.h"

#include <sstream>

#ifndef HG_VERSION_STRING
#error "HG_VERSION_STRING must be defined by the build"
#endif

namespace hg {

const char* version() { return HG_VERSION_STRING; }

std::string build_info() {
  std::ostringstream out;
  out << "hourglass " << version() << '\n';
#if defined(HG_HAS_CUDA_BACKEND) && defined(HG_SIMT)
  out << "cuda backend: SIMT emulator (kernels run on the CPU)\n";
#elif defined(HG_HAS_CUDA_BACKEND)
  out << "cuda backend: nvcc, architectures " HG_CUDA_ARCHITECTURES "\n";
#else
  out << "cuda backend: none\n";
#endif
#ifdef HG_HAS_CUDNN
  out << "cudnn: yes\n";
#else
  out << "cudnn: no\n";
#endif
#ifdef _OPENMP
  out << "openmp: " << _OPENMP << '\n';
#else
  out << "openmp: no\n";
#endif
  out << "blas: CBLAS (OpenBLAS)\n";
  return out.str();
}

}  // namespace hg
