// What a path names, for the readers that pick among files (data folders, run folders). Both
// follow symbolic links and answer false when the path does not exist or cannot be examined.
#pragma once

#include <string>

namespace hg::io {

bool is_file(const std::string& path);  // a regular file
bool is_dir(const std::string& path);   // a directory

}  // namespace hg::io
