// The application commands through the `hourglass` binary, on a run trained once per suite: a
// dense denoising autoencoder on tiny 28 x 28 images of a bright 8 x 8 square, each labelled by
// the quadrant the square sits in (4 classes, so the codes can carry the label).
// - denoise / inpaint / super-resolve: the repaired .npy has the inputs' shape, the picture
//   exists, the report holds both MSE / PSNR lines; denoising (what the run learned) gains PSNR.
// - hash: the table of radii 0..r with precision / recall / retrieved; the quadrant labels are
//   retrieved better than chance at radius 0; --output's bits; --bits mismatches.
// - classify: a linear probe on the dense run beats chance; a stacked (hinton) run fine-tunes.
// - errors: one line, exit 1 for bad runs / values, 2 for usage errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli_runner.h"
#include "hourglass/data/idx.h"
#include "hourglass/io/npy.h"

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
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override {
    if (!fs::exists(kHourglassBinary))
      GTEST_SKIP() << kHourglassBinary << " is not built (target hourglass_cli)";
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

  static fs::path dir_;
  static CliResult train_;
};
fs::path Applications::dir_;
CliResult Applications::train_;

TEST_F(Applications, DenoiseGainsPsnrAndWritesImagesAndPicture) {
  const CliResult r =
      run("denoise --run run --limit 64 --output denoised.npy --png denoised.png --device cpu");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::printf("%s", r.out.c_str());
  EXPECT_NE(r.out.find("gaussian noise (sigma 0.3)"), std::string::npos) << r.out;  // the run's
  const double corrupted = number_after(r.out, "corrupted vs clean: MSE ");
  const double repaired = number_after(r.out, "repaired  vs clean: MSE ");
  ASSERT_FALSE(std::isnan(corrupted) || std::isnan(repaired)) << r.out;
  EXPECT_LT(repaired, corrupted) << r.out;
  EXPECT_GT(number_after(r.out, "dB (+"), 0.0) << r.out;  // the PSNR gain
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

TEST_F(Applications, InpaintAndSuperResolveReportBothErrors) {
  const CliResult inpaint =
      run("inpaint --run run --limit 32 --patch 9 --output inpainted.npy --png inpainted.png "
          "--device cpu");
  ASSERT_EQ(inpaint.code, 0) << inpaint.out << inpaint.err;
  std::printf("%s", inpaint.out.c_str());
  EXPECT_NE(inpaint.out.find("a masked 9 x 9 square per image"), std::string::npos);
  EXPECT_FALSE(std::isnan(number_after(inpaint.out, "repaired  vs clean: MSE "))) << inpaint.out;
  EXPECT_EQ(io::read_npy((dir_ / "inpainted.npy").string()).shape(), (Shape{32, 1, 28, 28}));
  EXPECT_TRUE(fs::exists(dir_ / "inpainted.png"));

  const CliResult sr =
      run("super-resolve --run run --limit 32 --factor 3 --device cpu "
          "--output sr.npy");
  ASSERT_EQ(sr.code, 0) << sr.out << sr.err;
  std::printf("%s", sr.out.c_str());
  EXPECT_NE(sr.out.find("downsampled by 3"), std::string::npos) << sr.out;
  EXPECT_NE(sr.out.find("PSNR"), std::string::npos) << sr.out;
  EXPECT_EQ(io::read_npy((dir_ / "sr.npy").string()).shape(), (Shape{32, 1, 28, 28}));
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
      run("classify --run run-hinton --epochs 2 --limit 256 --device cpu --out "
          "tuned.safetensors");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::printf("%s", r.out.c_str());
  EXPECT_NE(r.out.find("stacked run, fine-tuning"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("epoch 2: train cross-entropy"), std::string::npos) << r.out;
  // The final accuracy line, after the epochs (the first one is "before fine-tuning").
  const double accuracy = number_after(r.out.substr(r.out.find("epoch 2:")), "\n  test accuracy ");
  EXPECT_GE(accuracy, 0.0) << r.out;
  EXPECT_LE(accuracy, 1.0) << r.out;
  EXPECT_TRUE(fs::exists(dir_ / "tuned.safetensors"));
}

}  // namespace
}  // namespace hg::testing
