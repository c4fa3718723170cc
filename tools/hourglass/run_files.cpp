// Run directory creation.
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
