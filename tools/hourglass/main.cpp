// hourglass: the command-line program: train, the commands on a trained run, info. Usage errors
// print one line and exit 2; errors at run time (bad files, unavailable devices, ...) print "error:
// <message>" on one line and exit 1.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "commands.h"
#include "config_file.h"
#include "hourglass/core/error.h"
#include "hourglass/core/printable.h"
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

// A usage error in words a user reads at once: CLI11's wording for the common slips rephrased
// ("--device: At Most 1 required but received 2" -> "--device given 2 times; give it once"), and
// where to look next: the --help of the command being parsed, or of the program.
std::string usage_message(const std::string& what, const std::string& command) {
  static const std::vector<std::pair<std::regex, std::string>> rephrased = {
      {std::regex("^(\\S+): At Most 1 required but received (\\d+)$"),
       "$1 given $2 times; give it once"},
      {std::regex("^(\\S+): At least 1 required but received 0$"), "$1 needs a value"},
      {std::regex("^(\\S+): 1 required (\\S+) missing$"), "$1 needs a value ($2)"},
      {std::regex("^A subcommand( is)? required$"), "a command is required"},
  };
  std::string message = one_line(what);
  // CLI11 lists unexpected arguments in its parse order, which is ours reversed (see main).
  static const std::regex extras("^The following arguments? (was|were) not expected: (.*)$");
  std::smatch match;
  if (std::regex_match(message, match, extras)) {
    std::istringstream words(match[2].str());
    std::vector<std::string> list{std::istream_iterator<std::string>(words), {}};
    std::string joined;
    for (auto it = list.rbegin(); it != list.rend(); ++it)
      joined += (joined.empty() ? "" : " ") + *it;
    message = "unexpected argument" + std::string(list.size() > 1 ? "s" : "") + ": " + joined;
  }
  for (const auto& [pattern, replacement] : rephrased) {
    if (std::regex_match(message, pattern)) {
      message = std::regex_replace(message, pattern, replacement);
      break;
    }
  }
  return message + " (see hourglass " + (command.empty() ? "" : command + " ") + "--help)";
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
  using hg::cli::Command;
  // In the order `hourglass --help` lists them.
  const std::vector<std::pair<std::string, Command>> commands = {
      {"train", hg::cli::add_train_command(app)},
      {"eval", hg::cli::add_eval_command(app)},
      {"encode", hg::cli::add_encode_command(app)},
      {"decode", hg::cli::add_decode_command(app)},
      {"reconstruct", hg::cli::add_reconstruct_command(app)},
      {"sample", hg::cli::add_sample_command(app)},
      {"interpolate", hg::cli::add_interpolate_command(app)},
      {"latent-map", hg::cli::add_latent_map_command(app)},
      {"denoise", hg::cli::add_denoise_command(app)},
      {"inpaint", hg::cli::add_inpaint_command(app)},
      {"super-resolve", hg::cli::add_super_resolve_command(app)},
      {"hash", hg::cli::add_hash_command(app)},
      {"classify", hg::cli::add_classify_command(app)},
      {"info", hg::cli::add_info_command(app)},
  };

  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    args = hg::cli::expand_config_files(args);
    std::reverse(args.begin(), args.end());  // CLI11 consumes the vector from its back
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string command;
    for (const auto& entry : commands)
      if (app.got_subcommand(entry.first)) command = entry.first;
    std::cerr << "error: " << usage_message(e.what(), command) << std::endl;
    return 2;
  } catch (const hg::Error& e) {  // an unreadable --config file
    std::cerr << "error: " << one_line(e.what()) << std::endl;
    return 2;
  }

  try {
    for (const auto& [name, run] : commands) {
      if (app.got_subcommand(name)) return run();
    }
    return 2;  // unreachable: require_subcommand(1)
  } catch (const hg::Error& e) {
    std::cout.flush();
    std::cerr << "error: " << one_line(e.what()) << std::endl;
  } catch (const std::exception& e) {  // not built by HG_CHECK: escape it here
    std::cout.flush();
    std::cerr << "error: " << one_line(hg::printable(e.what())) << std::endl;
  }
  return 1;
}
