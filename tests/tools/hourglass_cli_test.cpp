// The `hourglass` program end to end: a one-epoch run on a tiny generated IDX dataset writes its
// metrics; usage errors exit 2 and run-time errors exit 1, each with a one-line message.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hourglass/core/rng.h"
#include "hourglass/data/idx.h"
#include "hourglass/ops/conv.h"

namespace {

namespace fs = std::filesystem;

const std::string kBinary = HG_BINARY_DIR "/tools/hourglass";

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

struct Result {
  int code = -1;
  std::string out, err;
};

class HourglassCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kBinary)) GTEST_SKIP() << kBinary << " is not built (target hourglass_cli)";
    std::string pattern = (fs::temp_directory_path() / "hg-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Runs the program with `args` (already shell-safe) in the temp dir.
  Result run(const std::string& args) {
    const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    const std::string command = "cd '" + dir_.string() + "' && '" + kBinary + "' " + args + " >'" +
                                out.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(command.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
  }

  // 28x28 images of a bright square at a sample-dependent place, with labels.
  void write_dataset(const fs::path& folder, int64_t train, int64_t test) {
    fs::create_directories(folder);
    hg::Generator gen(5);
    for (const auto& [prefix, n] :
         {std::pair<std::string, int64_t>{"train", train}, {"t10k", test}}) {
      std::vector<uint8_t> pixels(static_cast<size_t>(n * 28 * 28), 0);
      std::vector<uint8_t> labels(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        const int64_t r0 = static_cast<int64_t>(gen.next_below(20)),
                      c0 = static_cast<int64_t>(gen.next_below(20));
        for (int64_t r = r0; r < r0 + 8; ++r)
          for (int64_t c = c0; c < c0 + 8; ++c)
            pixels[(i * 28 + r) * 28 + c] = 230;
        labels[i] = static_cast<uint8_t>(i % 10);
      }
      hg::data::write_idx((folder / (prefix + "-images-idx3-ubyte")).string(),
                          hg::Tensor::from_vector(pixels, hg::Shape{n, 28, 28}));
      hg::data::write_idx((folder / (prefix + "-labels-idx1-ubyte")).string(),
                          hg::Tensor::from_vector(labels, hg::Shape{n}));
    }
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

  // The same --out again replaces the run's files (train-default always uses runs/default).
  const Result again = run("train --data tiny --batch 64 --device cpu --out run --epochs 2");
  ASSERT_EQ(again.code, 0) << again.err;
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
