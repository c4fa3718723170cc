// `hourglass train`: trains an autoencoder on MNIST-format data and writes the run's config.json
// and metrics.jsonl (one JSON object per epoch, rewritten atomically after each epoch).
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "hourglass/core/device.h"
#include "hourglass/core/error.h"
#include "hourglass/core/progress.h"
#include "hourglass/core/rng.h"
#include "hourglass/core/version.h"
#include "hourglass/data/data.h"
#include "hourglass/models/models.h"
#include "hourglass/optim/optimizer.h"
#include "run_files.h"

#ifndef HG_SOURCE_DIR
#error "HG_SOURCE_DIR (the repository root, for data/ and tools/fetch-data) must be defined"
#endif

namespace hg::cli {
namespace {

struct TrainArgs {
  std::string model = "dense";
  std::string data = "mnist";
  int64_t epochs = 1;
  int64_t batch = 128;
  std::string optimizer = "adam";
  double lr = -1;  // < 0: the optimizer's default
  uint64_t seed = 0;
  std::string device = "auto";
  std::string loss = "bce";
  std::vector<int64_t> hidden{64};
  std::string activation = "relu";
  std::string output_activation = "sigmoid";
  int64_t limit = -1;
  std::string out;
};

bool is_file(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// Single-quotes `text` for the shell.
std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool has_split_files(const std::string& dir) {
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    const std::string path = dir + "/" + name;
    if (!is_file(path) && !is_file(path + ".gz")) return false;
  }
  return true;
}

// The folder holding the dataset named by --data: a known name ("mnist", "fashion-mnist") under
// $HG_DATA_DIR or the repository's data/, fetched with tools/fetch-data when absent; anything
// else is a folder path.
std::string resolve_data_dir(const std::string& data) {
  if (data != "mnist" && data != "fashion-mnist") return data;
  const char* env = std::getenv("HG_DATA_DIR");
  const std::string root = env != nullptr && *env != '\0' ? env : HG_SOURCE_DIR "/data";
  const std::string dir = root + "/" + data;
  if (has_split_files(dir)) return dir;

  const std::string script = HG_SOURCE_DIR "/tools/fetch-data";
  const std::string command = shell_quote(script) + " " + data + " --dir " + shell_quote(root);
  HG_CHECK(is_file(script), data, " is not in '", dir, "' and the fetch script '", script,
           "' is missing; put the four IDX files there, or pass --data DIR");
  std::cout << "data: " << data << " not found in " << dir << "; running " << command << std::endl;
  // The script's messages go to our stderr, keeping stdout to the run's own report.
  const int status = std::system((command + " 1>&2").c_str());
  HG_CHECK(status == 0 && has_split_files(dir), "could not fetch ", data, " into '", dir, "' (",
           command, " failed); fetch it by hand or pass --data DIR");
  return dir;
}

std::string format_loss(double value) {
  if (std::isnan(value)) return "n/a";
  char text[32];
  std::snprintf(text, sizeof(text), "%.6f", value);
  return text;
}

std::string describe_device(Device device) {
  if (device.is_cpu()) return "cpu";
  return device.str() + (cuda_is_emulated() ? " (SIMT emulator)" : "");
}

nlohmann::json epoch_json(const models::EpochRecord& r, const std::string& loss) {
  nlohmann::json j;
  j["epoch"] = r.epoch;
  j["steps"] = r.steps;
  j["loss"] = loss;
  j["train_loss"] = r.train_loss;
  j["test_loss"] = std::isnan(r.test_loss) ? nlohmann::json(nullptr) : nlohmann::json(r.test_loss);
  j["samples_per_second"] = r.samples_per_second;
  j["train_seconds"] = r.train_seconds;
  j["seconds"] = r.seconds;
  return j;
}

int run_train(const TrainArgs& args) {
  const Device device = Device::parse(args.device);
  std::cout << "device: " << describe_device(device) << std::endl;
  manual_seed(args.seed);

  const std::string data_dir = resolve_data_dir(args.data);
  const data::Dataset train_set = data::load_mnist(data_dir, data::Split::kTrain, args.limit);
  const data::Dataset test_set = data::load_mnist(data_dir, data::Split::kTest, args.limit);
  const Shape sample = train_set.sample_shape();
  std::cout << "data: " << data_dir << ": " << format_thousands(train_set.size()) << " train / "
            << format_thousands(test_set.size()) << " test samples of " << sample << std::endl;

  models::DenseAutoencoderOptions model_options;
  model_options.sizes = {train_set.sample_numel()};
  model_options.sizes.insert(model_options.sizes.end(), args.hidden.begin(), args.hidden.end());
  model_options.hidden_activation = args.activation;
  model_options.output_activation = args.output_activation;
  model_options.seed = args.seed;
  models::DenseAutoencoder model(model_options);
  model.to(device);
  const models::ReconstructionLoss loss = models::parse_reconstruction_loss(args.loss);
  auto optimizer =
      optim::make_optimizer(args.optimizer, model.parameters(), static_cast<float>(args.lr));
  std::cout << "model: " << model.describe() << std::endl;
  std::cout << "training: " << optimizer->name() << " (lr " << optimizer->lr() << "), loss "
            << models::loss_name(loss) << " per pixel, batch " << args.batch << ", " << args.epochs
            << (args.epochs == 1 ? " epoch" : " epochs") << ", seed " << args.seed << std::endl;

  data::DataLoaderOptions loader_options;
  loader_options.batch_size = args.batch;
  loader_options.seed = args.seed;
  loader_options.device = device;
  data::DataLoader train_loader(train_set, loader_options);
  loader_options.shuffle = false;
  data::DataLoader test_loader(test_set, loader_options);

  const bool replacing = !args.out.empty() && is_file(args.out + "/metrics.jsonl");
  const std::string run_dir = create_run_dir(args.out);
  std::cout << "run: " << run_dir << (replacing ? " (replacing the previous run's files)" : "")
            << std::endl;
  nlohmann::json config = {{"model", args.model},
                           {"data", data_dir},
                           {"epochs", args.epochs},
                           {"batch", args.batch},
                           {"optimizer", optimizer->name()},
                           {"lr", optimizer->lr()},
                           {"seed", args.seed},
                           {"device", device.str()},
                           {"loss", args.loss},
                           {"sizes", model_options.sizes},
                           {"activation", args.activation},
                           {"output_activation", args.output_activation},
                           {"limit", args.limit},
                           {"train_samples", train_set.size()},
                           {"test_samples", test_set.size()},
                           {"parameters", model.num_parameters()},
                           {"hourglass_version", version()}};
  write_file_atomic(run_dir + "/config.json", config.dump(2) + "\n");

  std::string metrics;
  models::TrainOptions train_options;
  train_options.epochs = args.epochs;
  train_options.loss = loss;
  train_options.on_epoch = [&](const models::EpochRecord& r) {
    metrics += epoch_json(r, args.loss).dump() + "\n";
    write_file_atomic(run_dir + "/metrics.jsonl", metrics);
    std::ostringstream line;
    line << "epoch " << r.epoch << "/" << args.epochs << "  train " << args.loss << " "
         << format_loss(r.train_loss) << "  test " << args.loss << " " << format_loss(r.test_loss)
         << "  " << format_thousands(static_cast<int64_t>(std::llround(r.samples_per_second)))
         << " samples/s  " << format_duration(r.seconds);
    std::cout << line.str() << std::endl;
  };
  const auto history =
      models::train_autoencoder(model, *optimizer, train_loader, &test_loader, train_options);
  if (!history.empty()) {
    std::cout << "done: test " << args.loss << " " << format_loss(history.back().test_loss)
              << " per pixel after " << history.size()
              << (history.size() == 1 ? " epoch" : " epochs") << "; metrics in " << run_dir
              << "/metrics.jsonl" << std::endl;
  }
  return 0;
}

// CLI11 check for --device: the syntax only; availability is checked when the run starts.
std::string check_device(const std::string& text) {
  if (text == "auto" || text == "cpu" || text == "cuda") return "";
  if (text.rfind("cuda:", 0) == 0 && text.size() > 5 &&
      text.find_first_not_of("0123456789", 5) == std::string::npos)
    return "";
  return "expected auto, cpu, cuda or cuda:N, got '" + text + "'";
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "Train an autoencoder on MNIST-format data");
  cmd->add_option("--model", args->model, "Model architecture")
      ->check(CLI::IsMember({"dense"}))
      ->capture_default_str();
  cmd->add_option("--data", args->data,
                  "mnist, fashion-mnist (from $HG_DATA_DIR or data/ in the repository, fetched "
                  "when missing) or a folder with the four IDX files")
      ->capture_default_str();
  cmd->add_option("--epochs", args->epochs, "Number of epochs")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}))
      ->capture_default_str();
  cmd->add_option("--batch", args->batch, "Batch size")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--optimizer", args->optimizer, "Optimizer")
      ->check(CLI::IsMember({"adam", "adamw", "sgd", "adadelta", "adagrad"}))
      ->capture_default_str();
  cmd->add_option("--lr", args->lr, "Learning rate (default: the optimizer's, e.g. 1e-3 for adam)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args->seed, "Seed for weights and shuffling")->capture_default_str();
  cmd->add_option("--device", args->device, "auto, cpu, cuda or cuda:N")
      ->check(CLI::Validator(check_device, "DEVICE"))
      ->capture_default_str();
  cmd->add_option("--loss", args->loss, "Reconstruction loss, mean per pixel")
      ->check(CLI::IsMember({"mse", "bce"}))
      ->capture_default_str();
  cmd->add_option("--hidden", args->hidden,
                  "Encoder layer sizes after the input, the last being the code (e.g. 128,64,32)")
      ->delimiter(',')
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--activation", args->activation, "Hidden and code activation")
      ->check(CLI::IsMember({"relu", "leaky_relu", "sigmoid", "tanh", "softplus", "identity"}))
      ->capture_default_str();
  cmd->add_option("--output-activation", args->output_activation, "Output activation")
      ->check(CLI::IsMember({"sigmoid", "identity"}))
      ->capture_default_str();
  cmd->add_option("--limit", args->limit, "Use only the first N samples of each split (quick runs)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--out", args->out, "Run directory (default: runs/<timestamp>)");
  return [args] { return run_train(*args); };
}

}  // namespace hg::cli
