// The environment checks behind requirements.h.
#include "support/requirements.h"

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>

namespace hg::testing {

bool required(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && std::string(v) == "1";
}

std::string python_path() {
  const char* v = std::getenv("HG_PYTHON");
  return v != nullptr && *v != '\0' ? std::string(v) : std::string("/usr/bin/python3");
}

std::string python_missing(const std::string& modules) {
  static std::mutex mutex;
  static std::map<std::string, std::string> cache;
  std::lock_guard<std::mutex> lock(mutex);
  const auto found = cache.find(modules);
  if (found != cache.end()) return found->second;
  const std::string python = python_path();
  std::string why;
  if (access(python.c_str(), X_OK) != 0) {
    why = python + " is missing (set HG_PYTHON, or install Debian's python3-torch)";
  } else {
    const std::string command = "'" + python + "' -c 'import " + modules + "' >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0)
      why = python + " cannot import " + modules + " (set HG_PYTHON to one that can)";
  }
  cache.emplace(modules, why);
  return why;
}

}  // namespace hg::testing
