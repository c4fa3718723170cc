// `hourglass train` with presets, spec files and variant options, end to end on a tiny generated
// IDX dataset (64 train / 32 test images, batch 32, cpu): every preset and example spec trains one
// epoch and writes finite losses; explicit options win over the preset's recipe (config.json
// records both); objective terms reach metrics.jsonl; bad combinations are usage errors (exit 2)
// and bad spec files run-time errors naming the file (exit 1), each on one line.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hourglass/core/device.h"
#include "hourglass/models/presets.h"
#include "support/devices.h"
#include "support/requirements.h"
#include "tools/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using hg::testing::lines_of;
using hg::testing::read_text;
using nlohmann::json;
using Result = hg::testing::CliResult;

const std::string kSpecs = HG_SOURCE_DIR "/examples/specs/";
const std::string kTrain = "train --data tiny --epochs 1 --batch 32 --device cpu ";

class TrainPresets : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(hg::testing::kHourglassBinary)) return;
    hg::testing::make_temp_dir("hg-presets", &dir_);
    hg::testing::write_tiny_idx(dir_ / "tiny", 64, 32, /*seed=*/7);
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override {
    HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_BINARY", ::hg::testing::missing_binary());
  }

  static Result run(const std::string& args) { return hg::testing::run_hourglass(dir_, args); }

  static json config_of(const std::string& run_dir) {
    return json::parse(read_text(dir_ / run_dir / "config.json"));
  }
  static std::vector<json> metrics_of(const std::string& run_dir) {
    std::vector<json> records;
    for (const std::string& line : lines_of(read_text(dir_ / run_dir / "metrics.jsonl")))
      records.push_back(json::parse(line));
    return records;
  }

  // The one "train" record of a one-epoch run, checked for finite losses and terms.
  static json check_one_epoch(const std::string& run_dir) {
    json train;
    int count = 0;
    for (const json& record : metrics_of(run_dir)) {
      if (record.at("phase") != "train") continue;
      train = record;
      ++count;
    }
    EXPECT_EQ(count, 1) << run_dir;
    if (count != 1) return train;
    EXPECT_EQ(train.at("steps"), 2) << run_dir;  // 64 samples, batch 32
    EXPECT_TRUE(std::isfinite(train.at("train_loss").get<double>())) << train.dump();
    EXPECT_TRUE(train.at("test_loss").is_number()) << train.dump();
    EXPECT_TRUE(std::isfinite(train.at("test_loss").get<double>())) << train.dump();
    EXPECT_TRUE(train.at("train_terms").contains("reconstruction")) << train.dump();
    for (const auto& term : train.at("train_terms").items())
      EXPECT_TRUE(std::isfinite(term.value().get<double>())) << train.dump();
    EXPECT_GT(train.at("samples_per_second").get<double>(), 0.0);
    return train;
  }

  static void expect_usage_error(const std::string& args, const std::string& part) {
    const Result r = run(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out << r.err;
    const std::vector<std::string> lines = lines_of(r.err);
    ASSERT_EQ(lines.size(), 1u) << args << "\n" << r.err;
    EXPECT_NE(lines[0].find(part), std::string::npos) << args << "\n" << lines[0];
  }

  static fs::path dir_;
};

fs::path TrainPresets::dir_;

TEST_F(TrainPresets, EveryPresetTrainsOneEpoch) {
  for (const hg::models::Preset& preset : hg::models::presets()) {
    SCOPED_TRACE(preset.name);
    const std::string run_dir = "run-" + preset.name;
    const std::string extra =
        preset.family == hg::models::ModelFamily::kStacked ? "--pretrain-epochs 1 " : "";
    const Result r = run(kTrain + extra + "--model " + preset.name + " --out " + run_dir);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("preset: " + preset.name), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" samples/s"), std::string::npos) << r.out;
    check_one_epoch(run_dir);
    const json config = config_of(run_dir);
    EXPECT_EQ(config.at("model"), preset.name);
    EXPECT_EQ(config.at("preset").at("source"), preset.source);
    EXPECT_EQ(config.at("recipe").at("optimizer"), preset.recipe.optimizer);
    EXPECT_EQ(config.at("recipe").at("loss"), preset.recipe.loss);
    EXPECT_EQ(config.at("recipe").at("latent"), preset.recipe.latent);
    EXPECT_EQ(config.at("recipe").at("epochs"), 1);
    EXPECT_EQ(config.at("batch"), 32);
  }
}

// The same presets on the cuda device (the SIMT emulator in CI, a GPU where there is one): one
// step of 8 samples each, so the emulated run stays short; every loss and term finite.
TEST_F(TrainPresets, EveryPresetTrainsOnCuda) {
  HG_REQUIRE_DEVICE(::hg::Device::cuda(0));
  for (const hg::models::Preset& preset : hg::models::presets()) {
    SCOPED_TRACE(preset.name);
    const std::string run_dir = "cuda-" + preset.name;
    const std::string extra =
        preset.family == hg::models::ModelFamily::kStacked ? "--pretrain-epochs 1 " : "";
    const Result r = run("train --data tiny --limit 8 --epochs 1 --batch 8 --device cuda " + extra +
                         "--model " + preset.name + " --out " + run_dir);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("device: cuda"), std::string::npos) << r.out;
    int records = 0;
    for (const json& record : metrics_of(run_dir)) {
      if (record.at("phase") != "train") continue;
      ++records;
      EXPECT_EQ(record.at("steps"), 1);
      EXPECT_TRUE(std::isfinite(record.at("train_loss").get<double>())) << record.dump();
      EXPECT_TRUE(std::isfinite(record.at("test_loss").get<double>())) << record.dump();
    }
    EXPECT_EQ(records, 1);
  }
}

TEST_F(TrainPresets, ExampleSpecsTrainOneEpoch) {
  for (const char* name : {"dense.json", "dense.toml", "small-conv.toml", "conv-vae.toml"}) {
    SCOPED_TRACE(name);
    const std::string run_dir = std::string("run-spec-") + name;
    const Result r = run(kTrain + "--spec " + kSpecs + name + " --out " + run_dir);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("spec: " + kSpecs + name), std::string::npos) << r.out;
    check_one_epoch(run_dir);
    const json config = config_of(run_dir);
    EXPECT_EQ(config.at("model"), "spec");
    EXPECT_EQ(config.at("spec").at("file"), kSpecs + name);
  }
  // The VAE spec reports both terms of its objective.
  const json vae = check_one_epoch("run-spec-conv-vae.toml");
  EXPECT_TRUE(vae.at("train_terms").contains("kl")) << vae.dump();
  EXPECT_TRUE(vae.at("test_terms").contains("kl")) << vae.dump();
}

TEST_F(TrainPresets, ExplicitOptionsWinOverThePresetsRecipe) {
  // keras-dense's recipe: adadelta lr 1, bce, batch 256, 50 epochs, code 32.
  const Result defaults =
      run("train --data tiny --device cpu --epochs 1 --model keras-dense "
          "--out run-defaults");
  ASSERT_EQ(defaults.code, 0) << defaults.err;
  const json d = config_of("run-defaults");
  EXPECT_EQ(d.at("batch"), 256);
  EXPECT_EQ(d.at("optimizer"), "adadelta");
  EXPECT_EQ(d.at("lr"), 1.0);
  EXPECT_NEAR(d.at("recipe").at("adadelta_rho").get<double>(), 0.95, 1e-6);
  EXPECT_EQ(d.at("recipe").at("latent"), 32);
  EXPECT_EQ(d.at("overrides"), json::array({"--epochs"}));
  EXPECT_EQ(d.at("sizes"), json::array({784, 32}));

  const Result r = run(kTrain +
                       "--model keras-dense --optimizer adam --lr 0.01 --loss mse "
                       "--latent 12 --out run-overrides");
  ASSERT_EQ(r.code, 0) << r.err;
  const json c = config_of("run-overrides");
  EXPECT_EQ(c.at("optimizer"), "adam");
  EXPECT_NEAR(c.at("lr").get<double>(), 0.01, 1e-6);
  EXPECT_EQ(c.at("loss"), "mse");
  EXPECT_EQ(c.at("batch"), 32);
  EXPECT_EQ(c.at("sizes"), json::array({784, 12}));
  EXPECT_EQ(c.at("parameters"), 784 * 12 + 12 + 12 * 784 + 784);
  EXPECT_EQ(c.at("overrides"),
            json::array({"--epochs", "--batch", "--optimizer", "--lr", "--loss", "--latent"}));
  EXPECT_NE(r.out.find("test mse 0."), std::string::npos) << r.out;

  // A preset's variant setting can be switched off: cae without tied weights.
  const Result untied = run(kTrain + "--model cae --untied --out run-untied");
  ASSERT_EQ(untied.code, 0) << untied.err;
  EXPECT_EQ(config_of("run-untied").at("recipe").at("tied"), false);
  EXPECT_EQ(config_of("run-untied").at("parameters"), 784 * 1000 + 1000 + 1000 * 784 + 784);
}

TEST_F(TrainPresets, VariantOptionsReachTheObjective) {
  const Result r = run(kTrain +
                       "--model dense --tied --sparsity l1 --l1 0.001 --noise masking "
                       "--noise-level 0.25 --out run-variants");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const json c = config_of("run-variants");
  EXPECT_EQ(c.at("recipe").at("tied"), true);
  EXPECT_EQ(c.at("recipe").at("noise"), "masking");
  EXPECT_EQ(c.at("parameters"), 784 * 64 + 64 + 784);
  const json epoch = check_one_epoch("run-variants");
  EXPECT_TRUE(epoch.at("train_terms").contains("l1")) << epoch.dump();
  EXPECT_NE(r.out.find("(reconstruction bce "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", l1 "), std::string::npos) << r.out;

  const Result kl = run(kTrain +
                        "--model dense --activation sigmoid --sparsity kl "
                        "--sparsity-weight 0.5 --rho 0.1 --out run-kl");
  ASSERT_EQ(kl.code, 0) << kl.err;
  EXPECT_TRUE(check_one_epoch("run-kl").at("train_terms").contains("kl_sparsity"));

  const Result contractive = run(kTrain + "--model keras-dense --contractive 0.5 --out run-cae");
  ASSERT_EQ(contractive.code, 0) << contractive.err;
  EXPECT_TRUE(check_one_epoch("run-cae").at("train_terms").contains("contractive"));

  const Result beta = run(kTrain + "--model vae --beta 4 --latent 5 --out run-beta");
  ASSERT_EQ(beta.code, 0) << beta.err;
  EXPECT_NE(beta.out.find("beta 4"), std::string::npos) << beta.out;
}

TEST_F(TrainPresets, HintonPretrainsEachLayerThenFineTunes) {
  const Result r = run(kTrain + "--model hinton --pretrain-epochs 1 --latent 10 --out run-hinton");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  for (const char* part : {"pretrain layer 1/4 (784-1000) epoch 1/1",
                           "pretrain layer 4/4 "
                           "(250-10) epoch 1/1",
                           "fine-tuning: "}) {
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
  }
  EXPECT_LT(r.out.find("pretrain layer 4/4"), r.out.find("fine-tuning"));
  int pretrain = 0;
  for (const json& record : metrics_of("run-hinton")) {
    if (record.at("phase") != "pretrain") continue;
    ++pretrain;
    EXPECT_TRUE(std::isfinite(record.at("train_loss").get<double>())) << record.dump();
  }
  EXPECT_EQ(pretrain, 4);
  check_one_epoch("run-hinton");
}

TEST_F(TrainPresets, BadCombinationsAreUsageErrors) {
  expect_usage_error(kTrain + "--model dense --l1 0.001", "--l1 needs --sparsity l1");
  expect_usage_error(kTrain + "--model dense --k 5", "--k needs --sparsity ksparse");
  expect_usage_error(kTrain + "--model dense --noise-level 0.3", "--noise-level needs --noise");
  expect_usage_error(kTrain + "--model dense --noise gaussian", "positive --noise-level");
  expect_usage_error(kTrain + "--model dense --sparsity l1", "positive --l1");
  expect_usage_error(kTrain + "--model keras-conv --tied", "tied weights need a dense preset");
  expect_usage_error(kTrain + "--model torch-conv --contractive 0.1", "dense preset");
  expect_usage_error(kTrain + "--model dense --beta 2", "beta");
  expect_usage_error(kTrain + "--model vae --hidden 32", "dense presets only");
  expect_usage_error(kTrain + "--model keras-dense --sparsity kl --sparsity-weight 1", "sigmoid");
  expect_usage_error(kTrain + "--model ksparse --latent 10", "k must lie");
  expect_usage_error(kTrain + "--model dense --pretrain-epochs 2", "pre-training");
  expect_usage_error(kTrain + "--model dense --momentum 0.9", "--optimizer sgd");
  expect_usage_error(kTrain + "--model vae --spec " + kSpecs + "dense.json", "excludes");
  expect_usage_error(kTrain + "--model no-such-preset", "no-such-preset");
  EXPECT_FALSE(fs::exists(dir_ / "runs"));  // nothing was started
}

TEST_F(TrainPresets, BadSpecFilesNameTheFile) {
  const fs::path bad = dir_ / "bad-layer.toml";
  std::ofstream(bad) << "encoder = [\"flatten\", { layer = \"dense\", out = 8 }]\n"
                        "decoder = [{ layer = \"linear\", out = 784 }]\n";
  const Result r = run(kTrain + "--spec bad-layer.toml --out run-bad");
  EXPECT_EQ(r.code, 1);
  const std::vector<std::string> lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_NE(lines[0].find("bad-layer.toml: encoder[1]: unknown layer 'dense'"), std::string::npos)
      << lines[0];
  EXPECT_FALSE(fs::exists(dir_ / "run-bad"));

  const Result variant = run(kTrain + "--spec " + kSpecs + "small-conv.toml --sparsity l1 --l1 1");
  EXPECT_EQ(variant.code, 1);
  EXPECT_NE(variant.err.find("small-conv.toml: tied weights, sparsity and the contractive "
                             "penalty need a dense spec"),
            std::string::npos)
      << variant.err;
  const Result layers = run(kTrain + "--spec " + kSpecs + "dense.json --hidden 16");
  EXPECT_EQ(layers.code, 1);
  EXPECT_NE(layers.err.find("a spec file describes its own layers"), std::string::npos)
      << layers.err;
}

TEST_F(TrainPresets, HelpListsThePresets) {
  const Result help = run("train --help");
  ASSERT_EQ(help.code, 0);
  for (const hg::models::Preset& preset : hg::models::presets()) {
    EXPECT_NE(help.out.find("  " + preset.name + " "), std::string::npos) << preset.name;
    EXPECT_NE(help.out.find(preset.summary), std::string::npos) << preset.name;
  }
  const Result info = run("info");
  ASSERT_EQ(info.code, 0);
  EXPECT_NE(info.out.find("presets (hourglass train --model NAME"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find(" keras-conv "), std::string::npos) << info.out;
  for (const char* option : {"--spec", "--latent", "--noise", "--sparsity", "--contractive",
                             "--beta", "--tied", "--k-start", "--anneal-epochs"}) {
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
  }
}

// info --model NAME: one preset in full. cae's tied 784-1000-784 has 784 * 1000 weights and
// 1000 + 784 biases; its objective shows Rifai's lambda per pixel.
TEST_F(TrainPresets, InfoDescribesOnePreset) {
  const Result cae = run("info --model cae");
  ASSERT_EQ(cae.code, 0) << cae.err;
  for (const std::string part :
       {"preset: cae", "layers: 784-1000-784", "source: Rifai et al. 2011",
        "objective (MNIST, 784 pixels): mean over the batch of", "(0.1 / 784) ||J_f(x)||_F^2",
        "parameters (1x28x28 inputs): 785784\n", "notes: the paper's model"})
    EXPECT_NE(cae.out.find(part), std::string::npos) << part << " in:\n" << cae.out;
  const Result unknown = run("info --model caee");
  EXPECT_NE(unknown.code, 0);
  EXPECT_NE(unknown.err.find("caee"), std::string::npos) << unknown.err;
  EXPECT_TRUE(unknown.out.empty()) << unknown.out;
}

}  // namespace
