// `hourglass classify`: classification with a trained run's encoder (stacked pre-training, then
// supervised training). Two cases:
// - a stacked run (StackedAutoencoder, the hinton family): StackedAutoencoder::fine_tune trains
//   the whole encoder stack and its softmax classifier with cross-entropy on the train split's
//   labels (Bengio et al. 2007), and evaluate_accuracy reports the test accuracy; a run trained
//   without a classifier (num_classes 0) gets a fresh one with the train split's classes.
//   --out saves the fine-tuned model's weights (its state_dict names, classifier included).
// - any other run: a linear probe. The encoder stays frozen; its codes of the train split feed
//   a softmax classifier Linear(code size, classes) trained with cross-entropy, and the test
//   accuracy is that of argmax over its logits on the test codes. This measures how linearly
//   separable the learned code is, without changing the autoencoder. --out saves the
//   classifier's weight and bias.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>

#include "commands.h"
#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/data/dataloader.h"
#include "hourglass/io/safetensors.h"
#include "hourglass/models/checkpoint.h"
#include "hourglass/models/stacked.h"
#include "hourglass/nn/linear.h"
#include "hourglass/ops/loss.h"
#include "hourglass/optim/optimizer.h"
#include "pictures.h"
#include "run_command_options.h"

namespace hg::cli {
namespace {

struct ClassifyArgs {
  RunCommandOptions common;
  int64_t epochs = 5;
  float lr = -1.0f;
  std::string optimizer = "adam";
  std::string out;
};

data::Dataset labeled_split(const LoadedRun& run, const RunCommandOptions& o, data::Split split) {
  data::Dataset set = load_run_split(run, o, split);
  HG_CHECK(set.labels.defined(), "the ", data::split_name(split), " split of ",
           run_data_dir(run, o), " has no labels; classification needs them");
  return set;
}

int32_t class_count(const data::Dataset& set) {
  const std::vector<int32_t> labels = set.labels.to_vector_i32();
  int32_t top = -1;
  for (int32_t l : labels) {
    HG_CHECK(l >= 0, "labels must be >= 0, found ", l);
    top = std::max(top, l);
  }
  return top + 1;
}

// The share of rows of logits [N, C] whose largest value sits at their label.
double accuracy(const Tensor& logits, const std::vector<int32_t>& labels) {
  const std::vector<float> v = logits.to(Device::cpu()).to_vector();
  const int64_t classes = logits.dim(1);
  int64_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const float* row = v.data() + i * classes;
    correct += std::max_element(row, row + classes) - row == labels[i];
  }
  return labels.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(labels.size());
}

// The run's stack with a fresh softmax classifier of `classes` outputs (weights from
// Generator(seed)) when it was trained without one (the hinton presets): every encoder and
// decoder parameter copied by name.
std::unique_ptr<models::StackedAutoencoder> with_classifier(models::StackedAutoencoder& trained,
                                                            int32_t classes, uint64_t seed,
                                                            Device device) {
  models::StackedAutoencoderOptions options = trained.options();
  options.num_classes = classes;
  options.seed = seed;
  auto model = std::make_unique<models::StackedAutoencoder>(options);
  model->to(device);
  const auto trained_params = trained.named_parameters();
  for (auto& [name, param] : model->named_parameters())
    for (const auto& [trained_name, value] : trained_params)
      if (name == trained_name) param.copy_(value);
  return model;
}

int classify_stacked(models::StackedAutoencoder& trained, const data::Dataset& train,
                     const data::Dataset& test, const ClassifyArgs& args, Device device) {
  std::unique_ptr<models::StackedAutoencoder> rebuilt;
  if (trained.options().num_classes == 0)
    rebuilt = with_classifier(trained, class_count(train), args.common.seed, device);
  models::StackedAutoencoder& model = rebuilt ? *rebuilt : trained;
  HG_CHECK(class_count(train) <= model.options().num_classes, "the train split has ",
           class_count(train), " classes; the run's classifier has ", model.options().num_classes,
           " outputs");
  data::DataLoaderOptions loader;
  loader.batch_size = args.common.batch;
  loader.seed = args.common.seed;
  loader.device = device;
  data::DataLoader train_loader(train, loader);
  loader.shuffle = false;
  data::DataLoader test_loader(test, loader);
  const double before = model.evaluate_accuracy(test_loader);
  std::cout << "classify: stacked run, fine-tuning the encoder stack and its "
            << model.options().num_classes << "-class softmax classifier on " << train.size()
            << " train samples (" << args.optimizer << ", " << args.epochs << " epochs)\n"
            << std::fixed << std::setprecision(4) << "  test accuracy before fine-tuning " << before
            << "\n";
  models::FineTuneOptions options;
  options.epochs = args.epochs;
  options.optimizer = args.optimizer;
  options.lr = args.lr;
  options.on_epoch = [](const models::FineTuneEpoch& e) {
    std::cout << "  epoch " << e.epoch << ": train cross-entropy " << e.train_loss
              << ", test accuracy " << e.test_accuracy << std::endl;
  };
  model.fine_tune(train_loader, &test_loader, options);
  const double after = model.evaluate_accuracy(test_loader);
  std::cout << "  test accuracy " << after << " on " << test.size() << " samples\n";
  if (!args.out.empty()) {
    models::save_model_weights(args.out, model);
    std::cout << "  fine-tuned weights: " << args.out << "\n";
  }
  std::cout << std::flush;
  return 0;
}

int classify_probe(models::Autoencoder& model, const data::Dataset& train,
                   const data::Dataset& test, const ClassifyArgs& args, Device device) {
  const Tensor train_codes = encode_all(model, train.images, args.common.batch);
  const Tensor test_codes = encode_all(model, test.images, args.common.batch);
  const int64_t code_size = train_codes.dim(1);
  const int32_t classes = class_count(train);
  HG_CHECK(classes >= 2, "classification needs at least 2 classes in the train split, found ",
           classes);
  Generator gen(args.common.seed);
  nn::Linear classifier(code_size, classes, true, &gen);
  classifier.to(device);
  std::unique_ptr<optim::Optimizer> optimizer =
      optim::make_optimizer(args.optimizer, classifier.parameters(), args.lr);
  data::DataLoaderOptions loader;
  loader.batch_size = args.common.batch;
  loader.seed = args.common.seed;
  loader.device = device;
  data::DataLoader train_loader(data::make_dataset(train_codes, train.labels, "codes"), loader);
  const std::vector<int32_t> test_labels = test.labels.to_vector_i32();
  auto test_accuracy = [&] {
    NoGrad no_grad;
    return accuracy(classifier.forward(test_codes.to(device)), test_labels);
  };
  std::cout << "classify: linear probe on the frozen " << code_size << "-unit codes, a " << classes
            << "-class softmax classifier trained on " << train.size() << " train samples ("
            << args.optimizer << ", " << args.epochs << " epochs)\n"
            << std::fixed << std::setprecision(4);
  for (int64_t epoch = 0; epoch < args.epochs; ++epoch) {
    train_loader.set_epoch(epoch);
    double loss_sum = 0.0;
    int64_t seen = 0;
    for (const data::Batch& batch : train_loader) {
      const Tensor loss = softmax_cross_entropy(classifier.forward(batch.inputs), batch.labels);
      optimizer->zero_grad();
      backward(loss);
      optimizer->step();
      loss_sum += static_cast<double>(loss.item()) * static_cast<double>(batch.size());
      seen += batch.size();
    }
    std::cout << "  epoch " << epoch + 1 << ": train cross-entropy "
              << loss_sum / static_cast<double>(std::max<int64_t>(seen, 1)) << ", test accuracy "
              << test_accuracy() << std::endl;
  }
  std::cout << "  test accuracy " << test_accuracy() << " on " << test.size() << " samples\n";
  if (!args.out.empty()) {
    io::save_safetensors(args.out, {{"classifier.weight", classifier.weight().to(Device::cpu())},
                                    {"classifier.bias", classifier.bias().to(Device::cpu())}});
    std::cout << "  classifier weights: " << args.out << "\n";
  }
  std::cout << std::flush;
  return 0;
}

int run_classify(const ClassifyArgs& args) {
  LoadedRun run = open_run(args.common);
  const data::Dataset train = labeled_split(run, args.common, data::Split::kTrain);
  const data::Dataset test = labeled_split(run, args.common, data::Split::kTest);
  const Device device = model_device(*run.model);
  if (auto* stacked = dynamic_cast<models::StackedAutoencoder*>(run.model.get()))
    return classify_stacked(*stacked, train, test, args, device);
  return classify_probe(*run.model, train, test, args, device);
}

}  // namespace

Command add_classify_command(CLI::App& app) {
  auto args = std::make_shared<ClassifyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "classify",
      "Classify with a trained run's encoder: stacked runs fine-tune the stack and its softmax "
      "classifier, other runs train a softmax classifier on their frozen codes");
  add_run_options(cmd, args->common);
  cmd->add_option("--epochs", args->epochs, "Training epochs")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--lr", args->lr, "Learning rate (default: the optimizer's)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--optimizer", args->optimizer, "adam, adamw, sgd, adadelta or adagrad")
      ->check(CLI::IsMember(optim::optimizer_names()))
      ->capture_default_str();
  add_file_option(cmd, "--out", args->out,
                  "Save the fine-tuned weights (stacked) or the classifier's (probe) here",
                  ".safetensors");
  add_limit_option(cmd, args->common)
      ->description("Use only the first N samples of each split (-1: all)");
  add_seed_option(cmd, args->common);
  add_batch_option(cmd, args->common);
  add_data_option(cmd, args->common);
  return [args] { return run_classify(*args); };
}

}  // namespace hg::cli
