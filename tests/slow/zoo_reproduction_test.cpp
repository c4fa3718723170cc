// Published MNIST results reproduced with the model zoo (see ../shared/notes/references.md); slow,
// so outside the default test run. Each test skips when MNIST is not in data/mnist
// (tools/fetch-data mnist), and runs on the GPU when one is usable, else on the CPU.
//
// - pytorch/examples/vae: 784-400-(20, 20)-400-784, Adam 1e-3, batch 128, 10 epochs, inputs not
//   binarized; the test loss per sample (BCE summed over pixels + KL, one z sample) is about 105.6
//   after epoch 10 (PyTorch 1.13 re-runs: 105.55, 105.71, 105.84 for seeds 1-3) and about 127
//   after epoch 1. Measured here on the CPU: 127.39 after epoch 1, 105.64 after epoch 10;
//   required in (115, 140) and (103, 108).
// - Stacked autoencoder 784-256-64 (sigmoid), one epoch of greedy pre-training per layer (Adam
//   1e-3), then 10 epochs of supervised fine-tuning with a softmax layer: measured 97.7% test
//   accuracy (97.0% after 5 epochs); required > 97%.
// Both together took about 2 minutes of CPU time.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "hourglass/core/autograd.h"
#include "hourglass/core/device.h"
#include "hourglass/data/dataloader.h"
#include "hourglass/data/dataset.h"
#include "hourglass/models/stacked.h"
#include "hourglass/models/vae.h"
#include "hourglass/ops/elementwise.h"
#include "hourglass/optim/optimizer.h"
#include "models/zoo_test_util.h"
#include "support/requirements.h"

namespace hg::models {
namespace {

const std::string kMnistDir = std::string(HG_SOURCE_DIR) + "/data/mnist";

bool have_mnist() {
  return std::ifstream(kMnistDir + "/train-images-idx3-ubyte").good() ||
         std::ifstream(kMnistDir + "/train-images-idx3-ubyte.gz").good();
}

Device training_device() {
  return cuda_available() ? Device::cuda(0) : Device::cpu();
}

// pytorch/examples' test loss: the objective summed over the test set, per sample.
double vae_test_loss(Vae& model, data::DataLoader& test) {
  NoGrad no_grad;
  model.eval();
  Tensor running;
  int64_t samples = 0;
  for (const data::Batch& batch : test) {
    const Tensor total =
        model.objective(batch.inputs, batch.inputs, ReconstructionLoss::kBce).total;
    const Tensor weighted = mul(total, static_cast<float>(batch.size()));
    running = running.defined() ? add(running, weighted) : weighted;
    samples += batch.size();
  }
  model.train();
  return static_cast<double>(running.item()) / static_cast<double>(samples);
}

TEST(ZooReproduction, PyTorchExamplesVae) {
  HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_MNIST",
                          have_mnist() ? "" : "MNIST not found in " + kMnistDir);
  const data::Dataset train_set = data::load_mnist(kMnistDir, data::Split::kTrain);
  const data::Dataset test_set = data::load_mnist(kMnistDir, data::Split::kTest);
  data::DataLoader train = zoo_test::loader(train_set, 128, training_device(), true, 1);
  data::DataLoader test = zoo_test::loader(test_set, 128, training_device(), false, 1);
  VaeOptions options;
  options.seed = 1;
  options.noise_seed = 2;
  Vae model(options);
  model.to(training_device());
  auto optimizer = optim::make_optimizer("adam", model.parameters(), 1e-3f);
  std::vector<double> test_losses;
  for (int64_t epoch = 0; epoch < 10; ++epoch) {
    train.set_epoch(epoch);
    for (const data::Batch& batch : train) {
      const Objective objective =
          model.objective(batch.inputs, batch.inputs, ReconstructionLoss::kBce);
      optimizer->zero_grad();
      backward(objective.total);
      optimizer->step();
    }
    test_losses.push_back(vae_test_loss(model, test));
    std::printf("vae epoch %lld: test loss %.2f per sample\n", static_cast<long long>(epoch + 1),
                test_losses.back());
  }
  EXPECT_GT(test_losses.front(), 115.0);
  EXPECT_LT(test_losses.front(), 140.0);
  EXPECT_GT(test_losses.back(), 103.0);
  EXPECT_LT(test_losses.back(), 108.0);
}

TEST(ZooReproduction, StackedAutoencoderFineTunedClassifier) {
  HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_MNIST",
                          have_mnist() ? "" : "MNIST not found in " + kMnistDir);
  const data::Dataset train_set = data::load_mnist(kMnistDir, data::Split::kTrain);
  const data::Dataset test_set = data::load_mnist(kMnistDir, data::Split::kTest);
  data::DataLoader train = zoo_test::loader(train_set, 128, training_device(), true, 3);
  data::DataLoader test = zoo_test::loader(test_set, 500, training_device(), false, 3);
  StackedAutoencoderOptions options;
  options.sizes = {784, 256, 64};
  options.num_classes = 10;
  options.seed = 4;
  StackedAutoencoder model(options);
  model.to(training_device());
  PretrainOptions pretrain;
  pretrain.epochs = 1;
  pretrain.lr = 1e-3f;
  for (const LayerPretrainResult& r : model.pretrain(train, pretrain)) {
    std::printf("layer %lld: reconstruction BCE %.4f -> %.4f\n", static_cast<long long>(r.layer),
                r.initial_loss, r.final_loss);
    EXPECT_LT(r.final_loss, r.initial_loss);
  }
  FineTuneOptions fine;
  fine.epochs = 10;
  fine.lr = 1e-3f;
  fine.on_epoch = [](const FineTuneEpoch& e) {
    std::printf("fine-tune epoch %lld: train loss %.4f, test accuracy %.4f\n",
                static_cast<long long>(e.epoch), e.train_loss, e.test_accuracy);
  };
  const std::vector<FineTuneEpoch> history = model.fine_tune(train, &test, fine);
  EXPECT_GT(history.back().test_accuracy, 0.97);
}

}  // namespace
}  // namespace hg::models
