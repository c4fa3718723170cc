// hourglass: the command-line program (train, info). Usage errors print one line and exit 2;
// errors at run time (bad files, unavailable devices, ...) print "error: <message>" on one line
// and exit 1.
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "commands.h"
#include "hourglass/core/error.h"
#include "hourglass/core/version.h"

namespace {

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text;
}

// OpenMP threads spin between parallel regions by default. Training runs thousands of short
// regions per second, and on a machine with any other load those spinning threads steal the
// cores the working ones need (measured here: 1.8k vs 25k samples/s for the default model on
// 2 busy cores). libgomp reads its settings once, when it is loaded, so the only way to change
// the default from inside is to set the variable and start the program again. An explicit
// OMP_WAIT_POLICY from the user is respected.
void prefer_passive_openmp_threads(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "passive", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then carry on as we are
}

}  // namespace

int main(int argc, char** argv) {
  prefer_passive_openmp_threads(argv);
  CLI::App app{"hourglass: train and inspect autoencoders", "hourglass"};
  app.set_version_flag("--version", hg::version());
  app.require_subcommand(1);
  const hg::cli::Command train = hg::cli::add_train_command(app);
  const hg::cli::Command info = hg::cli::add_info_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << one_line(e.what()) << " (see hourglass --help)" << std::endl;
    return 2;
  }

  try {
    if (app.got_subcommand("train")) return train();
    return info();
  } catch (const hg::Error& e) {
    std::cout.flush();
    std::cerr << "error: " << one_line(e.what()) << std::endl;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "error: " << one_line(e.what()) << std::endl;
  }
  return 1;
}
