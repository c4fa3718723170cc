// Whole-file atomic writes: the bytes go to a temporary file in the same directory, are fsynced,
// and the temporary is renamed over the target, so a reader (or a crash) never sees a half-written
// checkpoint, array or picture. On any failure the temporary is removed and the target is left as
// it was.
#pragma once

#include <string>

namespace hg::io {

// Writes `contents` to `path` atomically. Throws hg::Error naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& contents);

// The whole file as bytes. Throws hg::Error naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace hg::io
