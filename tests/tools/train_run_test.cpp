// `hourglass train`'s run directory end to end, on tiny generated data: the checkpoint, pictures
// and report it leaves; --resume continuing bit-exactly (2 epochs straight == 1 epoch, then resume
// to 2, for a denoising dense model and for the VAE, which draws random numbers every step);
// Ctrl-C saving a checkpoint between two steps, or after a stacked model's pre-training epoch,
// that resumes to the same bits; a mismatched checkpoint pair refused; TOML --config; .npy data
// folders; --log-every step records.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "hourglass/io/npy.h"
#include "hourglass/io/png.h"
#include "support/requirements.h"
#include "tools/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using hg::testing::lines_of;
using hg::testing::read_text;
using Result = hg::testing::CliResult;

class TrainRun : public ::testing::Test {
 protected:
  void SetUp() override {
    HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_BINARY", ::hg::testing::missing_binary());
    hg::testing::make_temp_dir("hg-train-run", &dir_);
    hg::testing::write_tiny_idx(dir_ / "tiny", 192, 64, /*seed=*/11);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  Result run(const std::string& args) { return hg::testing::run_hourglass(dir_, args); }

  // metrics.jsonl without the wall-clock fields, which differ between any two runs.
  std::vector<nlohmann::json> metrics_without_times(const std::string& run_dir) {
    std::vector<nlohmann::json> out;
    for (const std::string& line : lines_of(read_text(dir_ / run_dir / "metrics.jsonl"))) {
      nlohmann::json j = nlohmann::json::parse(line);
      for (const char* key : {"samples_per_second", "train_seconds", "seconds"})
        j.erase(key);
      out.push_back(j);
    }
    return out;
  }

  void expect_same_run(const std::string& a, const std::string& b) {
    for (const char* file : {"model.safetensors", "state.safetensors"}) {
      EXPECT_EQ(read_text(dir_ / a / file), read_text(dir_ / b / file))
          << file << " differs between " << a << " and " << b;
    }
    EXPECT_EQ(metrics_without_times(a), metrics_without_times(b));
  }

  // Runs `hourglass train FLAGS --out stopped` in the background, sends SIGINT once ready()
  // (polled every 2 ms) says so, expects exit 130 and returns the run's stdout.
  std::string train_and_interrupt(const std::string& flags, const std::function<bool()>& ready) {
    const std::string command = "cd '" + dir_.string() + "' && exec '" +
                                hg::testing::kHourglassBinary + "' train " + flags +
                                " --out stopped >stopped.out 2>stopped.err";
    pid_t child = fork();
    if (child < 0) {
      ADD_FAILURE() << "fork failed";
      return "";
    }
    if (child == 0) {
      execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!ready() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    kill(child, SIGINT);
    int status = 0;
    waitpid(child, &status, 0);
    const std::string out = read_text(dir_ / "stopped.out");
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130)
        << out << read_text(dir_ / "stopped.err");
    return out;
  }

  fs::path dir_;
};

TEST_F(TrainRun, LeavesCheckpointPicturesAndReport) {
  const Result r = run("train --data tiny --epochs 2 --batch 32 --device cpu --out run");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("pictures and report.html in run"), std::string::npos) << r.out;
  for (const char* file : {"config.json", "model.json", "model.safetensors", "state.safetensors",
                           "metrics.jsonl", "report.html"})
    EXPECT_TRUE(fs::exists(dir_ / "run" / file)) << file;
  for (const char* picture : {"reconstructions.png", "loss_curve.png", "samples.png",
                              "interpolation.png", "latent_map.png"}) {
    const hg::io::Image image = hg::io::read_png((dir_ / "run" / picture).string());
    EXPECT_GT(image.width, 50) << picture;
    EXPECT_GT(image.height, 50) << picture;
    EXPECT_NE(read_text(dir_ / "run" / "report.html").find(picture), std::string::npos) << picture;
  }
  const nlohmann::json model = nlohmann::json::parse(read_text(dir_ / "run" / "model.json"));
  EXPECT_EQ(model.at("class"), "DenseAutoencoder");
  EXPECT_EQ(model.at("input_shape"), nlohmann::json({1, 28, 28}));
  const nlohmann::json config = nlohmann::json::parse(read_text(dir_ / "run" / "config.json"));
  EXPECT_TRUE(config.contains("build"));
  for (const auto& entry : fs::directory_iterator(dir_ / "run"))
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();

  // --no-pictures leaves only the checkpoint and metrics.
  ASSERT_EQ(
      run("train --data tiny --epochs 1 --batch 32 --device cpu --out bare --no-pictures").code, 0);
  EXPECT_TRUE(fs::exists(dir_ / "bare" / "model.safetensors"));
  EXPECT_FALSE(fs::exists(dir_ / "bare" / "report.html"));
}

class ResumeIsBitExact : public TrainRun, public ::testing::WithParamInterface<const char*> {};

TEST_P(ResumeIsBitExact, TwoEpochsStraightEqualOneThenResume) {
  const std::string flags =
      std::string("--data tiny --batch 32 --device cpu --no-pictures ") + GetParam();
  ASSERT_EQ(run("train " + flags + " --epochs 2 --out straight").code, 0);
  ASSERT_EQ(run("train " + flags + " --epochs 1 --out resumed").code, 0);
  const Result r = run("train --out resumed --resume --epochs 2 --device cpu --no-pictures");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("resuming after epoch 1"), std::string::npos) << r.out;
  expect_same_run("straight", "resumed");

  // Nothing left to do: a clear message, exit 0, nothing changed.
  const Result done = run("train --out resumed --resume --epochs 2 --device cpu");
  EXPECT_EQ(done.code, 0) << done.err;
  EXPECT_NE(done.out.find("already has 2 epochs"), std::string::npos) << done.out;
  expect_same_run("straight", "resumed");
}

INSTANTIATE_TEST_SUITE_P(Models, ResumeIsBitExact,
                         ::testing::Values("--model dense --noise gaussian --noise-level 0.3",
                                           "--model vae --lr 1e-3"));

TEST_F(TrainRun, InterruptSavesACheckpointThatResumesExactly) {
  // torch-conv is slow enough on the CPU (a few hundred samples/s) that the signal lands inside
  // training; it is sent once model.json shows that training has been set up.
  const std::string flags =
      "--model torch-conv --data tiny --limit 128 --batch 16 --epochs 3 --device cpu "
      "--no-pictures";
  ASSERT_EQ(run("train " + flags + " --out straight").code, 0);
  const std::string out = train_and_interrupt(flags, [&] {
    if (!fs::exists(dir_ / "stopped" / "model.json")) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    return true;
  });
  EXPECT_NE(out.find("interrupted: checkpoint saved"), std::string::npos) << out;

  const Result r = run("train --out stopped --resume --device cpu --no-pictures");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  expect_same_run("straight", "stopped");
}

TEST_F(TrainRun, InterruptDuringPretrainingResumesExactly) {
  // hinton pre-trains 4 layers x 2 epochs (one 784-1000 epoch on 192 samples takes tens of ms);
  // the signal goes out as soon as the first pre-training epoch is recorded, so it lands in
  // pre-training, which stops at the end of its current epoch with a checkpoint. Denoising, so
  // the noise stream has to resume too.
  const std::string flags =
      "--model hinton --pretrain-epochs 2 --latent 10 --data tiny --batch 32 --epochs 1 "
      "--noise gaussian --noise-level 0.3 --device cpu --no-pictures";
  ASSERT_EQ(run("train " + flags + " --out straight").code, 0);
  const std::string out = train_and_interrupt(flags, [&] {
    return fs::exists(dir_ / "stopped" / "metrics.jsonl") &&
           read_text(dir_ / "stopped" / "metrics.jsonl").find("pretrain") != std::string::npos;
  });
  EXPECT_NE(out.find("interrupted: checkpoint saved after pre-training layer"), std::string::npos)
      << out;

  const Result r = run("train --out stopped --resume --device cpu --no-pictures");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("resuming pre-training after layer"), std::string::npos) << r.out;
  expect_same_run("straight", "stopped");
}

TEST_F(TrainRun, ConfigFileOptionsWithTheCommandLineWinning) {
  // The λ and é are code points toml++ 3.3.0 misreads without hourglass/io/toml_text.h's guard.
  std::ofstream(dir_ / "run.toml") << "# \u03bb-free, r\u00e9sum\u00e9 of a small run\n"
                                      "data = \"tiny\"\nepochs = 1\nlr = 0.01\nhidden = [16]\n"
                                      "noise = \"gaussian\"\nnoise-level = 0.2\n";
  Result r = run("train --config run.toml --batch 32 --device cpu --no-pictures --out a");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("784-16-784"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("adam (lr 0.01)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gaussian noise 0.2"), std::string::npos) << r.out;

  r = run("train --config run.toml --lr 0.002 --batch 32 --device cpu --no-pictures --out b");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("adam (lr 0.002)"), std::string::npos) << r.out;

  std::ofstream(dir_ / "bad.toml") << "epochz = 3\n";
  r = run("train --config bad.toml");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--epochz"), std::string::npos) << r.err;
  std::ofstream(dir_ / "broken.toml") << "epochs = [\n";
  r = run("train --config broken.toml");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("broken.toml':1:"), std::string::npos) << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
}

TEST_F(TrainRun, ResumeRefusesWhatItCannotContinue) {
  Result r = run("train --resume");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--resume needs --out"), std::string::npos) << r.err;

  fs::create_directories(dir_ / "empty");
  r = run("train --resume --out empty");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("has no config.json"), std::string::npos) << r.err;

  ASSERT_EQ(
      run("train --data tiny --epochs 1 --batch 32 --device cpu --no-pictures --out run").code, 0);
  r = run("train --resume --out run --model vae --lr 0.1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--model, --lr are not allowed"), std::string::npos) << r.err;

  // A damaged training state is refused before anything is trained or written.
  const std::string weights = read_text(dir_ / "run" / "model.safetensors");
  std::ofstream(dir_ / "run" / "state.safetensors") << "not a checkpoint";
  r = run("train --resume --out run --epochs 2 --device cpu");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("state.safetensors"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(dir_ / "run" / "model.safetensors"), weights);

  // Weights and state from different checkpoints (as a crash between their two writes leaves
  // them): refused, and nothing is written.
  ASSERT_EQ(
      run("train --data tiny --epochs 2 --batch 32 --device cpu --no-pictures --out two").code, 0);
  ASSERT_EQ(
      run("train --data tiny --epochs 1 --batch 32 --device cpu --no-pictures --out one").code, 0);
  fs::copy_file(dir_ / "two" / "model.safetensors", dir_ / "one" / "model.safetensors",
                fs::copy_options::overwrite_existing);
  const std::string metrics = read_text(dir_ / "one" / "metrics.jsonl");
  r = run("train --resume --out one --epochs 3 --device cpu");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("do not belong together"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("epoch 2, step 0"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(dir_ / "one" / "metrics.jsonl"), metrics);
}

TEST_F(TrainRun, ImageTransformsAreCheckedAgainstTheDataBeforeTraining) {
  Result r = run("train --data tiny --noise grayscale --device cpu --out gray");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("needs RGB images [3, H, W]; the data's samples are [1, 28, 28]"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "gray" / "model.safetensors"));

  r =
      run("train --data tiny --noise block --noise-level 6 --epochs 1 --batch 32 --device cpu "
          "--no-pictures --out block");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("block"), std::string::npos) << r.out;
}

TEST_F(TrainRun, NpyDataFolderAndStepRecords) {
  fs::create_directories(dir_ / "arrays");
  for (const auto& [name, n] : {std::pair<std::string, int64_t>{"train", 96}, {"test", 32}}) {
    hg::Generator gen(n);
    std::vector<uint8_t> pixels(static_cast<size_t>(n * 8 * 8));
    for (uint8_t& p : pixels)
      p = static_cast<uint8_t>(gen.next_below(256));
    std::vector<int32_t> labels(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      labels[i] = static_cast<int32_t>(i % 3);
    hg::io::write_npy((dir_ / "arrays" / (name + "_images.npy")).string(),
                      hg::Tensor::from_vector(pixels, hg::Shape{n, 8, 8}));
    hg::io::write_npy((dir_ / "arrays" / (name + "_labels.npy")).string(),
                      hg::Tensor::from_vector(labels, hg::Shape{n}));
  }
  const Result r = run(
      "train --data arrays --hidden 6 --epochs 2 --batch 16 --log-every 2 --device cpu --out run");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("96 train / 32 test samples of [1, 8, 8]"), std::string::npos) << r.out;
  int steps = 0, epochs = 0;
  for (const std::string& line : lines_of(read_text(dir_ / "run" / "metrics.jsonl"))) {
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_FLOAT_EQ(j.at("lr").get<float>(), 1e-3f) << line;
    EXPECT_GT(j.at("samples_per_second").get<double>(), 0.0) << line;
    steps += j.at("phase") == "step";
    epochs += j.at("phase") == "train";
  }
  EXPECT_EQ(steps, 6);  // 6 batches per epoch, every second one, 2 epochs
  EXPECT_EQ(epochs, 2);
  EXPECT_TRUE(fs::exists(dir_ / "run" / "latent_map.png"));
}

}  // namespace
