// TOML config files turned into command-line arguments (see config_file.h).
#include "config_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/io/atomic_file.h"
#include "hourglass/io/toml_text.h"

namespace hg::cli {
namespace {

std::string scalar_text(const toml::node& value, const std::string& where) {
  if (const auto* text = value.as_string()) return io::unshield_toml_string(text->get());
  if (const auto* integer = value.as_integer()) return std::to_string(integer->get());
  if (const auto* real = value.as_floating_point()) {
    std::ostringstream out;
    out.precision(17);
    out << real->get();
    return out.str();
  }
  if (const auto* boolean = value.as_boolean()) return boolean->get() ? "true" : "false";
  HG_FAIL(where, ": expected a string, number, boolean or an array of those");
}

// Whether the user's own arguments set `--key` (as `--key`, `--key=...` or the `--no-key` /
// `--un...` negations CLI11 flags have are not detected: those are rare enough to leave to the
// duplicate-option check).
bool given_on_command_line(const std::vector<std::string>& args, const std::string& flag) {
  return std::any_of(args.begin(), args.end(), [&](const std::string& a) {
    return a == flag || a.rfind(flag + "=", 0) == 0;
  });
}

std::vector<std::string> config_arguments(const std::string& path,
                                          const std::vector<std::string>& user_args) {
  toml::table table;
  try {
    table =
        toml::parse(io::shield_toml_text(io::read_file(path), "config file '" + path + "'"), path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    HG_FAIL("config file '", path, "':", where.line, ":", where.column, ": ",
            io::unshield_toml_string(e.description()));
  }
  std::vector<std::string> out;
  for (const auto& [key, value] : table) {
    const std::string name = io::unshield_toml_string(key.str());
    const std::string flag = "--" + name;
    const std::string where = "config file '" + path + "', key '" + name + "'";
    if (given_on_command_line(user_args, flag)) continue;
    if (const toml::array* array = value.as_array()) {
      out.push_back(flag);
      for (const toml::node& item : *array)
        out.push_back(scalar_text(item, where));
      continue;
    }
    HG_CHECK(!value.is_table(), where,
             ": tables are not options; write the options at the top "
             "level of the file");
    if (const auto* boolean = value.as_boolean()) {
      out.push_back(flag + "=" + (boolean->get() ? "true" : "false"));
      continue;
    }
    out.push_back(flag);
    out.push_back(scalar_text(value, where));
  }
  return out;
}

}  // namespace

std::vector<std::string> expand_config_files(const std::vector<std::string>& args) {
  std::vector<std::string> user, configs;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config") {
      HG_CHECK(i + 1 < args.size(), "--config needs a file name");
      configs.push_back(args[++i]);
    } else if (args[i].rfind("--config=", 0) == 0) {
      configs.push_back(args[i].substr(9));
    } else {
      user.push_back(args[i]);
    }
  }
  if (configs.empty()) return args;
  // The subcommand comes first, then the files' options, then the user's own.
  std::vector<std::string> out;
  auto rest = user.begin();
  if (rest != user.end() && rest->rfind("-", 0) != 0) out.push_back(*rest++);
  const std::vector<std::string> user_options(rest, user.end());
  for (const std::string& path : configs) {
    for (std::string& a : config_arguments(path, user_options))
      out.push_back(std::move(a));
  }
  out.insert(out.end(), user_options.begin(), user_options.end());
  return out;
}

}  // namespace hg::cli
