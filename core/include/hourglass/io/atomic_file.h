// Whole-file atomic writes: the bytes go to a temporary file in the same directory, are fsynced,
// the temporary is renamed over the target, and the directory is fsynced, so a reader (or a
// crash, or a power cut) never sees a half-written checkpoint, array or picture, and a completed
// write stays done. On any failure the temporary is removed and the target is left as it was.
// This is the one atomic writer of the code base: everything that writes a file goes through it.
#pragma once

#include <functional>
#include <string>

namespace hg::io {

// Writes `contents` to `path` atomically. Throws hg::Error naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& contents);

// Atomically writes whatever `write` puts into the open descriptor it is given (the temporary
// file, positioned at 0); `write` returns false (or throws) on failure, and the target is then
// left as it was. For contents produced in pieces (a gzip stream) rather than held whole.
void write_file_atomic_with(const std::string& path, const std::function<bool(int fd)>& write);

// Renames `from` to `to` (replacing it) and fsyncs the directory of `to`, so the rename survives a
// crash. Throws hg::Error naming both paths on failure.
void rename_durable(const std::string& from, const std::string& to);

// fsyncs the directory `dir` (after creating, renaming or removing entries in it).
void fsync_directory(const std::string& dir);

// The whole file as bytes. Throws hg::Error naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace hg::io
