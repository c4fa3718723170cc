# FindSLEEF: locates SLEEF, the SIMD library of elementary functions (header sleef.h, library
# libsleef; Debian: libsleef-dev), which hourglass's CPU kernels use for vector math
# (kernels/cpu/vector_math.h). Installed next to hourglassConfig.cmake so that a project linking
# the installed static hourglass finds the same library.
#
# Searches SLEEF_ROOT (variable or environment) and the system paths (Debian puts sleef.h under
# /usr/include/<arch>).
#
# Provides SLEEF_FOUND, SLEEF_VERSION, SLEEF_INCLUDE_DIR, SLEEF_LIBRARY and the imported target
# SLEEF::sleef (kept if the including project already defined it).

find_path(SLEEF_INCLUDE_DIR sleef.h HINTS ${SLEEF_ROOT} $ENV{SLEEF_ROOT} PATH_SUFFIXES include
          DOC "Directory holding sleef.h")
find_library(SLEEF_LIBRARY NAMES sleef HINTS ${SLEEF_ROOT} $ENV{SLEEF_ROOT}
             PATH_SUFFIXES lib lib64 DOC "The SLEEF library")

if(SLEEF_INCLUDE_DIR)
  file(STRINGS "${SLEEF_INCLUDE_DIR}/sleef.h" _sleef_version_lines
       REGEX "^#define SLEEF_VERSION_(MAJOR|MINOR|PATCHLEVEL) +[0-9]+")
  foreach(_part MAJOR MINOR PATCHLEVEL)
    string(REGEX REPLACE ".*#define SLEEF_VERSION_${_part} +([0-9]+).*" "\\1" _sleef_${_part}
                         "${_sleef_version_lines}")
  endforeach()
  if(_sleef_MAJOR MATCHES "^[0-9]+$")
    set(SLEEF_VERSION "${_sleef_MAJOR}.${_sleef_MINOR}.${_sleef_PATCHLEVEL}")
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SLEEF REQUIRED_VARS SLEEF_LIBRARY SLEEF_INCLUDE_DIR
                                  VERSION_VAR SLEEF_VERSION)
mark_as_advanced(SLEEF_INCLUDE_DIR SLEEF_LIBRARY)

if(SLEEF_FOUND AND NOT TARGET SLEEF::sleef)
  add_library(SLEEF::sleef UNKNOWN IMPORTED)
  set_target_properties(SLEEF::sleef PROPERTIES
    IMPORTED_LOCATION "${SLEEF_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SLEEF_INCLUDE_DIR}")
endif()
