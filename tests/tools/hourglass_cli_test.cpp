// The `hourglass` program end to end: a one-epoch run on a tiny generated IDX dataset writes its
// metrics; usage errors exit 2 and run-time errors exit 1, each with a one-line message.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "hourglass/ops/conv.h"
#include "support/requirements.h"
#include "tools/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using hg::testing::lines_of;
using hg::testing::read_text;
using hg::testing::write_text;
using Result = hg::testing::CliResult;

class HourglassCli : public ::testing::Test {
 protected:
  void SetUp() override {
    HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_BINARY", ::hg::testing::missing_binary());
    hg::testing::make_temp_dir("hg-cli", &dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  Result run(const std::string& args) { return hg::testing::run_hourglass(dir_, args); }
  void write_dataset(const fs::path& folder, int64_t train, int64_t test) {
    hg::testing::write_tiny_idx(folder, train, test, /*seed=*/5);
  }

  fs::path dir_;
};

TEST_F(HourglassCli, TrainsOneEpochAndWritesMetrics) {
  write_dataset(dir_ / "tiny", 256, 64);
  const Result r = run("train --data tiny --epochs 1 --batch 64 --device cpu --out run");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("device: cpu"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dense autoencoder 784-64-784"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("256 train / 64 test samples"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("test bce 0."), std::string::npos) << r.out;

  const std::vector<std::string> metrics = lines_of(read_text(dir_ / "run" / "metrics.jsonl"));
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_NE(metrics[0].find("\"epoch\":1"), std::string::npos) << metrics[0];
  EXPECT_NE(metrics[0].find("\"steps\":4"), std::string::npos) << metrics[0];
  EXPECT_NE(metrics[0].find("\"test_loss\":0."), std::string::npos) << metrics[0];
  EXPECT_TRUE(fs::exists(dir_ / "run" / "config.json"));
  for (const auto& entry : fs::directory_iterator(dir_ / "run"))
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();

  // The same --out again is refused (a folder never mixes two runs) and changes nothing ...
  const std::string weights_before = read_text(dir_ / "run" / "model.safetensors");
  const Result refused = run("train --data tiny --batch 64 --device cpu --out run --epochs 2");
  EXPECT_EQ(refused.code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("already holds a run"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--overwrite"), std::string::npos) << refused.err;
  EXPECT_EQ(read_text(dir_ / "run" / "model.safetensors"), weights_before);
  EXPECT_EQ(run("train --data tiny --device cpu --out run --resume --overwrite").code, 2);
  // ... unless --overwrite (train-default gives it for runs/default): the old files go first.
  write_text(dir_ / "run" / "samples.png", "stale picture of the old run");
  write_text(dir_ / "run" / "notes.txt", "the user's own file");
  const Result again = run(
      "train --data tiny --batch 64 --device cpu --out run --epochs 2 --overwrite --no-pictures");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_FALSE(fs::exists(dir_ / "run" / "samples.png"));
  EXPECT_TRUE(fs::exists(dir_ / "run" / "notes.txt"));
  EXPECT_NE(again.out.find("replacing the previous run's files"), std::string::npos) << again.out;
  EXPECT_EQ(lines_of(read_text(dir_ / "run" / "metrics.jsonl")).size(), 2u);
}

TEST_F(HourglassCli, BadFlagIsAUsageError) {
  const Result r = run("train --no-such-flag");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  const Result bad_value = run("train --optimizer adamax");
  EXPECT_EQ(bad_value.code, 2);
  EXPECT_EQ(lines_of(bad_value.err).size(), 1u) << bad_value.err;
  const Result bad_device = run("train --device gpu");
  EXPECT_EQ(bad_device.code, 2) << bad_device.err;
  EXPECT_EQ(run("").code, 2);  // a subcommand is required
}

// Usage errors say what went wrong in plain words and name the command's own --help.
TEST_F(HourglassCli, UsageErrorsAreRephrasedAndPointToTheCommandsHelp) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"train --device cpu --device cpu",
       "error: --device given 2 times; give it once (see hourglass train --help)"},
      {"train --no-such-flag 3",
       "error: unexpected arguments: --no-such-flag 3 (see hourglass "
       "train --help)"},
      {"eval --run", "error: --run needs a value (TEXT) (see hourglass eval --help)"},
      {"", "error: a command is required (see hourglass --help)"},
  };
  for (const auto& [args, message] : cases) {
    const Result r = run(args);
    EXPECT_EQ(r.code, 2) << args;
    const std::vector<std::string> lines = lines_of(r.err);
    ASSERT_EQ(lines.size(), 1u) << args << ": " << r.err;
    EXPECT_EQ(lines[0], message) << args;
  }
}

TEST_F(HourglassCli, MissingDataDirIsARuntimeError) {
  const Result r = run("train --data no-such-dir --device cpu --out run");
  EXPECT_EQ(r.code, 1);
  const std::vector<std::string> lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0].rfind("error: ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("no-such-dir"), std::string::npos) << lines[0];
  EXPECT_FALSE(fs::exists(dir_ / "run"));  // nothing is created before the data loads
}

TEST_F(HourglassCli, MalformedDataNamesTheFile) {
  write_dataset(dir_ / "bad", 16, 8);
  fs::resize_file(dir_ / "bad" / "t10k-images-idx3-ubyte", 100);
  const Result r = run("train --data bad --device cpu");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("t10k-images-idx3-ubyte' is truncated"), std::string::npos) << r.err;
}

TEST_F(HourglassCli, InfoAndHelp) {
  const Result info = run("info");
  EXPECT_EQ(info.code, 0) << info.err;
  EXPECT_NE(info.out.find("hourglass "), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("cuda devices: "), std::string::npos) << info.out;
  for (const char* args : {"--help", "train --help", "info --help"}) {
    const Result help = run(args);
    EXPECT_EQ(help.code, 0) << args;
    EXPECT_NE(help.out.find("Usage"), std::string::npos) << args << ": " << help.out;
  }
  EXPECT_NE(run("train --help").out.find("--optimizer"), std::string::npos);
}

}  // namespace

TEST_F(HourglassCli, ConvImplChoice) {
  write_dataset(dir_ / "tiny", 32, 16);
  const std::string base =
      "train --model keras-conv --data tiny --epochs 1 --batch 16 --device cpu";
  const Result native = run(base + " --conv-impl native --out native");
  EXPECT_EQ(native.code, 0) << native.err;
  EXPECT_EQ(run(base + " --conv-impl winograd").code, 2);
  // cuDNN is a build option: with it, a cpu run just uses the CPU convolution; without it, the
  // choice is refused up front with one line naming the option.
  const Result cudnn = run(base + " --conv-impl cudnn --out cudnn");
  if (hg::cudnn_available()) {
    EXPECT_EQ(cudnn.code, 0) << cudnn.err;
  } else {
    EXPECT_EQ(cudnn.code, 1);
    EXPECT_NE(cudnn.err.find("HG_CUDNN"), std::string::npos) << cudnn.err;
    EXPECT_FALSE(fs::exists(dir_ / "cudnn"));
  }
}
