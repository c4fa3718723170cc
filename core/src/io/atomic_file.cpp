// Atomic whole-file writes (temporary file in the same directory, fsync, rename) and whole-file
// reads.
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

void write_file_atomic(const std::string& path, const std::string& contents) {
  const std::string temp = path + ".tmp." + std::to_string(getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  HG_CHECK(fd >= 0, "cannot create '", temp, "': ", std::strerror(errno));
  size_t written = 0;
  bool ok = true;
  while (ok && written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temp.c_str());
    HG_FAIL("cannot write '", path, "': ", reason);
  }
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
