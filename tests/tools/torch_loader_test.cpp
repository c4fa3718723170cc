// A run's weights in PyTorch: for one preset of every model family (dense, Keras 'same' conv,
// ConvTranspose2d conv, MLP VAE, conv VAE, tied + contractive, tied + k-sparse, stacked) and a
// spec file (a conv model of awkward layers), train one short epoch on a tiny generated dataset,
// reconstruct fixed inputs with `hourglass reconstruct`, then with
// tools/hourglass_torch.py (through tests/torch/run_parity.py: the torch.nn model rebuilt from
// model.json, model.safetensors loaded with strict load_state_dict), and compare.
//
// Tolerance: max |hourglass - torch| < 1e-5 over every output value. Both sides compute the same
// float32 graph; only summation orders (GEMM, convolution) and the elementwise math differ, a few
// ulps of outputs below 1 (measured: 9e-8 at most). Real mismatches are far above it: leaving
// out the k-sparse top-k selection gives 0.98, padding the awkward spec's stride-2 'same'
// convolution symmetrically instead of TensorFlow's way 1.4e-3. The measured maximum per model
// is printed and recorded as a test property.
//
// Without a Python that imports torch ($HG_PYTHON, default /usr/bin/python3) the comparison
// skips, unless HG_REQUIRE_TORCH=1 (CI), where it fails (support/requirements.h).
// One Python call serves every model (importing torch costs seconds).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hourglass/core/rng.h"
#include "hourglass/core/tensor.h"
#include "hourglass/io/npy.h"
#include "support/requirements.h"
#include "tools/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using hg::testing::read_text;
using Result = hg::testing::CliResult;
using nlohmann::json;

const std::string kRunParity = HG_SOURCE_DIR "/tests/torch/run_parity.py";
constexpr double kTolerance = 1e-5;

// A model to compare: its name (run directories are "run-<name>") and how `hourglass train`
// builds it.
struct ParityModel {
  std::string name;
  std::string model_args;
};

// Together every model.json feature: Linear, Conv2d with symmetric Keras 'same' padding,
// MaxPool2d in ceil mode, nearest Upsample, ConvTranspose2d, Flatten / Unflatten, the three
// "forward" kinds, TiedLinear, top_k, the stacked model's Identity code and unused classifier;
// and from the awkward spec (kAwkwardSpec) Keras 'same' at stride 2 ("pad": "same", padded
// 0 / 1) and with an even kernel (torch's "same", padded 1 / 2), LeakyReLU, Tanh, Softplus,
// AvgPool2d in ceil mode and bilinear Upsample.
const std::vector<ParityModel> kModels = {
    {"dense", "--model dense"},
    {"keras-conv", "--model keras-conv"},
    {"torch-conv", "--model torch-conv"},
    {"vae", "--model vae"},
    {"conv-vae", "--model conv-vae"},
    {"cae", "--model cae"},
    {"ksparse", "--model ksparse"},
    {"hinton", "--model hinton --pretrain-epochs 1"},
    {"awkward-conv", "--spec awkward.json"},
    {"spec-vae", "--spec '" HG_SOURCE_DIR "/examples/specs/conv-vae.toml'"},
};

// 1x28x28 -> 4x14x14 -> 4x14x14 -> 4x7x7 -> code 4x4x4 -> 4x8x8 -> 4x16x16 -> 4x14x14 ->
// 4x28x28 -> 1x28x28.
const char* const kAwkwardSpec = R"({"name": "awkward-conv",
 "encoder": [
  {"layer": "conv2d", "out": 4, "kernel": 3, "stride": 2, "padding": "same"},
  {"layer": "leaky_relu", "negative_slope": 0.2},
  {"layer": "conv2d", "out": 4, "kernel": 4, "padding": "same"},
  "tanh",
  {"layer": "avg_pool2d", "kernel": 2},
  {"layer": "avg_pool2d", "kernel": 2, "ceil_mode": true}],
 "decoder": [
  {"layer": "upsample", "scale": 2, "mode": "bilinear"},
  {"layer": "conv_transpose2d", "out": 4, "kernel": 3, "stride": 2, "padding": 1,
   "output_padding": 1},
  "softplus",
  {"layer": "conv2d", "out": 4, "kernel": 3, "padding": "valid"},
  {"layer": "upsample", "scale": 2},
  {"layer": "conv2d", "out": "input", "kernel": 3, "padding": "same"},
  "sigmoid"]}
)";

// Eight 1x28x28 inputs: even ones a bright square on a faint random background (like the
// training data), odd ones uniform noise in [0, 1) (far from it, so every unit is exercised).
hg::Tensor parity_inputs() {
  hg::Generator gen(2024);
  const int64_t n = 8;
  std::vector<float> pixels(static_cast<size_t>(n * 28 * 28));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r0 = static_cast<int64_t>(gen.next_below(20)),
                  c0 = static_cast<int64_t>(gen.next_below(20));
    for (int64_t r = 0; r < 28; ++r)
      for (int64_t c = 0; c < 28; ++c) {
        const float u = gen.next_uniform();
        const bool square = r >= r0 && r < r0 + 8 && c >= c0 && c < c0 + 8;
        pixels[static_cast<size_t>((i * 28 + r) * 28 + c)] =
            i % 2 == 1 ? u : (square ? 0.9f : 0.1f * u);
      }
  }
  return hg::Tensor::from_vector(pixels, hg::Shape{n, 1, 28, 28});
}

class TorchLoader : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(hg::testing::kHourglassBinary)) return;
    hg::testing::make_temp_dir("hg-torch-loader", &dir_);
    hg::testing::write_tiny_idx(dir_ / "tiny", 32, 16, /*seed=*/5);
    hg::io::write_npy((dir_ / "x.npy").string(), parity_inputs());
    std::ofstream(dir_ / "awkward.json") << kAwkwardSpec;
  }
  // A failed test's files (runs, python.log) are kept for a look.
  static void TearDownTestSuite() {
    if (!dir_.empty() && !keep_) fs::remove_all(dir_);
  }
  void TearDown() override {
    if (HasFailure()) keep_ = true;
  }
  void SetUp() override {
    HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_BINARY", hg::testing::missing_binary());
  }

  static Result run(const std::string& args) { return hg::testing::run_hourglass(dir_, args); }

  // A run in `run_dir`: one epoch over 16 samples in batches of 8 on the CPU.
  static Result train(const std::string& model_args, const std::string& run_dir) {
    return run("train --data tiny --limit 16 --batch 8 --epochs 1 --device cpu " + model_args +
               " --out " + run_dir);
  }

  // run_parity.py on (run dir, input, output) triples relative to dir_; returns its exit status
  // (-1 when it did not exit normally) and leaves its output in *log.
  static int run_parity(const std::vector<std::string>& triples, std::string* log) {
    std::string command =
        "cd '" + dir_.string() + "' && '" + hg::testing::python_path() + "' '" + kRunParity + "'";
    for (const std::string& arg : triples)
      command += " '" + arg + "'";
    const fs::path log_file = dir_ / "python.log";
    command += " >'" + log_file.string() + "' 2>&1";
    const int status = std::system(command.c_str());
    *log = read_text(log_file);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Why the torch side cannot run here ("" when it can): checked before any training.
  static std::string torch_missing() { return hg::testing::python_missing("torch, numpy"); }

  static fs::path dir_;
  static bool keep_;
};

fs::path TorchLoader::dir_;
bool TorchLoader::keep_ = false;

#define HG_SKIP_WITHOUT_TORCH(reason) HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_TORCH", reason)

TEST_F(TorchLoader, TorchReconstructsEveryPresetAsHourglassDoes) {
  HG_SKIP_WITHOUT_TORCH(torch_missing());
  std::vector<std::string> triples;
  for (const ParityModel& model : kModels) {
    SCOPED_TRACE(model.name);
    const std::string run_dir = "run-" + model.name;
    const Result trained = train(model.model_args, run_dir);
    ASSERT_EQ(trained.code, 0) << trained.out << trained.err;
    ASSERT_TRUE(fs::exists(dir_ / run_dir / "model.json"));
    ASSERT_TRUE(fs::exists(dir_ / run_dir / "model.safetensors"));
    const Result recon = run("reconstruct --device cpu --run " + run_dir +
                             " --input x.npy --output " + run_dir + "/hourglass.npy");
    ASSERT_EQ(recon.code, 0) << recon.out << recon.err;
    triples.insert(triples.end(), {run_dir, "x.npy", run_dir + "/torch.npy"});
  }

  std::string log;
  const int code = run_parity(triples, &log);
  if (code == 3)
    HG_SKIP_WITHOUT_TORCH("PyTorch is not importable by " + hg::testing::python_path() + ": " + log);
  ASSERT_EQ(code, 0) << "run_parity.py failed:\n" << log;

  for (const ParityModel& model : kModels) {
    SCOPED_TRACE(model.name);
    const fs::path run_dir = dir_ / ("run-" + model.name);
    const hg::Tensor ours = hg::io::read_npy((run_dir / "hourglass.npy").string());
    const hg::Tensor theirs = hg::io::read_npy((run_dir / "torch.npy").string());
    // Both shaped like the model's samples: [8, 1, 28, 28].
    const hg::Shape sample_batch{8, 1, 28, 28};
    ASSERT_EQ(ours.shape(), sample_batch);
    ASSERT_EQ(theirs.shape(), ours.shape());
    const std::vector<float> a = ours.to_vector(), b = theirs.to_vector();
    double max_diff = 0, max_value = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_TRUE(std::isfinite(a[i]) && std::isfinite(b[i])) << "at " << i;
      max_diff = std::max(max_diff, std::fabs(double{a[i]} - double{b[i]}));
      max_value = std::max(max_value, std::fabs(double{b[i]}));
    }
    std::printf("%-12s max |hourglass - torch| = %.3g (outputs up to %.3g)\n", model.name.c_str(),
                max_diff, max_value);
    RecordProperty("max_diff_" + model.name, std::to_string(max_diff));
    EXPECT_LT(max_diff, kTolerance);
  }
}

// The loader refuses what does not match: a weights file with a trailing byte (the strict
// safetensors reader) and an architecture whose layer sizes disagree with the weights (strict
// load_state_dict), each with a message naming the problem.
TEST_F(TorchLoader, LoaderRejectsTamperedRuns) {
  HG_SKIP_WITHOUT_TORCH(torch_missing());
  const Result trained = train("--model dense", "tamper-source");
  ASSERT_EQ(trained.code, 0) << trained.out << trained.err;
  const fs::path source = dir_ / "tamper-source";

  const fs::path trailing = dir_ / "tamper-trailing";
  fs::copy(source, trailing);
  std::ofstream(trailing / "model.safetensors", std::ios::binary | std::ios::app) << 'x';

  // The dense preset's first layer is Linear(784, 64): claim 65 outputs instead.
  const fs::path resized = dir_ / "tamper-resized";
  fs::copy(source, resized);
  json description = json::parse(read_text(resized / "model.json"));
  json& first = description.at("modules").at(0).at(1).at("children").at(0).at(1);
  ASSERT_EQ(first.at("type"), "Linear") << description.dump();
  ASSERT_EQ(first.at("args").at("out_features"), 64) << description.dump();
  first["args"]["out_features"] = 65;
  std::ofstream(resized / "model.json", std::ios::trunc) << description.dump(2);

  std::string log;
  const int code = run_parity({"tamper-trailing", "x.npy", "trailing.npy", "tamper-resized",
                               "x.npy", "resized.npy", "tamper-source", "x.npy", "source.npy"},
                              &log);
  if (code == 3)
    HG_SKIP_WITHOUT_TORCH("PyTorch is not importable by " + hg::testing::python_path() + ": " + log);
  EXPECT_EQ(code, 1) << log;
  EXPECT_NE(log.find("tamper-trailing failed: FormatError: "), std::string::npos) << log;
  EXPECT_NE(log.find("1 trailing bytes after the last tensor"), std::string::npos) << log;
  EXPECT_NE(log.find("tamper-resized failed: RuntimeError: "), std::string::npos) << log;
  EXPECT_NE(log.find("size mismatch for encoder.0.weight"), std::string::npos) << log;
  // The untouched run still loads in the same call.
  EXPECT_TRUE(fs::exists(dir_ / "source.npy")) << log;
  EXPECT_FALSE(fs::exists(dir_ / "trailing.npy"));
  EXPECT_FALSE(fs::exists(dir_ / "resized.npy"));
}

}  // namespace
