// hourglass: the command-line program (train, info). Usage errors print one line and exit 2;
// errors at run time (bad files, unavailable devices, ...) print "error: <message>" on one line
// and exit 1.
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

}  // namespace

int main(int argc, char** argv) {
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
