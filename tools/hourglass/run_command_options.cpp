// The shared options of the commands on a trained run, and opening the run and its data.
#include "run_command_options.h"

#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/data/dataset.h"
#include "model_inputs.h"

namespace hg::cli {
namespace {

std::string check_device(const std::string& text) {
  if (text == "auto" || text == "cpu" || text == "cuda") return "";
  if (text.rfind("cuda:", 0) == 0 && text.size() > 5 &&
      text.find_first_not_of("0123456789", 5) == std::string::npos)
    return "";
  return "expected auto, cpu, cuda or cuda:N, got '" + text + "'";
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void add_run_options(CLI::App* cmd, RunCommandOptions& o) {
  cmd->add_option("--run", o.run, "The run directory (hourglass train --out DIR)")->required();
  cmd->add_option("--device", o.device, "auto, cpu, cuda or cuda:N")
      ->check(CLI::Validator(check_device, "DEVICE"))
      ->capture_default_str();
}

CLI::Option* add_input_option(CLI::App* cmd, RunCommandOptions& o, const std::string& help,
                              bool required) {
  o.input_option = cmd->add_option("--input", o.input, help);
  if (required) o.input_option->required();
  return o.input_option;
}

CLI::Option* add_file_option(CLI::App* cmd, const std::string& flag, std::string& value,
                             const std::string& help, const std::string& extension) {
  const std::string name = flag;
  return cmd->add_option(flag, value, help)
      ->check(CLI::Validator(
          [name, extension](const std::string& path) -> std::string {
            if (ends_with(path, extension)) return "";
            return name + " '" + path + "' must end in " + extension;
          },
          "FILE" + extension));
}

CLI::Option* add_output_option(CLI::App* cmd, RunCommandOptions& o, const std::string& help,
                               const std::string& extension, bool required) {
  o.output_option = add_file_option(cmd, "--output", o.output, help, extension);
  if (required) o.output_option->required();
  return o.output_option;
}

CLI::Option* add_limit_option(CLI::App* cmd, RunCommandOptions& o) {
  return cmd->add_option("--limit", o.limit, "Use only the first N samples (-1: all)")
      ->check(CLI::Range(int64_t{-1}, int64_t{1} << 40))
      ->capture_default_str();
}

CLI::Option* add_seed_option(CLI::App* cmd, RunCommandOptions& o) {
  return cmd->add_option("--seed", o.seed, "Seed of the random draws")->capture_default_str();
}

CLI::Option* add_batch_option(CLI::App* cmd, RunCommandOptions& o) {
  return cmd->add_option("--batch", o.batch, "Samples per forward pass")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
}

CLI::Option* add_data_option(CLI::App* cmd, RunCommandOptions& o) {
  return cmd->add_option("--data", o.data,
                         "A folder with the four MNIST-format IDX files, instead of the run's");
}

LoadedRun open_run(const RunCommandOptions& o) {
  return load_run(o.run, Device::parse(o.device));
}

Device model_device(const models::Autoencoder& model) {
  const std::vector<Tensor> params = model.parameters();
  return params.empty() ? Device::cpu() : params.front().device();
}

std::string run_data_dir(const LoadedRun& run, const RunCommandOptions& o) {
  if (!o.data.empty()) return o.data;
  const auto it = run.config.find("data");
  HG_CHECK(it != run.config.end() && it->is_string(), run.dir,
           "/config.json names no data folder (\"data\"); pass --data DIR or --input FILE");
  return it->get<std::string>();
}

data::Dataset load_run_split(const LoadedRun& run, const RunCommandOptions& o, data::Split split) {
  const std::string dir = run_data_dir(run, o);
  data::Dataset set = data::load_split(dir, split, o.limit);
  HG_CHECK(set.size() > 0, "the ", data::split_name(split), " split of '", dir,
           "' holds no samples");
  const Shape expected(run.sample_shape);
  HG_CHECK(set.sample_shape() == expected, "the ", data::split_name(split), " split of '", dir,
           "' holds samples of shape ", set.sample_shape(), "; the run's model takes ", expected);
  return set;
}

Tensor inputs_or_split(const LoadedRun& run, const RunCommandOptions& o, data::Split split,
                       std::string* source) {
  if (!o.input.empty()) {
    if (source != nullptr) *source = o.input;
    return read_model_inputs(o.input, run.sample_shape, o.limit);
  }
  const data::Dataset set = load_run_split(run, o, split);
  if (source != nullptr)
    *source = std::string("the ") + data::split_name(split) + " split of " + run_data_dir(run, o);
  return set.images;
}

std::string shape_text(const Tensor& t) {
  std::ostringstream out;
  out << t.shape();
  return out.str();
}

}  // namespace hg::cli
