// run_config: config.json's "build" entry round-trips every preset choice, dense layers, recipe
// field and spec file (copied into the run directory), rebuilds the same model (same initial
// weights), and load_run finds the saved weights; malformed entries name config.json and the
// field.
#include "run_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hourglass/models/checkpoint.h"
#include "hourglass/models/presets.h"
#include "hourglass/models/spec.h"
#include "support/expect_error.h"
#include "tools/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using hg::cli::ResolvedRun;
using nlohmann::json;

#define EXPECT_ERROR(expr, message) hg::testing::expect_error([&] { (void)(expr); }, {message})

const std::vector<int64_t> kSample{1, 28, 28};

class RunConfig : public ::testing::Test {
 protected:
  void SetUp() override { hg::testing::make_temp_dir("hg-run-config", &dir_); }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  fs::path dir_;
};

ResolvedRun preset_run(const std::string& name) {
  ResolvedRun run;
  run.preset = &hg::models::find_preset(name);
  run.recipe = run.preset->recipe;
  return run;
}

void expect_same_parameters(hg::models::Autoencoder& a, hg::models::Autoencoder& b) {
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].first, pb[i].first);
    EXPECT_EQ(pa[i].second.to_vector(), pb[i].second.to_vector()) << pa[i].first;
  }
}

// build -> JSON text -> resolved, and the same model from both.
ResolvedRun round_trip(const ResolvedRun& run, const fs::path& run_dir) {
  const json build = hg::cli::build_config_json(run, kSample, 11, run_dir.string());
  const ResolvedRun back =
      hg::cli::resolved_run_from_build(json::parse(build.dump(2)), run_dir.string());
  EXPECT_EQ(back.preset, run.preset);
  EXPECT_EQ(back.spec.has_value(), run.spec.has_value());
  EXPECT_EQ(hg::cli::recipe_json(back.recipe), hg::cli::recipe_json(run.recipe));
  EXPECT_EQ(back.overrides, run.overrides);
  EXPECT_EQ(back.dense.has_value(), run.dense.has_value());
  auto original = hg::cli::build_model(run, kSample, 11);
  auto rebuilt = hg::cli::build_model(back, kSample, 11);
  EXPECT_EQ(original->describe(), rebuilt->describe());
  expect_same_parameters(*original, *rebuilt);
  return back;
}

TEST_F(RunConfig, EveryRecipeFieldRoundTrips) {
  hg::models::Recipe r;
  r.loss = "mse";
  r.optimizer = "adadelta";
  r.lr = 0.0123f;
  r.momentum = 0.7f;
  r.adadelta_rho = 0.95f;
  r.adadelta_eps = 1e-7f;
  r.batch = 33;
  r.epochs = 4;
  r.pretrain_epochs = 2;
  r.latent = 17;
  r.variant = "vae";
  r.tied = true;
  r.sparsity = "kl";
  r.l1 = 1e-4f;
  r.sparsity_weight = 0.3f;
  r.rho = 0.07f;
  r.k = 25;
  r.alpha = 3.0f;
  r.k_start = 100;
  r.anneal_epochs = 5;
  r.contractive = 0.1f;
  r.noise = "salt-and-pepper";
  r.noise_level = 0.25f;
  r.beta = 4.0f;
  const json j = json::parse(hg::cli::recipe_json(r).dump());
  EXPECT_EQ(j.size(), 24u);
  const hg::models::Recipe back = hg::cli::recipe_from_json(j, "test");
  EXPECT_EQ(hg::cli::recipe_json(back), hg::cli::recipe_json(r));
  EXPECT_EQ(back.lr, 0.0123f);
  EXPECT_EQ(back.adadelta_eps, 1e-7f);
  EXPECT_EQ(back.tied, true);
  EXPECT_EQ(back.noise, "salt-and-pepper");
  EXPECT_EQ(back.anneal_epochs, 5);
}

TEST_F(RunConfig, PresetsRoundTripAndRebuildTheSameModel) {
  for (const std::string name : {"dense", "keras-conv", "vae", "hinton", "ksparse", "cae"}) {
    SCOPED_TRACE(name);
    ResolvedRun run = preset_run(name);
    run.recipe.lr = 0.0042f;
    run.recipe.epochs = 3;
    run.overrides = {"--lr", "--epochs"};
    const ResolvedRun back = round_trip(run, dir_);
    EXPECT_EQ(back.recipe.lr, 0.0042f);
  }
}

TEST_F(RunConfig, DenseLayersRoundTrip) {
  ResolvedRun run = preset_run("dense");
  hg::models::DenseArchitecture arch;
  arch.hidden = {48, 12};
  arch.hidden_activation = "tanh";
  arch.code_activation = "sigmoid";
  arch.output_activation = "identity";
  run.dense = arch;
  run.recipe.latent = 12;
  run.recipe.loss = "mse";
  run.overrides = {"--hidden", "--activation", "--loss"};
  const ResolvedRun back = round_trip(run, dir_);
  ASSERT_TRUE(back.dense.has_value());
  EXPECT_EQ(back.dense->hidden, arch.hidden);
  EXPECT_EQ(back.dense->hidden_activation, "tanh");
  EXPECT_EQ(back.dense->code_activation, "sigmoid");
  EXPECT_EQ(back.dense->output_activation, "identity");
}

TEST_F(RunConfig, SpecIsCopiedIntoTheRunAndReadFromThere) {
  const fs::path source = dir_ / "elsewhere" / "mine.toml";
  fs::create_directories(source.parent_path());
  fs::copy_file(fs::path(HG_SOURCE_DIR) / "examples/specs/dense.toml", source);
  const fs::path run_dir = dir_ / "run";
  fs::create_directories(run_dir);
  ResolvedRun run;
  run.spec = hg::models::load_model_spec(source.string());
  run.recipe = run.spec->recipe;
  run.recipe.epochs = 2;
  const json build = hg::cli::build_config_json(run, kSample, 5, run_dir.string());
  EXPECT_EQ(build["spec"]["file"], "spec.toml");
  EXPECT_EQ(hg::testing::read_text(run_dir / "spec.toml"), hg::testing::read_text(source));
  fs::remove(source);  // the run no longer needs the original
  const ResolvedRun back = hg::cli::resolved_run_from_build(build, run_dir.string());
  ASSERT_TRUE(back.spec.has_value());
  EXPECT_EQ(back.spec->name, "dense-256-32");
  EXPECT_EQ(back.spec->encoder.size(), run.spec->encoder.size());
  EXPECT_EQ(back.recipe.epochs, 2);
  auto a = hg::cli::build_model(run, kSample, 5);
  auto b = hg::cli::build_model(back, kSample, 5);
  expect_same_parameters(*a, *b);
}

TEST_F(RunConfig, MalformedBuildEntriesNameTheField) {
  const json good = hg::cli::build_config_json(preset_run("dense"), kSample, 1, dir_.string());
  json missing = good;
  missing["recipe"].erase("beta");
  EXPECT_ERROR(hg::cli::resolved_run_from_build(missing, dir_.string()),
               "config.json: build.recipe: missing 'beta'");
  json wrong = good;
  wrong["recipe"]["batch"] = "many";
  EXPECT_ERROR(hg::cli::resolved_run_from_build(wrong, dir_.string()),
               "build.recipe.batch: expected an integer");
  json unknown = good;
  unknown["preset"] = "no-such-preset";
  EXPECT_ERROR(hg::cli::resolved_run_from_build(unknown, dir_.string()), "build.preset");
  json both = good;
  both["spec"] = {{"file", "spec.toml"}};
  EXPECT_ERROR(hg::cli::resolved_run_from_build(both, dir_.string()),
               "exactly one of 'preset' and 'spec'");
}

TEST_F(RunConfig, LoadRunRebuildsTheSavedWeights) {
  const fs::path run_dir = dir_ / "run";
  fs::create_directories(run_dir);
  EXPECT_ERROR(hg::cli::load_run(run_dir.string(), hg::Device::cpu()),
               "has no config.json: not a run directory");
  ResolvedRun run = preset_run("keras-dense");
  const json config = {{"build", hg::cli::build_config_json(run, kSample, 3, run_dir.string())}};
  std::ofstream(run_dir / "config.json") << config.dump(2);
  EXPECT_ERROR(hg::cli::load_run(run_dir.string(), hg::Device::cpu()), "has no model.safetensors");

  // Weights different from the seed's initial ones, so loading them is visible.
  auto trained = hg::cli::build_model(run, kSample, 99);
  hg::models::save_model_weights((run_dir / "model.safetensors").string(), *trained);
  hg::cli::LoadedRun loaded = hg::cli::load_run(run_dir.string(), hg::Device::cpu());
  EXPECT_EQ(loaded.sample_shape, kSample);
  EXPECT_EQ(loaded.seed, 3u);
  EXPECT_EQ(loaded.run.preset->name, "keras-dense");
  EXPECT_FALSE(loaded.model->is_training());
  expect_same_parameters(*loaded.model, *trained);
}

}  // namespace
