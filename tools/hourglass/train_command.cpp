// `hourglass train`: trains a preset (--model) or a spec file's model (--spec) on MNIST-format
// data with the resolved recipe, reporting every objective term per epoch, and writes the run's
// config.json (the resolved recipe, preset or spec, overrides) and metrics.jsonl (one JSON object
// per epoch, and per pre-training epoch of stacked models, rewritten atomically after each).
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
#include "hourglass/models/dense_autoencoder.h"
#include "hourglass/models/models.h"
#include "hourglass/models/stacked.h"
#include "hourglass/ops/conv.h"
#include "hourglass/optim/optimizer.h"
#include "run_files.h"
#include "train_options.h"

#ifndef HG_SOURCE_DIR
#error "HG_SOURCE_DIR (the repository root, for data/ and tools/fetch-data) must be defined"
#endif

namespace hg::cli {
namespace {

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

nlohmann::json terms_json(const std::vector<models::TermValue>& terms) {
  nlohmann::json j = nlohmann::json::object();
  for (const models::TermValue& t : terms)
    j[t.name] = t.value;
  return j;
}

// "bce 0.123456" for a lone reconstruction term; "loss 0.13 (reconstruction bce 0.12, l1 0.01)"
// when the objective has more terms.
std::string format_objective(double total, const std::vector<models::TermValue>& terms,
                             const std::string& loss) {
  if (terms.size() <= 1) return loss + " " + format_loss(total);
  std::string text = "loss " + format_loss(total) + " (";
  for (size_t i = 0; i < terms.size(); ++i) {
    text += (i ? ", " : "") + terms[i].name;
    if (terms[i].name == "reconstruction") text += " " + loss;
    text += " " + format_loss(terms[i].value);
  }
  return text + ")";
}

nlohmann::json epoch_json(const models::EpochRecord& r, const std::string& loss) {
  nlohmann::json j;
  j["phase"] = "train";
  j["epoch"] = r.epoch;
  j["steps"] = r.steps;
  j["loss"] = loss;
  j["train_loss"] = r.train_loss;
  j["test_loss"] = std::isnan(r.test_loss) ? nlohmann::json(nullptr) : nlohmann::json(r.test_loss);
  j["train_terms"] = terms_json(r.train_terms);
  j["test_terms"] = terms_json(r.test_terms);
  j["samples_per_second"] = r.samples_per_second;
  j["train_seconds"] = r.train_seconds;
  j["seconds"] = r.seconds;
  return j;
}

nlohmann::json recipe_json(const models::Recipe& r) {
  return {{"loss", r.loss},
          {"optimizer", r.optimizer},
          {"lr", r.lr},
          {"momentum", r.momentum},
          {"adadelta_rho", r.adadelta_rho},
          {"adadelta_eps", r.adadelta_eps},
          {"batch", r.batch},
          {"epochs", r.epochs},
          {"pretrain_epochs", r.pretrain_epochs},
          {"latent", r.latent},
          {"variant", r.variant},
          {"tied", r.tied},
          {"sparsity", r.sparsity},
          {"l1", r.l1},
          {"sparsity_weight", r.sparsity_weight},
          {"rho", r.rho},
          {"k", r.k},
          {"alpha", r.alpha},
          {"k_start", r.k_start},
          {"anneal_epochs", r.anneal_epochs},
          {"contractive", r.contractive},
          {"noise", r.noise},
          {"noise_level", r.noise_level},
          {"beta", r.beta}};
}

// Greedy layer-wise pre-training of a stacked model, one progress line per layer epoch.
void pretrain_stacked(models::StackedAutoencoder& model, const models::Recipe& recipe,
                      data::DataLoader& train, uint64_t seed, const std::string& run_dir,
                      std::string& metrics) {
  const std::vector<int64_t>& sizes = model.options().sizes;
  std::cout << "pre-training: " << model.num_layers() << " layers, greedy, bottom up, "
            << recipe.pretrain_epochs << (recipe.pretrain_epochs == 1 ? " epoch" : " epochs")
            << " each" << std::endl;
  models::PretrainOptions options;
  options.epochs = recipe.pretrain_epochs;
  options.optimizer = recipe.optimizer;
  options.lr = recipe.lr;
  options.loss = models::recipe_loss(recipe);
  options.corruption = models::recipe_corruption(recipe);
  options.l1_weight = recipe.sparsity == "l1" ? recipe.l1 : 0.0f;
  options.seed = seed;
  options.on_epoch = [&](const models::PretrainEpoch& e) {
    nlohmann::json j = {{"phase", "pretrain"},
                        {"layer", e.layer + 1},
                        {"epoch", e.epoch},
                        {"train_loss", e.train_loss}};
    metrics += j.dump() + "\n";
    write_file_atomic(run_dir + "/metrics.jsonl", metrics);
    std::cout << "pretrain layer " << e.layer + 1 << "/" << model.num_layers() << " ("
              << sizes[e.layer] << "-" << sizes[e.layer + 1] << ") epoch " << e.epoch << "/"
              << recipe.pretrain_epochs << "  train loss " << format_loss(e.train_loss)
              << std::endl;
  };
  model.pretrain(train, options);
  std::cout << "fine-tuning: the whole " << model.num_layers() * 2
            << "-layer autoencoder on reconstruction" << std::endl;
}

int run_train(const TrainArgs& args) {
  const ResolvedRun run = resolve_run(args);
  const models::Recipe& recipe = run.recipe;
  const Device device = Device::parse(args.device);
  set_conv_impl(parse_conv_impl(args.conv_impl));
  std::cout << "device: " << describe_device(device)
            << (args.conv_impl == "cudnn" ? " (cuDNN convolutions)" : "") << std::endl;
  manual_seed(args.seed);

  const std::string data_dir = resolve_data_dir(args.data);
  const data::Dataset train_set = data::load_mnist(data_dir, data::Split::kTrain, args.limit);
  const data::Dataset test_set = data::load_mnist(data_dir, data::Split::kTest, args.limit);
  const Shape sample = train_set.sample_shape();
  std::cout << "data: " << data_dir << ": " << format_thousands(train_set.size()) << " train / "
            << format_thousands(test_set.size()) << " test samples of " << sample << std::endl;

  std::unique_ptr<models::Autoencoder> model =
      run.preset != nullptr ? models::build_preset(*run.preset, recipe, sample.dims(), args.seed,
                                                   run.dense ? &*run.dense : nullptr)
                            : models::build_spec_model(*run.spec, recipe, sample.dims(), args.seed);
  model->to(device);
  const models::ReconstructionLoss loss = models::recipe_loss(recipe);
  auto optimizer = models::make_recipe_optimizer(recipe, model->parameters());
  if (run.preset != nullptr) {
    std::cout << "preset: " << run.preset->name << " (" << run.preset->source << ")" << std::endl;
  } else {
    std::cout << "spec: " << run.spec->file << " (" << run.spec->name << ")" << std::endl;
  }
  std::cout << "model: " << model->describe() << std::endl;
  const std::string variant = models::variant_summary(recipe);
  std::cout << "training: " << models::recipe_summary(recipe);
  if (recipe.lr < 0)
    std::cout << " (" << optimizer->name() << "'s default lr " << optimizer->lr() << ")";
  std::cout << ", seed " << args.seed << (variant.empty() ? "" : "; " + variant) << std::endl;

  data::DataLoaderOptions loader_options;
  loader_options.batch_size = recipe.batch;
  loader_options.seed = args.seed;
  loader_options.device = device;
  data::DataLoader train_loader(train_set, loader_options);
  loader_options.shuffle = false;
  data::DataLoader test_loader(test_set, loader_options);

  const bool replacing = !args.out.empty() && is_file(args.out + "/metrics.jsonl");
  const std::string run_dir = create_run_dir(args.out);
  std::cout << "run: " << run_dir << (replacing ? " (replacing the previous run's files)" : "")
            << std::endl;
  nlohmann::json config = {{"model", run.preset != nullptr ? run.preset->name : "spec"},
                           {"data", data_dir},
                           {"epochs", recipe.epochs},
                           {"batch", recipe.batch},
                           {"optimizer", optimizer->name()},
                           {"lr", optimizer->lr()},
                           {"seed", args.seed},
                           {"device", device.str()},
                           {"conv_impl", args.conv_impl},
                           {"loss", recipe.loss},
                           {"recipe", recipe_json(recipe)},
                           {"overrides", run.overrides},
                           {"architecture", model->describe()},
                           {"limit", args.limit},
                           {"train_samples", train_set.size()},
                           {"test_samples", test_set.size()},
                           {"parameters", model->num_parameters()},
                           {"hourglass_version", version()}};
  if (run.preset != nullptr) {
    config["preset"] = {{"name", run.preset->name},
                        {"family", models::model_family_name(run.preset->family)},
                        {"source", run.preset->source},
                        {"notes", run.preset->notes}};
  } else {
    config["spec"] = {
        {"file", run.spec->file}, {"name", run.spec->name}, {"options_set", run.spec->options_set}};
  }
  if (auto* dense = dynamic_cast<models::DenseAutoencoder*>(model.get())) {
    config["sizes"] = dense->options().sizes;
    config["activation"] = dense->options().hidden_activation;
    config["output_activation"] = dense->options().output_activation;
  }
  write_file_atomic(run_dir + "/config.json", config.dump(2) + "\n");

  std::string metrics;
  if (auto* stacked = dynamic_cast<models::StackedAutoencoder*>(model.get());
      stacked != nullptr && recipe.pretrain_epochs > 0) {
    pretrain_stacked(*stacked, recipe, train_loader, args.seed, run_dir, metrics);
  }

  models::TrainOptions train_options;
  train_options.epochs = recipe.epochs;
  train_options.loss = loss;
  train_options.corruption = models::recipe_corruption(recipe);
  train_options.corruption_seed = args.seed;
  train_options.on_epoch = [&](const models::EpochRecord& r) {
    metrics += epoch_json(r, recipe.loss).dump() + "\n";
    write_file_atomic(run_dir + "/metrics.jsonl", metrics);
    std::ostringstream line;
    line << "epoch " << r.epoch << "/" << recipe.epochs << "  train "
         << format_objective(r.train_loss, r.train_terms, recipe.loss) << "  test "
         << format_objective(r.test_loss, r.test_terms, recipe.loss) << "  "
         << format_thousands(static_cast<int64_t>(std::llround(r.samples_per_second)))
         << " samples/s  " << format_duration(r.seconds);
    std::cout << line.str() << std::endl;
  };
  const auto history =
      models::train_autoencoder(*model, *optimizer, train_loader, &test_loader, train_options);
  if (!history.empty()) {
    std::cout << "done: test "
              << format_objective(history.back().test_loss, history.back().test_terms, recipe.loss)
              << " after " << history.size() << (history.size() == 1 ? " epoch" : " epochs")
              << "; metrics in " << run_dir << "/metrics.jsonl" << std::endl;
  }
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train an autoencoder (a preset or a spec file) on MNIST-format data");
  add_train_options(cmd, *args);
  cmd->footer(presets_help());
  // Option combinations a preset makes wrong are usage errors (exit 2), found while parsing; a
  // spec file's are found when it is read.
  cmd->callback([args] {
    try {
      resolve_run(*args, /*read_spec=*/false);
    } catch (const Error& e) {
      throw CLI::ValidationError("train", e.what());
    }
  });
  return [args] { return run_train(*args); };
}

}  // namespace hg::cli
