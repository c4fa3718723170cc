// The commands on a trained run, end to end through the program: runs trained for one epoch on
// a tiny generated IDX dataset (a dense autoencoder and a VAE), then eval, encode, decode,
// reconstruct, sample, interpolate and latent-map, checking the files they write (NPY shapes,
// PNGs that decode), that reconstruct equals the model's forward computed here, and the exit
// codes and one-line messages of usage and run-time errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hourglass/core/autograd.h"
#include "hourglass/io/npy.h"
#include "hourglass/io/png.h"
#include "model_inputs.h"
#include "run_config.h"
#include "support/requirements.h"
#include "tools/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using hg::testing::lines_of;
using Result = hg::testing::CliResult;

class InferenceCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(hg::testing::kHourglassBinary)) return;
    hg::testing::make_temp_dir("hg-inference", &dir_);
    hg::testing::write_tiny_idx(dir_ / "tiny", 256, 64, /*seed=*/5);
    for (const auto& [preset, run] :
         {std::pair<std::string, std::string>{"keras-dense", "dense"}, {"vae", "vae"}}) {
      const Result r = hg::testing::run_hourglass(
          dir_, "train --model " + preset +
                    " --data tiny --epochs 1 --batch 64 --device cpu --out " + run);
      ASSERT_EQ(r.code, 0) << r.out << r.err;
    }
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override {
    HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_BINARY", ::hg::testing::missing_binary());
  }
  Result run(const std::string& args) { return hg::testing::run_hourglass(dir_, args); }
  static std::vector<int64_t> npy_shape(const std::string& name) {
    return hg::io::read_npy((dir_ / name).string()).shape().dims();
  }
  static void expect_png(const std::string& name) {
    const hg::io::Image image = hg::io::read_png((dir_ / name).string());
    EXPECT_GT(image.width, 20) << name;
    EXPECT_GT(image.height, 20) << name;
  }

  static fs::path dir_;
};

fs::path InferenceCommands::dir_;

TEST_F(InferenceCommands, EvalPrintsEachTermAndJson) {
  const Result r = run("eval --run dense --device cpu");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("64 samples"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reconstruction (bce) 0."), std::string::npos) << r.out;
  const Result j = run("eval --run vae --device cpu --json");
  ASSERT_EQ(j.code, 0) << j.err;
  ASSERT_EQ(lines_of(j.out).size(), 1u) << j.out;
  const nlohmann::json line = nlohmann::json::parse(j.out);
  EXPECT_EQ(line["samples"], 64);
  EXPECT_TRUE(line["terms"].contains("kl")) << j.out;
  EXPECT_NEAR(line["loss"].get<double>(),
              line["terms"]["reconstruction"].get<double>() + line["terms"]["kl"].get<double>(),
              1e-3 * line["loss"].get<double>());
}

TEST_F(InferenceCommands, EncodeDecodeRoundTripShapes) {
  Result r =
      run("encode --run dense --device cpu --input tiny/t10k-images-idx3-ubyte --limit 10 "
          "--output z.npy");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("codes [10, 32]"), std::string::npos) << r.out;
  EXPECT_EQ(npy_shape("z.npy"), (std::vector<int64_t>{10, 32}));
  r = run("decode --run dense --device cpu --input z.npy --output x.npy --png x.png");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(npy_shape("x.npy"), (std::vector<int64_t>{10, 1, 28, 28}));
  expect_png("x.png");
  r = run("encode --run vae --device cpu --input tiny/t10k-images-idx3-ubyte --output zv.npy");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(npy_shape("zv.npy"), (std::vector<int64_t>{64, 20}));
}

TEST_F(InferenceCommands, ReconstructEqualsTheModelsForward) {
  const Result r =
      run("reconstruct --run dense --device cpu --input tiny/t10k-images-idx3-ubyte "
          "--limit 12 --output y.npy --png y.png");
  ASSERT_EQ(r.code, 0) << r.err;
  expect_png("y.png");
  const hg::Tensor y = hg::io::read_npy((dir_ / "y.npy").string());
  ASSERT_EQ(y.shape(), (hg::Shape{12, 1, 28, 28}));

  hg::cli::LoadedRun loaded = hg::cli::load_run((dir_ / "dense").string(), hg::Device::cpu());
  const hg::Tensor x = hg::cli::read_model_inputs((dir_ / "tiny/t10k-images-idx3-ubyte").string(),
                                                  loaded.sample_shape, 12);
  hg::NoGrad no_grad;
  const std::vector<float> expected = loaded.model->forward(x).to_vector();
  const std::vector<float> got = y.to_vector();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], expected[i], 1e-6) << i;
}

TEST_F(InferenceCommands, SampleFromThePriorAndFromFittedCodes) {
  Result r = run("sample --run vae --device cpu --n 9 --output sv.npy --png sv.png");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("prior"), std::string::npos) << r.out;
  EXPECT_EQ(npy_shape("sv.npy"), (std::vector<int64_t>{9, 1, 28, 28}));
  expect_png("sv.png");
  r = run("sample --run dense --device cpu --n 5 --output sd.npy --seed 3");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("fitted to the 32-value codes of 256 samples"), std::string::npos) << r.out;
  EXPECT_EQ(npy_shape("sd.npy"), (std::vector<int64_t>{5, 1, 28, 28}));
}

TEST_F(InferenceCommands, InterpolateAndLatentMap) {
  Result r =
      run("interpolate --run vae --device cpu --a 3 --b 7 --steps 6 --output strip.png "
          "--npy strip.npy");
  ASSERT_EQ(r.code, 0) << r.err;
  expect_png("strip.png");
  EXPECT_EQ(npy_shape("strip.npy"), (std::vector<int64_t>{6, 1, 28, 28}));
  r = run("latent-map --run dense --device cpu --output map.png");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("PCA to 2-D"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("coloured by label"), std::string::npos) << r.out;
  expect_png("map.png");
  r =
      run("latent-map --run vae --device cpu --input tiny/train-images-idx3-ubyte --labels "
          "tiny/train-labels-idx1-ubyte --limit 100 --output map2.png");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("100 codes of 20 values"), std::string::npos) << r.out;
}

TEST_F(InferenceCommands, ErrorsExitWithOneLine) {
  struct Case {
    std::string args;
    int code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"reconstruct --input x --output y.npy", 2, "--run is required"},
      {"reconstruct --run dense --input x --output y.png", 2, "must end in .npy"},
      {"sample --run dense", 2, "--output FILE.npy, --png FILE.png or both"},
      {"eval --run dense --device tpu", 2, "expected auto, cpu, cuda or cuda:N"},
      {"latent-map --run dense --labels l.npy --output m.png", 2, "--labels labels --input"},
      {"eval --run tiny --device cpu", 1, "not a run directory"},
      {"reconstruct --run dense --device cpu --input z.npy --output y.npy", 1,
       "the model takes samples of shape [1, 28, 28]"},
      {"sample --run dense --device cpu --from prior --png p.png", 1,
       "--from prior needs a variational model"},
      {"interpolate --run dense --device cpu --a 64 --output s.png", 1, "out of range"},
  };
  // z.npy: codes, not images (EncodeDecodeRoundTripShapes may not have run first).
  hg::io::write_npy((dir_ / "z.npy").string(), hg::Tensor::zeros({3, 32}));
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args);
    const Result r = run(c.args);
    EXPECT_EQ(r.code, c.code) << r.out << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
}

TEST_F(InferenceCommands, EveryCommandHasHelp) {
  for (const std::string command :
       {"eval", "encode", "decode", "reconstruct", "sample", "interpolate", "latent-map"}) {
    const Result r = run(command + " --help");
    EXPECT_EQ(r.code, 0) << command;
    EXPECT_NE(r.out.find("--run"), std::string::npos) << command << r.out;
  }
}

}  // namespace
