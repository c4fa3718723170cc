// `hourglass train`: trains a preset (--model) or a spec file's model (--spec) on MNIST-format
// data with the resolved recipe, reporting every objective term per epoch. The run directory gets
// config.json (what was trained, with the "build" entry later commands rebuild the model from),
// model.json, and after every epoch model.safetensors + state.safetensors (the checkpoint
// --resume continues from), metrics.jsonl, the pictures and report.html. Ctrl-C stops between
// two steps and saves a checkpoint there.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
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
#include "hourglass/io/atomic_file.h"
#include "hourglass/io/paths.h"
#include "hourglass/models/checkpoint.h"
#include "hourglass/models/dense_autoencoder.h"
#include "hourglass/models/models.h"
#include "hourglass/models/objective_formula.h"
#include "hourglass/models/stacked.h"
#include "hourglass/ops/conv.h"
#include "hourglass/ops/regularizers.h"
#include "hourglass/optim/optimizer.h"
#include "interrupt.h"
#include "run_config.h"
#include "run_files.h"
#include "train_metrics.h"
#include "train_options.h"
#include "train_outputs.h"

#ifndef HG_SOURCE_DIR
#error "HG_SOURCE_DIR (the repository root, for data/ and tools/fetch-data) must be defined"
#endif

namespace hg::cli {
namespace {

using io::is_file;

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

std::string describe_device(Device device) {
  if (device.is_cpu()) return "cpu";
  return device.str() + (cuda_is_emulated() ? " (SIMT emulator)" : "");
}

// The image transforms (block, downsample, grayscale) need image samples, grayscale RGB ones:
// refused before anything is built rather than at the first batch.
void check_transform_fits(const CorruptionOptions& transform, const Shape& sample) {
  const Corruption kind = transform.kind;
  if (kind != Corruption::kBlock && kind != Corruption::kDownsample &&
      kind != Corruption::kGrayscale)
    return;
  HG_CHECK(sample.rank() == 3, "--noise ", corruption_name(kind),
           " transforms images, but the data's samples are ", sample, ", not [C, H, W]");
  HG_CHECK(kind != Corruption::kGrayscale || sample[0] == 3,
           "--noise grayscale (colorization) needs RGB images [3, H, W]; the data's samples are ",
           sample);
}

// Raised from a pre-training callback when Ctrl-C arrives, after that epoch's checkpoint.
struct PretrainInterrupted {
  models::PretrainPosition position;
};

// Greedy layer-wise pre-training of a stacked model, one progress line and one checkpoint per
// layer epoch; from `resume_at` on when resuming.
void pretrain_stacked(models::StackedAutoencoder& model, const models::Recipe& recipe,
                      data::DataLoader& train, uint64_t seed, const std::string& run_dir,
                      std::string& metrics,
                      const std::optional<models::PretrainPosition>& resume_at) {
  const std::vector<int64_t>& sizes = model.options().sizes;
  const std::string state_path = run_dir + "/" + kTrainingStateFile;
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
  if (resume_at) {
    options.resume.layer = resume_at->layer;
    options.resume.epochs_done = resume_at->epochs_done;
    options.resume.restore = [&](optim::Optimizer& optimizer, Generator& noise) {
      models::load_pretraining_optimizer(state_path, optimizer, noise);
    };
  }
  options.on_epoch = [&](const models::PretrainEpoch& e) {
    nlohmann::json j = {{"phase", "pretrain"},
                        {"layer", e.layer + 1},
                        {"epoch", e.epoch},
                        {"train_loss", e.train_loss}};
    metrics += j.dump() + "\n";
    // metrics.jsonl first: records ahead of the checkpoint are dropped on resume (metrics_before).
    write_file_atomic(run_dir + "/metrics.jsonl", metrics);
    const models::PretrainPosition position{e.layer, e.epoch};
    models::commit_checkpoint(
        run_dir + "/" + kModelWeightsFile, state_path,
        [&](const std::string& path) { models::save_model_weights(path, model, position); },
        [&](const std::string& path) {
          models::save_pretraining_state(path, *e.optimizer, *e.noise, model, position);
        });
    std::cout << "pretrain layer " << e.layer + 1 << "/" << model.num_layers() << " ("
              << sizes[e.layer] << "-" << sizes[e.layer + 1] << ") epoch " << e.epoch << "/"
              << recipe.pretrain_epochs << "  train loss " << format_loss(e.train_loss)
              << std::endl;
    if (interrupt_requested()) throw PretrainInterrupted{position};
  };
  model.pretrain(train, options);
  std::cout << "fine-tuning: the whole " << model.num_layers() * 2
            << "-layer autoencoder on reconstruction" << std::endl;
}

// Everything run_train sets up before training, for a new run or a resumed one.
struct TrainSetup {
  ResolvedRun run;
  std::string data_dir;
  uint64_t seed = 0;
  int64_t limit = -1;
  std::string run_dir;
  nlohmann::json config;           // a resumed run's config.json
  models::TrainPosition position;  // where a resumed run continues
  std::string metrics;             // metrics.jsonl so far
};

nlohmann::json read_json_file(const std::string& path) {
  const nlohmann::json j = nlohmann::json::parse(io::read_file(path), nullptr, false);
  HG_CHECK(!j.is_discarded() && j.is_object(), "'", path, "' is not a JSON object");
  return j;
}

TrainSetup new_run_setup(const TrainArgs& args) {
  TrainSetup setup;
  setup.run = resolve_run(args);
  setup.data_dir = resolve_data_dir(args.data);
  setup.seed = args.seed;
  setup.limit = args.limit;
  return setup;
}

TrainSetup resume_setup(const TrainArgs& args) {
  TrainSetup setup;
  setup.run_dir = args.out;
  const std::string config_path = args.out + "/config.json";
  HG_CHECK(is_file(config_path), "cannot resume '", args.out,
           "': it has no config.json (not a run directory of hourglass train)");
  models::recover_checkpoint(args.out + "/" + kModelWeightsFile,
                             args.out + "/" + kTrainingStateFile);
  remove_interrupted_writes(args.out);
  for (const char* name : {kModelWeightsFile, kTrainingStateFile}) {
    HG_CHECK(is_file(args.out + "/" + name), "cannot resume '", args.out, "': it has no ", name,
             " (the run ended before its first checkpoint)");
  }
  setup.config = read_json_file(config_path);
  HG_CHECK(setup.config.contains("build"), "'", config_path,
           "' has no \"build\" entry (written by an older hourglass): cannot resume it");
  setup.run = resolved_run_from_build(setup.config.at("build"), args.out);
  for (const RecipeOption& o : args.recipe_options) {
    if (o.flag == "--epochs" && o.option->count() > 0) o.copy(setup.run.recipe, args.given);
  }
  setup.data_dir = setup.config.value("data", "");
  setup.seed = setup.config.value("seed", uint64_t{0});
  setup.limit = setup.config.value("limit", int64_t{-1});
  const std::string metrics_path = args.out + "/metrics.jsonl";
  if (is_file(metrics_path)) setup.metrics = io::read_file(metrics_path);
  return setup;
}

int run_train(const TrainArgs& args) {
  TrainSetup setup = args.resume ? resume_setup(args) : new_run_setup(args);
  const ResolvedRun& run = setup.run;
  const models::Recipe& recipe = run.recipe;
  const Device device = Device::parse(args.device);
  set_conv_impl(parse_conv_impl(args.conv_impl));
  std::cout << "device: " << describe_device(device)
            << (args.conv_impl == "cudnn" ? " (cuDNN convolutions)" : "") << std::endl;
  manual_seed(setup.seed);

  const data::Dataset train_set =
      data::load_split(setup.data_dir, data::Split::kTrain, setup.limit);
  const data::Dataset test_set = data::load_split(setup.data_dir, data::Split::kTest, setup.limit);
  const Shape sample = train_set.sample_shape();
  std::cout << "data: " << setup.data_dir << ": " << format_thousands(train_set.size())
            << " train / " << format_thousands(test_set.size()) << " test samples of " << sample
            << std::endl;

  check_transform_fits(models::recipe_corruption(recipe), sample);
  std::unique_ptr<models::Autoencoder> model = build_model(run, sample.dims(), setup.seed);
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
  std::cout << ", seed " << setup.seed << (variant.empty() ? "" : "; " + variant) << std::endl;
  const std::string objective =
      models::objective_formula(recipe, model->is_variational(), sample.numel());
  std::cout << "objective: " << objective << std::endl;

  data::DataLoaderOptions loader_options;
  loader_options.batch_size = recipe.batch;
  loader_options.seed = setup.seed;
  loader_options.device = device;
  data::DataLoader train_loader(train_set, loader_options);
  loader_options.shuffle = false;
  data::DataLoader test_loader(test_set, loader_options);

  std::optional<models::PretrainPosition> pretrain_resume;  // resuming inside pre-training
  if (args.resume) {
    const std::string state_path = setup.run_dir + "/" + kTrainingStateFile;
    models::check_checkpoint_pair(setup.run_dir + "/" + kModelWeightsFile, state_path);
    pretrain_resume = models::load_pretraining_position(state_path);
    models::load_model_weights(setup.run_dir + "/" + kModelWeightsFile, *model);
  }
  if (pretrain_resume) {
    setup.metrics = metrics_before(setup.metrics, *pretrain_resume);
    std::cout << "run: " << setup.run_dir << " (resuming pre-training after layer "
              << pretrain_resume->layer + 1 << " epoch " << pretrain_resume->epochs_done << ")"
              << std::endl;
  } else if (args.resume) {
    setup.position =
        models::load_training_state(setup.run_dir + "/" + kTrainingStateFile, *optimizer, *model);
    setup.metrics = metrics_before(setup.metrics, setup.position);
    std::cout << "run: " << setup.run_dir << " (resuming after epoch " << setup.position.epoch;
    if (setup.position.step > 0)
      std::cout << " and " << setup.position.step << " steps of the next";
    std::cout << ")" << std::endl;
    if (setup.position.epoch >= recipe.epochs) {
      std::cout << "done: the run already has " << setup.position.epoch
                << " epochs; give --epochs N with N > " << setup.position.epoch << " to train on"
                << std::endl;
      return 0;
    }
  } else {
    const bool replacing = !args.out.empty() && !run_files_in(args.out).empty();
    setup.run_dir = create_run_dir(args.out, args.overwrite);
    std::cout << "run: " << setup.run_dir
              << (replacing ? " (replacing the previous run's files)" : "") << std::endl;
    nlohmann::json config = {{"model", run.preset != nullptr ? run.preset->name : "spec"},
                             {"data", setup.data_dir},
                             {"epochs", recipe.epochs},
                             {"batch", recipe.batch},
                             {"optimizer", optimizer->name()},
                             {"lr", optimizer->lr()},
                             {"seed", setup.seed},
                             {"device", device.str()},
                             {"conv_impl", args.conv_impl},
                             {"loss", recipe.loss},
                             {"objective", objective},
                             {"overrides", run.overrides},
                             {"architecture", model->describe()},
                             {"limit", setup.limit},
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
      config["spec"] = {{"file", run.spec->file},
                        {"name", run.spec->name},
                        {"options_set", run.spec->options_set}};
    }
    config["recipe"] = recipe_json(recipe);
    if (auto* dense = dynamic_cast<models::DenseAutoencoder*>(model.get())) {
      config["sizes"] = dense->options().sizes;
      config["activation"] = dense->options().hidden_activation;
      config["output_activation"] = dense->options().output_activation;
    }
    // What later commands and --resume rebuild the model from.
    config["build"] = build_config_json(run, sample.dims(), setup.seed, setup.run_dir);
    write_file_atomic(setup.run_dir + "/config.json", config.dump(2) + "\n");
  }
  const std::string& run_dir = setup.run_dir;
  std::string& metrics = setup.metrics;
  write_model_json(run_dir, *model, sample.dims());

  InterruptGuard interrupt_guard;
  if (auto* stacked = dynamic_cast<models::StackedAutoencoder*>(model.get());
      stacked != nullptr && recipe.pretrain_epochs > 0 && (!args.resume || pretrain_resume)) {
    try {
      pretrain_stacked(*stacked, recipe, train_loader, setup.seed, run_dir, metrics,
                       pretrain_resume);
    } catch (const PretrainInterrupted& stop) {
      std::cout << "interrupted: checkpoint saved after pre-training layer "
                << stop.position.layer + 1 << " epoch " << stop.position.epochs_done
                << "; continue with: hourglass train --out " << run_dir << " --resume" << std::endl;
      return 130;
    }
  }

  // The pictures' fixed preview: the first test samples, corrupted once with the run's noise.
  const CorruptionOptions corruption = models::recipe_corruption(recipe);
  const Tensor preview = test_set.images.slice_rows(0, std::min(kPreviewSamples, test_set.size()));
  Tensor preview_corrupted;
  if (corruption.kind != Corruption::kNone) {
    Generator preview_noise(setup.seed);
    preview_corrupted = corrupt(preview, corruption, &preview_noise);
  }

  models::TrainOptions train_options;
  train_options.start_epoch = setup.position.epoch;
  train_options.epochs = recipe.epochs - setup.position.epoch;
  train_options.resume = setup.position;
  train_options.loss = loss;
  train_options.corruption = corruption;
  train_options.corruption_seed = setup.seed;
  train_options.log_every_steps = args.log_every;
  train_options.cuda_graph = args.cuda_graph == "on";
  // Step records carry the throughput since the previous record (or the start), counting full
  // batches.
  auto last_step_time = std::chrono::steady_clock::now();
  int64_t last_global_step = -1;
  train_options.on_step = [&](const models::StepRecord& r) {
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - last_step_time).count();
    const int64_t steps = last_global_step < 0 || r.global_step <= last_global_step
                              ? args.log_every
                              : r.global_step - last_global_step;
    last_step_time = now;
    last_global_step = r.global_step;
    metrics +=
        step_json(r, optimizer->lr(), steps * recipe.batch / std::max(seconds, 1e-9)).dump() + "\n";
  };
  train_options.on_epoch = [&](const models::EpochRecord& r) {
    models::TrainPosition done;
    done.epoch = r.epoch;
    // metrics.jsonl first: records ahead of the checkpoint are dropped on resume (metrics_before).
    metrics += epoch_json(r, recipe.loss, optimizer->lr()).dump() + "\n";
    write_file_atomic(run_dir + "/metrics.jsonl", metrics);
    save_checkpoint(run_dir, *model, *optimizer, done);
    std::ostringstream line;
    line << "epoch " << r.epoch << "/" << recipe.epochs << "  train "
         << format_objective(r.train_loss, r.train_terms, recipe.loss) << "  test "
         << format_objective(r.test_loss, r.test_terms, recipe.loss) << "  "
         << format_thousands(static_cast<int64_t>(std::llround(r.samples_per_second)))
         << " samples/s  " << format_duration(r.seconds);
    std::cout << line.str() << std::endl;
    if (args.pictures) write_epoch_pictures(run_dir, *model, preview, preview_corrupted, metrics);
  };
  bool interrupted = false;
  train_options.stop_requested = [] { return interrupt_requested(); };
  train_options.on_stop = [&](const models::TrainPosition& position) {
    save_checkpoint(run_dir, *model, *optimizer, position);
    write_file_atomic(run_dir + "/metrics.jsonl", metrics);
    interrupted = true;
    std::cout << "\ninterrupted: checkpoint saved at epoch " << position.epoch + 1 << ", step "
              << position.step << "; continue with: hourglass train --out " << run_dir
              << " --resume" << std::endl;
  };
  const auto history =
      models::train_autoencoder(*model, *optimizer, train_loader, &test_loader, train_options);
  if (interrupted) return 130;
  if (args.pictures) write_final_pictures(run_dir, *model, train_set, test_set, setup.seed);
  if (!history.empty()) {
    std::cout << "done: test "
              << format_objective(history.back().test_loss, history.back().test_terms, recipe.loss)
              << " after " << recipe.epochs << (recipe.epochs == 1 ? " epoch" : " epochs")
              << "; model, metrics" << (args.pictures ? ", pictures and report.html" : "") << " in "
              << run_dir << std::endl;
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
      check_resume_flags(*args);
      if (!args->resume) resolve_run(*args, /*read_spec=*/false);
    } catch (const Error& e) {
      throw CLI::ValidationError("train", e.what());
    }
  });
  return [args] { return run_train(*args); };
}

}  // namespace hg::cli
