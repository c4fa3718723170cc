// Files of a training run: the run directory, and whole-file atomic writes (hourglass/io), so a run
// directory never holds a half-written file.
#pragma once

#include <string>

#include "hourglass/io/atomic_file.h"

namespace hg::cli {

using io::write_file_atomic;

// Creates the run directory: `requested` when given (an existing one is reused, and the new run
// replaces its files), else a fresh runs/<YYYYmmdd-HHMMSS> (with a -N suffix when taken) under
// the current directory. Returns the directory's path.
std::string create_run_dir(const std::string& requested);

}  // namespace hg::cli
