// The application commands through the `hourglass` binary, on a run trained once per suite: a
// dense denoising autoencoder on tiny 28 x 28 images of a bright 8 x 8 square, each labelled by
// the quadrant the square sits in (4 classes, so the codes can carry the label).
// - denoise / inpaint / super-resolve: the repaired .npy has the inputs' shape, the picture
//   exists, the report holds both MSE / PSNR lines, and each repair, by a run trained for it
//   (gaussian noise, a masked 9 x 9 square, downsampling by 3), is closer to the clean images than
//   the corrupted input is.
// - hash: the table of radii 0..r with precision / recall / retrieved; the quadrant labels are
//   retrieved better than chance at radius 0; --output's bits; --bits mismatches.
// - classify: a linear probe on the dense run beats chance; a stacked (hinton) run fine-tunes to
//   an accuracy above chance and above its accuracy before fine-tuning.
// - errors: one line, exit 1 for bad runs / values, 2 for usage errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli_runner.h"
#include "hourglass/data/idx.h"
#include "hourglass/io/npy.h"
#include "support/requirements.h"

namespace fs = std::filesystem;

namespace hg::testing {
namespace {

// The number after `key` in `text` (NaN when absent).
double number_after(const std::string& text, const std::string& key) {
  const size_t at = text.find(key);
  if (at == std::string::npos) return std::nan("");
  double value = std::nan("");
  std::sscanf(text.c_str() + at + key.size(), "%lf", &value);
  return value;
}

class Applications : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(kHourglassBinary)) return;
    make_temp_dir("hg-apps", &dir_);
    hg::testing::write_tiny_idx(dir_ / "tiny", 512, 128, 3, hg::testing::TinyLabels::kQuadrant);
    // A denoising dense autoencoder: 784-64-784, gaussian noise 0.3, 20 epochs.
    train_ = run_hourglass(dir_,
                           "train --data tiny --epochs 20 --batch 32 --device cpu --noise gaussian "
                           "--noise-level 0.3 --seed 1 --out run");
    // Runs trained for the other two repairs: a masked square, and 3 x 3 block means.
    train_inpaint_ = run_hourglass(dir_,
                                   "train --data tiny --epochs 20 --batch 32 --device cpu "
                                   "--noise block --noise-level 9 --seed 1 --no-pictures "
                                   "--out run-inpaint");
    train_sr_ = run_hourglass(dir_,
                              "train --data tiny --epochs 20 --batch 32 --device cpu "
                              "--noise downsample --noise-level 3 --seed 1 --no-pictures "
                              "--out run-sr");
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override {
    HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_BINARY", ::hg::testing::missing_binary());
    ASSERT_EQ(train_.code, 0) << train_.out << train_.err;
    ASSERT_TRUE(fs::exists(dir_ / "run" / "model.safetensors")) << train_.out;
  }
  static CliResult run(const std::string& args) { return run_hourglass(dir_, args); }
  static void expect_one_line_error(const CliResult& r, int code, const std::string& part) {
    EXPECT_EQ(r.code, code) << r.out << r.err;
    const std::vector<std::string> lines = lines_of(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.err;
    EXPECT_NE(lines[0].find(part), std::string::npos) << lines[0];
  }

  // The two MSE lines of a repair command's report, and that the repair beat the corruption.
  static void expect_repaired_better(const CliResult& r) {
    const double corrupted = number_after(r.out, "corrupted vs clean: MSE ");
    const double repaired = number_after(r.out, "repaired  vs clean: MSE ");
    ASSERT_FALSE(std::isnan(corrupted) || std::isnan(repaired)) << r.out;
    EXPECT_LT(repaired, corrupted) << r.out;
    EXPECT_GT(number_after(r.out, "dB (+"), 0.0) << r.out;  // the PSNR gain
  }

  static fs::path dir_;
  static CliResult train_, train_inpaint_, train_sr_;
};
fs::path Applications::dir_;
CliResult Applications::train_;
CliResult Applications::train_inpaint_;
CliResult Applications::train_sr_;

TEST_F(Applications, DenoiseGainsPsnrAndWritesImagesAndPicture) {
  const CliResult r =
      run("denoise --run run --limit 64 --output denoised.npy --png denoised.png --device cpu");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::printf("%s", r.out.c_str());
  EXPECT_NE(r.out.find("gaussian noise (sigma 0.3)"), std::string::npos) << r.out;  // the run's
  expect_repaired_better(r);
  const Tensor images = io::read_npy((dir_ / "denoised.npy").string());
  EXPECT_EQ(images.shape(), (Shape{64, 1, 28, 28}));
  EXPECT_GT(fs::file_size(dir_ / "denoised.png"), 100u);
  // Masking noise chosen on the command line, and --input instead of the test split.
  const CliResult masking =
      run("denoise --run run --input tiny/t10k-images-idx3-ubyte --limit 16 --noise masking "
          "--noise-level 0.5 --device cpu");
  ASSERT_EQ(masking.code, 0) << masking.err;
  EXPECT_NE(masking.out.find("masking noise (0.5 of the pixels)"), std::string::npos)
      << masking.out;
  EXPECT_NE(masking.out.find("16 samples of [1, 28, 28] from tiny/t10k-images-idx3-ubyte"),
            std::string::npos)
      << masking.out;
}

TEST_F(Applications, InpaintFillsTheMaskedSquare) {
  ASSERT_EQ(train_inpaint_.code, 0) << train_inpaint_.out << train_inpaint_.err;
  const CliResult inpaint =
      run("inpaint --run run-inpaint --limit 64 --output inpainted.npy --png inpainted.png "
          "--device cpu");
  ASSERT_EQ(inpaint.code, 0) << inpaint.out << inpaint.err;
  std::printf("%s", inpaint.out.c_str());
  EXPECT_NE(inpaint.out.find("a masked 9 x 9 square per image"), std::string::npos);  // the run's
  expect_repaired_better(inpaint);
  const double hole_corrupted = number_after(inpaint.out, "pixels): MSE corrupted ");
  const double hole_repaired = number_after(inpaint.out, ", repaired ");
  EXPECT_LT(hole_repaired, hole_corrupted) << inpaint.out;
  const Tensor repaired = io::read_npy((dir_ / "inpainted.npy").string());
  EXPECT_EQ(repaired.shape(), (Shape{64, 1, 28, 28}));
  EXPECT_TRUE(fs::exists(dir_ / "inpainted.png"));
  // Outside the squares the repaired images are the inputs themselves: at most 81 of the 784
  // pixels of an image differ from the clean test images (the test split's first 64).
  const std::vector<uint8_t> clean =
      data::read_idx((dir_ / "tiny" / "t10k-images-idx3-ubyte").string()).to_vector_u8();
  const std::vector<float> values = repaired.to_vector();
  for (int64_t i = 0; i < 64; ++i) {
    int64_t changed = 0;
    for (int64_t j = 0; j < 784; ++j)
      changed += std::fabs(values[i * 784 + j] - clean[i * 784 + j] / 255.0f) > 1e-6f;
    EXPECT_LE(changed, 81) << "image " << i;
  }
}

TEST_F(Applications, SuperResolveRestoresDetail) {
  ASSERT_EQ(train_sr_.code, 0) << train_sr_.out << train_sr_.err;
  const CliResult sr = run("super-resolve --run run-sr --limit 64 --device cpu --output sr.npy");
  ASSERT_EQ(sr.code, 0) << sr.out << sr.err;
  std::printf("%s", sr.out.c_str());
  EXPECT_NE(sr.out.find("downsampled by 3"), std::string::npos) << sr.out;  // the run's factor
  expect_repaired_better(sr);
  EXPECT_EQ(io::read_npy((dir_ / "sr.npy").string()).shape(), (Shape{64, 1, 28, 28}));
}

TEST_F(Applications, RepairErrors) {
  expect_one_line_error(run("inpaint --run run --patch 40 --device cpu"), 1,
                        "patch side in [1, 28]");
  expect_one_line_error(run("super-resolve --run run --factor 0"), 2, "--factor");
  expect_one_line_error(run("denoise --run no-such-run"), 1, "not a run directory");
  expect_one_line_error(run("denoise --run run --noise blur"), 2, "--noise");
  expect_one_line_error(run("denoise --run run --output x.txt"), 2, ".npy");
}

TEST_F(Applications, HashReportsEveryRadiusAndBeatsChance) {
  const CliResult r =
      run("hash --run run --radius 2 --output bits.npy --device cpu --threshold median");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::printf("%s", r.out.c_str());
  EXPECT_NE(r.out.find("hash: 64-bit codes (threshold per-unit median), database 512 items"),
            std::string::npos)
      << r.out;
  for (const char* radius : {"radius 0: precision ", "radius 1: ", "radius 2: "})
    EXPECT_NE(r.out.find(radius), std::string::npos) << r.out;
  const Tensor bits = io::read_npy((dir_ / "bits.npy").string());
  EXPECT_EQ(bits.shape(), (Shape{128, 64}));
  EXPECT_EQ(bits.dtype(), DType::kUInt8);

  // With a wide radius most queries retrieve something; the quadrant labels (chance 1/4) come
  // back far more often than chance among the nearest codes.
  const CliResult wide = run("hash --run run --radius 12 --device cpu --threshold median");
  ASSERT_EQ(wide.code, 0) << wide.err;
  const double precision = number_after(wide.out, "radius 12: precision ");
  std::printf("radius 12 precision %.4f\n", precision);
  EXPECT_GT(precision, 0.4) << wide.out;

  expect_one_line_error(run("hash --run run --bits 16 --device cpu"), 1,
                        "does not match the run's code size");
  expect_one_line_error(run("hash --run run --queries tiny/t10k-images-idx3-ubyte"), 2,
                        "--query-labels");
}

TEST_F(Applications, ClassifyProbesADenseRun) {
  const CliResult r =
      run("classify --run run --epochs 30 --lr 0.01 --out probe.safetensors --device cpu");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::printf("%s", r.out.c_str());
  EXPECT_NE(r.out.find("linear probe on the frozen 64-unit codes, a 4-class"), std::string::npos)
      << r.out;
  const double accuracy = number_after(r.out, "  test accuracy ");
  EXPECT_GT(accuracy, 0.5) << r.out;  // chance: 0.25
  EXPECT_TRUE(fs::exists(dir_ / "probe.safetensors"));
}

TEST_F(Applications, ClassifyFineTunesAStackedRun) {
  const CliResult train =
      run("train --data tiny --epochs 1 --batch 32 --device cpu --model hinton --pretrain-epochs 1 "
          "--latent 10 --limit 256 --out run-hinton");
  ASSERT_EQ(train.code, 0) << train.out << train.err;
  const CliResult r =
      run("classify --run run-hinton --epochs 5 --batch 32 --limit 256 --device cpu --out "
          "tuned.safetensors");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::printf("%s", r.out.c_str());
  EXPECT_NE(r.out.find("stacked run, fine-tuning"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("epoch 5: train cross-entropy"), std::string::npos) << r.out;
  // The final accuracy line, after the epochs, against the one before fine-tuning and chance
  // (4 quadrant classes: 0.25).
  const double before = number_after(r.out, "test accuracy before fine-tuning ");
  const double accuracy = number_after(r.out.substr(r.out.find("epoch 5:")), "\n  test accuracy ");
  EXPECT_GT(accuracy, before + 0.1) << r.out;
  EXPECT_GT(accuracy, 0.5) << r.out;
  EXPECT_TRUE(fs::exists(dir_ / "tuned.safetensors"));
}

}  // namespace
}  // namespace hg::testing
