// Run directory creation, and the list of files that make a folder a run's.
#include "run_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "hourglass/core/error.h"
#include "pictures.h"
#include "train_outputs.h"

namespace hg::cli {

namespace fs = std::filesystem;

namespace {

// Every file `hourglass train` writes into a run directory.
const std::vector<std::string>& run_file_names() {
  static const std::vector<std::string> names = {
      "config.json",     "metrics.jsonl",     kModelJsonFile,
      kModelWeightsFile, kTrainingStateFile,  std::string(kTrainingStateFile) + ".next",
      "report.html",     kReconstructionsPng, kSamplesPng,
      kInterpolationPng, kLatentMapPng,       kLossCurvePng};
  return names;
}

// `name` is one of the run's files, or an atomic write's temporary of one (<name>.tmp.<pid>).
bool is_run_file(const std::string& name) {
  for (const std::string& base : run_file_names()) {
    if (name == base) return true;
    const std::string prefix = base + ".tmp.";
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
        name.find_first_not_of("0123456789", prefix.size()) == std::string::npos)
      return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> run_files_in(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (is_run_file(name)) found.push_back(name);
  }
  std::sort(found.begin(), found.end());
  return found;
}

void remove_interrupted_writes(const std::string& dir) {
  bool removed = false;
  for (const std::string& name : run_files_in(dir)) {
    if (name.find(".tmp.") == std::string::npos) continue;
    std::error_code ec;
    fs::remove(fs::path(dir) / name, ec);
    removed = true;
  }
  if (removed) io::fsync_directory(dir);
}

std::string create_run_dir(const std::string& requested, bool overwrite) {
  std::error_code ec;
  if (!requested.empty()) {
    const std::vector<std::string> old = run_files_in(requested);
    if (!old.empty() && !overwrite) {
      std::string list;
      for (size_t i = 0; i < old.size() && i < 4; ++i)
        list += (i ? ", " : "") + old[i];
      if (old.size() > 4) list += ", ...";
      HG_FAIL("--out '", requested, "' already holds a run (", list,
              "); continue it with --resume, replace it with --overwrite, or choose another "
              "folder");
    }
    for (const std::string& name : old) {
      fs::remove(fs::path(requested) / name, ec);
      HG_CHECK(!ec, "--overwrite: cannot remove '", (fs::path(requested) / name).string(),
               "': ", ec.message());
    }
    if (!old.empty()) io::fsync_directory(requested);
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
