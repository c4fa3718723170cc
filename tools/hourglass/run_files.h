// Files of a training run: the run directory and whole-file atomic writes (temporary file, fsync,
// rename), so a run directory never holds a half-written metrics file.
#pragma once

#include <string>

namespace hg::cli {

// Writes `contents` to `path` atomically. Throws hg::Error naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& contents);

// Creates the run directory: `requested` when given (an existing one is reused, and the new run
// replaces its files), else a fresh runs/<YYYYmmdd-HHMMSS> (with a -N suffix when taken) under
// the current directory. Returns the directory's path.
std::string create_run_dir(const std::string& requested);

}  // namespace hg::cli
