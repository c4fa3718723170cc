// Checkpoints (checkpoint.h): weights round trips for every model family on every device, the
// strict loaders (nothing changes unless the whole file fits), model.json's content, and
// bit-exact resume on the CPU: 2N epochs straight equal N epochs, save, load into a fresh model
// and optimizer, N more; also after a stop in the middle of an epoch.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hourglass/core/rng.h"
#include "hourglass/io/atomic_file.h"
#include "hourglass/io/safetensors.h"
#include "hourglass/models/checkpoint.h"
#include "hourglass/models/conv_autoencoder.h"
#include "hourglass/models/dense_autoencoder.h"
#include "hourglass/models/stacked.h"
#include "hourglass/models/trainer.h"
#include "hourglass/models/vae.h"
#include "hourglass/nn/activation.h"
#include "hourglass/nn/conv.h"
#include "hourglass/optim/optimizer.h"
#include "support/devices.h"
#include "support/expect_error.h"
#include "support/op_harness.h"
#include "zoo_test_util.h"

namespace hg::models {
namespace {

using nlohmann::json;
using Factory = std::function<std::unique_ptr<Autoencoder>(uint64_t seed)>;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hg-ckpt-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::unique_ptr<Autoencoder> dense(uint64_t seed) {
  DenseAutoencoderOptions o;
  o.sizes = {64, 16, 8};
  o.seed = seed;
  return std::make_unique<DenseAutoencoder>(o);
}

std::unique_ptr<Autoencoder> tied_ksparse_dense(uint64_t seed) {
  DenseAutoencoderOptions o;
  o.sizes = {64, 16, 8};
  o.seed = seed;
  o.tied_weights = true;
  o.code_regularizer.kind = CodeRegularizer::kKSparse;
  o.code_regularizer.k = 3;
  o.code_regularizer.alpha = 2.0f;
  o.code_activation = "identity";
  return std::make_unique<DenseAutoencoder>(o);
}

// 1x8x8 -> 4x4x4 (a Keras 'same' convolution at stride 2) -> 1x8x8.
std::unique_ptr<Autoencoder> conv(uint64_t seed) {
  Generator gen(seed);
  Conv2dOptions down;
  down.stride = {2, 2};
  down.padding = Padding2d::same();
  auto encoder = std::make_shared<nn::Sequential>();
  encoder->add(std::make_shared<nn::Conv2d>(1, 4, 3, down, true, &gen));
  encoder->add(std::make_shared<nn::ReLU>());
  ConvTranspose2dOptions up;
  up.stride = {2, 2};
  auto decoder = std::make_shared<nn::Sequential>();
  decoder->add(std::make_shared<nn::ConvTranspose2d>(4, 1, 2, up, true, &gen));
  decoder->add(std::make_shared<nn::Sigmoid>());
  return std::make_unique<ConvAutoencoder>("tiny", std::vector<int64_t>{1, 8, 8},
                                           std::vector<int64_t>{4, 4, 4}, encoder, decoder);
}

std::unique_ptr<Autoencoder> vae(uint64_t seed) {
  VaeOptions o;
  o.input_dim = 64;
  o.hidden = 16;
  o.latent = 4;
  o.seed = seed;
  o.noise_seed = seed + 100;
  return std::make_unique<Vae>(o);
}

std::unique_ptr<Autoencoder> conv_vae(uint64_t seed) {
  ConvVaeOptions o;
  o.latent = 2;
  o.seed = seed;
  o.noise_seed = seed + 100;
  return std::make_unique<ConvVae>(o);
}

std::unique_ptr<Autoencoder> stacked(uint64_t seed) {
  StackedAutoencoderOptions o;
  o.sizes = {64, 16, 8};
  o.num_classes = 3;
  o.seed = seed;
  return std::make_unique<StackedAutoencoder>(o);
}

struct NamedFactory {
  std::string name;
  Factory make;
};
const std::vector<NamedFactory>& families() {
  static const std::vector<NamedFactory> all{{"dense", dense},       {"tied", tied_ksparse_dense},
                                             {"conv", conv},         {"vae", vae},
                                             {"conv_vae", conv_vae}, {"stacked", stacked}};
  return all;
}

// Every parameter's bits, by name.
std::vector<std::pair<std::string, std::vector<uint32_t>>> bits(const nn::Module& model) {
  std::vector<std::pair<std::string, std::vector<uint32_t>>> out;
  for (const auto& [name, p] : model.named_parameters()) {
    const std::vector<float> v = p.to_vector();
    std::vector<uint32_t> b(v.size());
    std::memcpy(b.data(), v.data(), v.size() * sizeof(float));
    out.emplace_back(name, std::move(b));
  }
  return out;
}

class CheckpointDevices : public testing::DeviceTest {};

TEST_P(CheckpointDevices, WeightsRoundTripEveryFamily) {
  HG_REQUIRE_DEVICE(device());
  TempDir dir;
  for (const NamedFactory& family : families()) {
    SCOPED_TRACE(family.name);
    auto saved = family.make(1);
    saved->to(device());
    save_model_weights(dir.file(family.name + ".safetensors"), *saved);
    auto loaded = family.make(2);
    loaded->to(device());
    ASSERT_NE(bits(*saved), bits(*loaded));
    load_model_weights(dir.file(family.name + ".safetensors"), *loaded);
    EXPECT_EQ(bits(*saved), bits(*loaded));
    for (const auto& [name, p] : loaded->named_parameters())
      EXPECT_EQ(p.device(), device()) << name;
  }
}

HG_INSTANTIATE_DEVICE_TESTS(CheckpointDevices);

TEST(Checkpoint, WeightsFileHasStateDictNamesAndMetadata) {
  TempDir dir;
  auto model = tied_ksparse_dense(1);
  save_model_weights(dir.file("m.safetensors"), *model);
  const io::SafetensorsFile file = io::load_safetensors(dir.file("m.safetensors"));
  std::vector<std::string> names;
  for (const auto& [name, t] : file.tensors)
    names.push_back(name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"encoder.0.weight", "encoder.0.bias", "encoder.2.weight",
                                      "encoder.2.bias", "decoder.0.bias", "decoder.2.bias"}));
  EXPECT_EQ(file.at("encoder.0.weight").shape(), Shape({16, 64}));
  EXPECT_EQ(file.metadata.at("format"), "hourglass.model/1");
  EXPECT_EQ(file.metadata.at("class"), "DenseAutoencoder");
}

TEST(Checkpoint, StrictWeightsLeaveTheModelUntouched) {
  TempDir dir;
  DenseAutoencoderOptions wide;
  wide.sizes = {64, 32, 8};
  DenseAutoencoderOptions deep;
  deep.sizes = {64, 16, 8, 4};
  save_model_weights(dir.file("wide.safetensors"), DenseAutoencoder(wide));
  save_model_weights(dir.file("deep.safetensors"), DenseAutoencoder(deep));
  save_model_weights(dir.file("tied.safetensors"), *tied_ksparse_dense(3));
  auto model = dense(1);
  const auto before = bits(*model);
  testing::expect_error([&] { load_model_weights(dir.file("wide.safetensors"), *model); },
                        {"wide.safetensors", "different shape", "encoder.0.weight"});
  testing::expect_error([&] { load_model_weights(dir.file("deep.safetensors"), *model); },
                        {"unexpected: encoder.4.weight", "decoder.4.bias"});
  testing::expect_error([&] { load_model_weights(dir.file("tied.safetensors"), *model); },
                        {"missing: decoder.0.weight, decoder.2.weight"});
  EXPECT_EQ(before, bits(*model));
}

TEST(Checkpoint, ModelJsonDense) {
  auto model = tied_ksparse_dense(1);
  const json j = json::parse(model_description_json(*model, {1, 8, 8}));
  EXPECT_EQ(j.at("format"), "hourglass.model/1");
  EXPECT_EQ(j.at("class"), "DenseAutoencoder");
  EXPECT_EQ(j.at("input_shape"), json({1, 8, 8}));
  EXPECT_EQ(j.at("output_is_sigmoid"), true);
  EXPECT_EQ(j.at("variational"), false);
  EXPECT_EQ(j.at("parameters"), model->num_parameters());
  const json& modules = j.at("modules");
  ASSERT_EQ(modules.size(), 2u);
  EXPECT_EQ(modules[0][0], "encoder");
  const json& encoder = modules[0][1];
  EXPECT_EQ(encoder.at("type"), "Sequential");
  EXPECT_EQ(encoder.at("children")[0],
            json::parse(R"(["0", {"type": "Linear", "args": {"in_features": 64,
                            "out_features": 16, "bias": true}}])"));
  EXPECT_EQ(encoder.at("children")[3][1].at("type"), "Identity");  // the linear code
  const json& decoder = modules[1][1];
  EXPECT_EQ(decoder.at("children")[0][1],
            json::parse(R"({"type": "TiedLinear", "args": {"in_features": 8, "out_features": 16},
                            "tied_to": "encoder.2.weight"})"));
  EXPECT_EQ(decoder.at("children")[2][1].at("tied_to"), "encoder.0.weight");
  EXPECT_EQ(decoder.at("children")[3][1].at("type"), "Sigmoid");
  // alpha 2 * k 3 units at evaluation.
  EXPECT_EQ(j.at("forward"),
            json::parse(R"({"kind": "autoencoder", "encoder_input": [64], "top_k": 6})"));
}

TEST(Checkpoint, ModelJsonConvAndVaes) {
  const json c = json::parse(model_description_json(*conv(1), {1, 8, 8}));
  const json& conv0 = c.at("modules")[0][1].at("children")[0][1];
  EXPECT_EQ(conv0.at("type"), "Conv2d");
  EXPECT_EQ(conv0.at("pad"), "same");
  EXPECT_EQ(conv0.at("args").at("padding"), json({0, 0}));
  EXPECT_EQ(conv0.at("args").at("stride"), json({2, 2}));
  EXPECT_EQ(c.at("modules")[1][1].at("children")[0][1].count("pad"), 0u);
  EXPECT_EQ(c.at("forward"), json::parse(R"({"kind": "autoencoder", "encoder_input": [1, 8, 8]})"));

  const json v = json::parse(model_description_json(*vae(1), {64}));
  EXPECT_EQ(v.at("variational"), true);
  EXPECT_EQ(v.at("forward"), json::parse(R"({"kind": "vae_mlp", "hidden_activation": "relu"})"));
  std::vector<std::string> children;
  for (const json& m : v.at("modules"))
    children.push_back(m[0]);
  EXPECT_EQ(children, (std::vector<std::string>{"fc1", "fc21", "fc22", "fc3", "fc4"}));

  const json cv = json::parse(model_description_json(*conv_vae(1), {1, 28, 28}));
  EXPECT_EQ(cv.at("forward"), json::parse(R"({"kind": "vae_conv", "encoder_input": [1, 28, 28]})"));
  EXPECT_EQ(cv.at("modules")[0][1].at("children")[4][1].at("type"), "Flatten");

  const json s = json::parse(model_description_json(*stacked(1), {64}));
  EXPECT_EQ(s.at("modules")[2][0], "classifier");
  EXPECT_EQ(s.at("modules")[2][1].at("args").at("out_features"), 3);
}

// ---- training state and resume ------------------------------------------------------------

struct Data {
  data::Dataset train = zoo_test::low_rank_dataset(200, 64, 3, 7);
  data::Dataset test = zoo_test::low_rank_dataset(60, 64, 3, 8);
};

TrainOptions options_for(int64_t start, int64_t epochs, bool noisy) {
  TrainOptions o;
  o.start_epoch = start;
  o.epochs = epochs;
  o.progress = false;
  if (noisy) {
    o.corruption.kind = Corruption::kGaussian;
    o.corruption.sigma = 0.2f;
    o.corruption_seed = 11;
  }
  return o;
}

std::vector<EpochRecord> train(Autoencoder& model, optim::Optimizer& optimizer, const Data& d,
                               const TrainOptions& o) {
  data::DataLoader train_loader = zoo_test::loader(d.train, 50, Device::cpu());
  data::DataLoader test_loader = zoo_test::loader(d.test, 32, Device::cpu(), false);
  return train_autoencoder(model, optimizer, train_loader, &test_loader, o);
}

void expect_same_record(const EpochRecord& a, const EpochRecord& b) {
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.train_loss, b.train_loss);
  EXPECT_EQ(a.test_loss, b.test_loss);
  ASSERT_EQ(a.train_terms.size(), b.train_terms.size());
  for (size_t i = 0; i < a.train_terms.size(); ++i) {
    EXPECT_EQ(a.train_terms[i].name, b.train_terms[i].name);
    EXPECT_EQ(a.train_terms[i].value, b.train_terms[i].value) << a.train_terms[i].name;
  }
  ASSERT_EQ(a.test_terms.size(), b.test_terms.size());
  for (size_t i = 0; i < a.test_terms.size(); ++i)
    EXPECT_EQ(a.test_terms[i].value, b.test_terms[i].value) << a.test_terms[i].name;
}

std::unique_ptr<optim::Optimizer> adam(Autoencoder& model) {
  return optim::make_optimizer("adam", model.parameters(), 0.01f);
}

// 2N epochs straight, against N epochs + save + load into a fresh model (other seeds) + N more.
void expect_exact_resume_at_epoch(const Factory& make, bool noisy) {
  constexpr int64_t kN = 2;
  const Data d;
  TempDir dir;
  auto straight = make(1);
  auto straight_opt = adam(*straight);
  const auto full = train(*straight, *straight_opt, d, options_for(0, 2 * kN, noisy));

  auto first = make(1);
  auto first_opt = adam(*first);
  train(*first, *first_opt, d, options_for(0, kN, noisy));
  TrainPosition at_boundary;
  at_boundary.epoch = kN;
  save_model_weights(dir.file("model.safetensors"), *first);
  save_training_state(dir.file("state.safetensors"), *first_opt, *first, at_boundary);
  manual_seed(12345);  // the default generator comes back from the file too

  auto resumed = make(5);
  auto resumed_opt = adam(*resumed);
  load_model_weights(dir.file("model.safetensors"), *resumed);
  const TrainPosition position =
      load_training_state(dir.file("state.safetensors"), *resumed_opt, *resumed);
  EXPECT_EQ(position.epoch, kN);
  EXPECT_EQ(position.step, 0);
  EXPECT_EQ(resumed_opt->steps_taken(), first_opt->steps_taken());
  const auto rest = train(*resumed, *resumed_opt, d, options_for(position.epoch, kN, noisy));

  EXPECT_EQ(bits(*straight), bits(*resumed));
  ASSERT_EQ(rest.size(), static_cast<size_t>(kN));
  for (int64_t e = 0; e < kN; ++e)
    expect_same_record(full[kN + e], rest[e]);
}

TEST(CheckpointResume, DenseAdamDenoisingIsBitExact) {
  expect_exact_resume_at_epoch(dense, /*noisy=*/true);
}

TEST(CheckpointResume, VaeIsBitExact) {
  expect_exact_resume_at_epoch(vae, /*noisy=*/false);
}

// Stops after `stop_after` steps of the run, saves the position in on_stop, resumes a fresh model.
void expect_exact_resume_mid_epoch(const Factory& make, bool noisy, int64_t stop_after) {
  constexpr int64_t kEpochs = 3;  // 4 batches per epoch
  const Data d;
  TempDir dir;
  auto straight = make(1);
  auto straight_opt = adam(*straight);
  const auto full = train(*straight, *straight_opt, d, options_for(0, kEpochs, noisy));

  auto first = make(1);
  auto first_opt = adam(*first);
  TrainOptions o = options_for(0, kEpochs, noisy);
  int64_t steps = 0;
  bool stopped = false;
  o.stop_requested = [&] { return ++steps == stop_after; };
  o.on_stop = [&](const TrainPosition& position) {
    stopped = true;
    save_model_weights(dir.file("model.safetensors"), *first);
    save_training_state(dir.file("state.safetensors"), *first_opt, *first, position);
  };
  const auto before = train(*first, *first_opt, d, o);
  ASSERT_TRUE(stopped);
  // A stop after an epoch's last step still stands inside that epoch (step == 4).
  const int64_t epoch = (stop_after - 1) / 4, step = (stop_after - 1) % 4 + 1;
  EXPECT_EQ(static_cast<int64_t>(before.size()), epoch);

  auto resumed = make(5);
  auto resumed_opt = adam(*resumed);
  load_model_weights(dir.file("model.safetensors"), *resumed);
  const TrainPosition position =
      load_training_state(dir.file("state.safetensors"), *resumed_opt, *resumed);
  EXPECT_EQ(position.epoch, epoch);
  EXPECT_EQ(position.step, step);
  EXPECT_EQ(position.samples, 50 * step);
  TrainOptions rest_options = options_for(position.epoch, kEpochs - position.epoch, noisy);
  rest_options.resume = position;
  const auto rest = train(*resumed, *resumed_opt, d, rest_options);

  EXPECT_EQ(bits(*straight), bits(*resumed));
  ASSERT_EQ(static_cast<int64_t>(rest.size()), kEpochs - position.epoch);
  for (size_t e = 0; e < rest.size(); ++e)
    expect_same_record(full[position.epoch + e], rest[e]);
}

TEST(CheckpointResume, DenseStopMidEpochIsBitExact) {
  expect_exact_resume_mid_epoch(dense, /*noisy=*/true, /*stop_after=*/6);
}

TEST(CheckpointResume, VaeStopMidEpochIsBitExact) {
  expect_exact_resume_mid_epoch(vae, /*noisy=*/true, /*stop_after=*/3);
}

TEST(CheckpointResume, StopAfterAnEpochsLastStep) {
  expect_exact_resume_mid_epoch(dense, /*noisy=*/false, /*stop_after=*/4);
}

TEST(CheckpointState, MismatchesLeaveEverythingUntouched) {
  const Data d;
  TempDir dir;
  auto model = dense(1);
  auto opt = adam(*model);
  train(*model, *opt, d, options_for(0, 1, false));
  TrainPosition position;
  position.epoch = 1;
  save_training_state(dir.file("state.safetensors"), *opt, *model, position);

  auto other = dense(2);
  auto sgd = optim::make_optimizer("sgd", other->parameters());
  testing::expect_error([&] { load_training_state(dir.file("state.safetensors"), *sgd, *other); },
                        {"optimizer 'adam'", "'sgd'"});
  EXPECT_TRUE(sgd->state()[0].empty());

  DenseAutoencoderOptions wide;
  wide.sizes = {64, 32, 8};
  DenseAutoencoder wide_model(wide);
  auto wide_opt = adam(wide_model);
  train(wide_model, *wide_opt, d, options_for(0, 1, false));
  const std::vector<float> before = wide_opt->state()[0].at("exp_avg").to_vector();
  const uint64_t default_offset = default_generator().offset();
  testing::expect_error(
      [&] { load_training_state(dir.file("state.safetensors"), *wide_opt, wide_model); },
      {"optimizer.0.", "does not match parameter 0"});
  EXPECT_EQ(before, wide_opt->state()[0].at("exp_avg").to_vector());
  EXPECT_EQ(wide_opt->steps_taken(), 4);
  EXPECT_EQ(default_generator().offset(), default_offset);

  auto vae_model = vae(1);
  auto vae_opt = optim::make_optimizer("adam", vae_model->parameters());
  testing::expect_error(
      [&] { load_training_state(dir.file("state.safetensors"), *vae_opt, *vae_model); },
      {"covers 8 parameters", "has 10"});
}

// A corrupt number in a state file (a parameter index past 2^64, a position that is not a
// number) is reported with the file, the key and the value, not as a bare "stoul".
TEST(CheckpointState, CorruptNumbersNameFileKeyAndValue) {
  TempDir dir;
  auto model = dense(1);
  auto opt = adam(*model);
  const std::string path = dir.file("state.safetensors");
  save_training_state(path, *opt, *model, TrainPosition{});
  const io::SafetensorsFile good = io::load_safetensors(path);

  io::NamedTensors tensors = good.tensors;
  const std::string huge = "99999999999999999999999";
  tensors.emplace_back("optimizer." + huge + ".exp_avg", Tensor::zeros(Shape{1}));
  io::save_safetensors(dir.file("huge.safetensors"), tensors, good.metadata);
  testing::expect_error(
      [&] { load_training_state(dir.file("huge.safetensors"), *opt, *model); },
      {"huge.safetensors", "optimizer." + huge + ".exp_avg", "'" + huge + "'", "out of range"});

  std::map<std::string, std::string> metadata = good.metadata;
  metadata["position.epoch"] = "12x";
  io::save_safetensors(dir.file("epoch.safetensors"), good.tensors, metadata);
  testing::expect_error([&] { load_training_state(dir.file("epoch.safetensors"), *opt, *model); },
                        {"epoch.safetensors", "'position.epoch'", "'12x'"});
}

// Greedy pre-training checkpointed after every epoch (as hourglass train does) and stopped after
// the first epoch of layer 2, then resumed into a freshly built model: the same weights, bit for
// bit, as pre-training straight through. Denoising Adam, so the optimizer state and the noise
// stream both have to come back.
TEST(CheckpointResume, StackedPretrainingStoppedAndResumedIsBitExact) {
  const Data d;
  TempDir dir;
  const std::string weights = dir.file("model.safetensors"), state = dir.file("state.safetensors");
  PretrainOptions po;
  po.epochs = 3;
  po.corruption.kind = Corruption::kGaussian;
  po.corruption.sigma = 0.2f;
  po.seed = 5;
  struct Stop {};
  auto run = [&](StackedAutoencoder& model, PretrainResume resume, bool stop) {
    data::DataLoader loader = zoo_test::loader(d.train, 50, Device::cpu());
    PretrainOptions o = po;
    o.resume = std::move(resume);
    o.on_epoch = [&](const PretrainEpoch& e) {
      const PretrainPosition position{e.layer, e.epoch};
      save_model_weights(weights, model, position);
      save_pretraining_state(state, *e.optimizer, *e.noise, model, position);
      if (stop && e.layer == 1 && e.epoch == 1) throw Stop{};
    };
    model.pretrain(loader, o);
  };

  default_generator().set_state(3, 0);
  auto straight = stacked(1);
  run(static_cast<StackedAutoencoder&>(*straight), {}, false);
  const uint64_t straight_offset = default_generator().offset();

  default_generator().set_state(3, 0);
  auto first = stacked(1);
  EXPECT_THROW(run(static_cast<StackedAutoencoder&>(*first), {}, true), Stop);
  EXPECT_NE(bits(*first), bits(*straight));

  default_generator().set_state(99, 99);  // a new process: load_pretraining_position restores it
  auto resumed = stacked(1);
  check_checkpoint_pair(weights, state);
  load_model_weights(weights, *resumed);
  const std::optional<PretrainPosition> at = load_pretraining_position(state);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->layer, 1);
  EXPECT_EQ(at->epochs_done, 1);
  PretrainResume resume{at->layer, at->epochs_done,
                        [&](optim::Optimizer& optimizer, Generator& noise) {
                          load_pretraining_optimizer(state, optimizer, noise);
                        }};
  run(static_cast<StackedAutoencoder&>(*resumed), resume, false);
  EXPECT_EQ(bits(*resumed), bits(*straight));
  EXPECT_EQ(default_generator().offset(), straight_offset);

  // A pre-training state is not a training state, and the other way round.
  auto opt = adam(*resumed);
  testing::expect_error([&] { load_training_state(state, *opt, *resumed); },
                        {"a pretrain checkpoint, not a training one"});
  save_training_state(dir.file("train.safetensors"), *opt, *resumed, TrainPosition{});
  EXPECT_FALSE(load_pretraining_position(dir.file("train.safetensors")).has_value());
}

// The two files of a checkpoint are written one after the other; a pair from different
// positions (a crash between the writes) is refused, naming both positions.
TEST(CheckpointState, PairFromDifferentPositionsIsRefused) {
  TempDir dir;
  auto model = dense(1);
  auto opt = adam(*model);
  TrainPosition at_epoch_1;
  at_epoch_1.epoch = 1;
  at_epoch_1.samples = 192;
  TrainPosition at_epoch_2 = at_epoch_1;
  at_epoch_2.epoch = 2;
  at_epoch_2.samples = 384;
  const std::string weights = dir.file("model.safetensors"), state = dir.file("state.safetensors");
  save_model_weights(weights, *model, &at_epoch_1);
  save_training_state(state, *opt, *model, at_epoch_1);
  EXPECT_NO_THROW(check_checkpoint_pair(weights, state));
  EXPECT_EQ(io::load_safetensors(weights).metadata.at("position.samples"), "192");

  save_model_weights(weights, *model, &at_epoch_2);  // then "crashed" before the state
  testing::expect_error([&] { check_checkpoint_pair(weights, state); },
                        {"do not belong together",
                         "model.safetensors was saved at epoch 2, step 0 "
                         "(384 samples)",
                         "state.safetensors at epoch 1, step 0 (192 samples)"});

  // Weights saved outside a training run record no position and pair with any state.
  save_model_weights(weights, *model);
  EXPECT_EQ(io::load_safetensors(weights).metadata.count("position.epoch"), 0u);
  EXPECT_NO_THROW(check_checkpoint_pair(weights, state));
}

// commit_checkpoint makes a pair visible as a whole: a crash (here an exception from a writer)
// at every point of the commit leaves, after recover_checkpoint, the old pair (before the commit
// point: the weights' rename) or the new pair (after it), never a mix, never nothing.
TEST(CheckpointState, CommitIsAtomicAtEveryCrashPoint) {
  struct Crash {};
  enum Stage { kBeforeState, kAfterState, kBeforeWeights, kAfterWeights, kNone };
  for (const Stage stage : {kBeforeState, kAfterState, kBeforeWeights, kAfterWeights, kNone}) {
    SCOPED_TRACE("crash stage " + std::to_string(stage));
    TempDir dir;
    auto model = dense(1);
    auto opt = adam(*model);
    TrainPosition old_at, new_at;
    old_at.epoch = 1;
    new_at.epoch = 2;
    const std::string weights = dir.file("model.safetensors");
    const std::string state = dir.file("state.safetensors");
    auto commit = [&](const TrainPosition& at, Stage crash) {
      commit_checkpoint(
          weights, state,
          [&](const std::string& path) {
            if (crash == kBeforeWeights) throw Crash{};
            save_model_weights(path, *model, &at);
            if (crash == kAfterWeights) throw Crash{};
          },
          [&](const std::string& path) {
            if (crash == kBeforeState) throw Crash{};
            save_training_state(path, *opt, *model, at);
            if (crash == kAfterState) throw Crash{};
          });
    };
    commit(old_at, kNone);
    // A temporary left by an atomic write that was killed.
    io::write_file_atomic(dir.file("scratch"), "partial");
    std::filesystem::rename(dir.file("scratch"), weights + ".tmp.12345");
    if (stage == kNone) {
      commit(new_at, kNone);
    } else {
      EXPECT_THROW(commit(new_at, stage), Crash);
    }
    recover_checkpoint(weights, state);
    EXPECT_NO_THROW(check_checkpoint_pair(weights, state));
    EXPECT_FALSE(std::filesystem::exists(pending_state_path(state)));
    EXPECT_FALSE(std::filesystem::exists(weights + ".tmp.12345"));
    const int64_t expected = stage == kAfterWeights || stage == kNone ? 2 : 1;
    EXPECT_EQ(io::load_safetensors(weights).metadata.at("position.epoch"),
              std::to_string(expected));
    EXPECT_EQ(io::load_safetensors(state).metadata.at("position.epoch"), std::to_string(expected));
  }
}

TEST(CheckpointState, FileCarriesPositionOptimizerAndGenerators) {
  TempDir dir;
  auto model = vae(1);
  auto opt = adam(*model);
  static_cast<Vae&>(*model).noise_generator().set_state(101, 4096);
  TrainPosition position;
  position.epoch = 3;
  position.step = 2;
  position.noise_offset = 77;
  position.samples = 100;
  position.train_seconds = 1.25;
  position.term_names = {"reconstruction", "kl"};
  position.term_sums = {Tensor::scalar(10.5f), Tensor::scalar(2.25f)};
  position.total_sum = Tensor::scalar(12.75f);
  save_training_state(dir.file("s.safetensors"), *opt, *model, position);
  const io::SafetensorsFile file = io::load_safetensors(dir.file("s.safetensors"));
  EXPECT_EQ(file.metadata.at("generator.noise.seed"), "101");
  EXPECT_EQ(file.metadata.at("generator.noise.offset"), "4096");
  EXPECT_EQ(file.metadata.at("optimizer.name"), "adam");
  EXPECT_EQ(file.metadata.at("position.step"), "2");
  EXPECT_EQ(file.at("epoch.term.kl").item(), 2.25f);

  static_cast<Vae&>(*model).noise_generator().set_state(0, 0);
  const TrainPosition back = load_training_state(dir.file("s.safetensors"), *opt, *model);
  EXPECT_EQ(static_cast<Vae&>(*model).noise_generator().offset(), 4096u);
  EXPECT_EQ(back.epoch, 3);
  EXPECT_EQ(back.step, 2);
  EXPECT_EQ(back.noise_offset, 77u);
  EXPECT_EQ(back.samples, 100);
  EXPECT_EQ(back.train_seconds, 1.25);
  EXPECT_EQ(back.term_names, position.term_names);
  ASSERT_EQ(back.term_sums.size(), 2u);
  EXPECT_EQ(back.term_sums[0].item(), 10.5f);
  EXPECT_EQ(back.total_sum.item(), 12.75f);
}

}  // namespace
}  // namespace hg::models
