// Path queries (paths.h), with std::filesystem's non-throwing overloads.
#include "hourglass/io/paths.h"

#include <filesystem>
#include <system_error>

namespace hg::io {

bool is_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

bool is_dir(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

}  // namespace hg::io
