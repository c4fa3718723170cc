# FindCUDNN: locates NVIDIA cuDNN (header cudnn.h, library libcudnn) for hourglass's cuDNN
# convolution path. Installed next to hourglassConfig.cmake so that a project linking an installed
# hourglass built with HG_CUDNN finds the same dependency.
#
# Searches CUDNN_ROOT (variable or environment), the CUDA toolkit (CUDAToolkit_ROOT, the
# directories found by find_package(CUDAToolkit), nvcc's prefix) and the system paths
# (/usr/include, /usr/lib/<arch>).
#
# Provides CUDNN_FOUND, CUDNN_VERSION, CUDNN_INCLUDE_DIR, CUDNN_LIBRARY and the imported target
# CUDNN::cudnn (kept if the including project already defined it).

set(_cudnn_hints)
foreach(_dir ${CUDNN_ROOT} $ENV{CUDNN_ROOT} ${CUDAToolkit_ROOT} $ENV{CUDAToolkit_ROOT}
             ${CUDAToolkit_LIBRARY_ROOT} ${CUDAToolkit_TARGET_DIR})
  list(APPEND _cudnn_hints ${_dir})
endforeach()
if(CUDAToolkit_INCLUDE_DIRS)
  list(APPEND _cudnn_hints ${CUDAToolkit_INCLUDE_DIRS})
endif()
if(CUDAToolkit_LIBRARY_DIR)
  list(APPEND _cudnn_hints ${CUDAToolkit_LIBRARY_DIR})
endif()
if(CMAKE_CUDA_COMPILER)
  get_filename_component(_cudnn_nvcc_prefix "${CMAKE_CUDA_COMPILER}" DIRECTORY)
  get_filename_component(_cudnn_nvcc_prefix "${_cudnn_nvcc_prefix}" DIRECTORY)
  list(APPEND _cudnn_hints ${_cudnn_nvcc_prefix})
endif()

find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS ${_cudnn_hints} PATH_SUFFIXES include
          DOC "Directory holding cudnn.h")
find_library(CUDNN_LIBRARY NAMES cudnn HINTS ${_cudnn_hints} PATH_SUFFIXES lib64 lib lib/x64
             DOC "The cuDNN library")

if(CUDNN_INCLUDE_DIR)
  set(_cudnn_version_file "${CUDNN_INCLUDE_DIR}/cudnn_version.h")
  if(NOT EXISTS "${_cudnn_version_file}")
    set(_cudnn_version_file "${CUDNN_INCLUDE_DIR}/cudnn.h")
  endif()
  file(STRINGS "${_cudnn_version_file}" _cudnn_version_lines
       REGEX "^#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) +[0-9]+")
  foreach(_part MAJOR MINOR PATCHLEVEL)
    string(REGEX REPLACE ".*#define CUDNN_${_part} +([0-9]+).*" "\\1" _cudnn_${_part}
                         "${_cudnn_version_lines}")
  endforeach()
  if(_cudnn_MAJOR MATCHES "^[0-9]+$")
    set(CUDNN_VERSION "${_cudnn_MAJOR}.${_cudnn_MINOR}.${_cudnn_PATCHLEVEL}")
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CUDNN REQUIRED_VARS CUDNN_LIBRARY CUDNN_INCLUDE_DIR
                                  VERSION_VAR CUDNN_VERSION)
mark_as_advanced(CUDNN_INCLUDE_DIR CUDNN_LIBRARY)

if(CUDNN_FOUND AND NOT TARGET CUDNN::cudnn)
  add_library(CUDNN::cudnn UNKNOWN IMPORTED)
  set_target_properties(CUDNN::cudnn PROPERTIES
    IMPORTED_LOCATION "${CUDNN_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CUDNN_INCLUDE_DIR}")
endif()
