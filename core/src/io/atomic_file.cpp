// Atomic whole-file writes (temporary file in the same directory, fsync, rename, fsync of the
// directory) and whole-file reads.
#include "hourglass/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "hourglass/core/error.h"

namespace hg::io {
namespace {

// The directory holding `path` ("." for a bare name).
std::string directory_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool write_all(int fd, const char* data, size_t size) {
  size_t written = 0;
  while (written < size) {
    const ssize_t n = ::write(fd, data + written, size - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

void fsync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  HG_CHECK(fd >= 0, "cannot open directory '", dir, "' to sync it: ", std::strerror(errno));
  const bool ok = ::fsync(fd) == 0;
  const std::string reason = ok ? "" : std::strerror(errno);
  ::close(fd);
  HG_CHECK(ok, "cannot sync directory '", dir, "': ", reason);
}

void rename_durable(const std::string& from, const std::string& to) {
  HG_CHECK(std::rename(from.c_str(), to.c_str()) == 0, "cannot rename '", from, "' to '", to,
           "': ", std::strerror(errno));
  fsync_directory(directory_of(to));
}

void write_file_atomic_with(const std::string& path, const std::function<bool(int fd)>& write) {
  const std::string temp = path + ".tmp." + std::to_string(getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  HG_CHECK(fd >= 0, "cannot create '", temp, "': ", std::strerror(errno));
  bool ok = false;
  errno = 0;
  try {
    ok = write(fd);
  } catch (...) {
    ::close(fd);
    std::remove(temp.c_str());
    throw;
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = errno != 0 ? std::strerror(errno) : "write failed";
    std::remove(temp.c_str());
    HG_FAIL("cannot write '", path, "': ", reason);
  }
  fsync_directory(directory_of(path));
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  write_file_atomic_with(path,
                         [&](int fd) { return write_all(fd, contents.data(), contents.size()); });
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HG_CHECK(in.good(), "cannot open '", path, "': ", std::strerror(errno));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  HG_CHECK(!in.bad(), "cannot read '", path, "'");
  return bytes.str();
}

}  // namespace hg::io
