// Files of a training run: the run directory, and whole-file atomic writes (hourglass/io), so a run
// directory never holds a half-written file.
#pragma once

#include <string>
#include <vector>

#include "hourglass/io/atomic_file.h"

namespace hg::cli {

using io::write_file_atomic;

// Creates the run directory: `requested` when given, else a fresh runs/<YYYYmmdd-HHMMSS> (with a
// -N suffix when taken) under the current directory. Returns the directory's path. A requested
// folder that already holds a run's files (run_files_in) is refused with hg::Error, so a folder
// is never a mix of two runs, unless `overwrite`: the old run's files are then removed first
// (other files in the folder are left alone).
std::string create_run_dir(const std::string& requested, bool overwrite = false);

// The files of a training run that `dir` holds (names, sorted): config.json, metrics.jsonl,
// model.json, the checkpoint, the pictures, report.html, and leftovers of interrupted writes.
std::vector<std::string> run_files_in(const std::string& dir);

// Removes the temporaries (<name>.tmp.<pid>) that atomic writes of a run's files left when the
// run was killed; for --resume.
void remove_interrupted_writes(const std::string& dir);

}  // namespace hg::cli
