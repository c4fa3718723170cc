// Run directory creation and atomic file writes.
#include "run_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "hourglass/core/error.h"

namespace hg::cli {

namespace fs = std::filesystem;

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

std::string create_run_dir(const std::string& requested) {
  std::error_code ec;
  if (!requested.empty()) {
    fs::create_directories(requested, ec);
    HG_CHECK(!ec && fs::is_directory(requested), "cannot create run directory '", requested,
             "': ", ec ? ec.message() : "a file of that name exists");
    return requested;
  }
  fs::create_directories("runs", ec);
  HG_CHECK(!ec, "cannot create the directory 'runs': ", ec.message());
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &local);
  // mkdir is atomic: the first name this process creates is its own, even with concurrent runs.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::string name =
        std::string("runs/") + stamp + (attempt == 0 ? "" : "-" + std::to_string(attempt));
    if (::mkdir(name.c_str(), 0755) == 0) return name;
    HG_CHECK(errno == EEXIST, "cannot create run directory '", name, "': ", std::strerror(errno));
  }
  HG_FAIL("cannot create a run directory under runs/: every name for ", stamp, " is taken");
}

}  // namespace hg::cli
