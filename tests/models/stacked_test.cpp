// StackedAutoencoder: PyTorch layout of Hinton's deep autoencoder, the Autoencoder interface,
// greedy pre-training (plain, denoising, sparse) lowering every layer's reconstruction loss,
// and supervised fine-tuning reaching high accuracy on separable synthetic classes.
#include <gtest/gtest.h>

#include <cmath>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/core/rng.h"
#include "hourglass/models/stacked.h"
#include "hourglass/models/trainer.h"
#include "hourglass/ops/ops.h"
#include "support/devices.h"
#include "support/op_harness.h"
#include "zoo_test_util.h"

namespace hg::models {
namespace {

TEST(StackedAutoencoder, HintonDeepAutoencoderLayout) {
  StackedAutoencoder model(hinton_deep_autoencoder_options());
  std::vector<std::pair<std::string, Shape>> got;
  for (const auto& p : model.named_parameters())
    got.emplace_back(p.first, p.second.shape());
  const std::vector<std::pair<std::string, Shape>> expected = {
      {"encoder.0.weight", Shape{1000, 784}}, {"encoder.0.bias", Shape{1000}},
      {"encoder.2.weight", Shape{500, 1000}}, {"encoder.2.bias", Shape{500}},
      {"encoder.4.weight", Shape{250, 500}},  {"encoder.4.bias", Shape{250}},
      {"encoder.6.weight", Shape{30, 250}},   {"encoder.6.bias", Shape{30}},
      {"decoder.0.weight", Shape{250, 30}},   {"decoder.0.bias", Shape{250}},
      {"decoder.2.weight", Shape{500, 250}},  {"decoder.2.bias", Shape{500}},
      {"decoder.4.weight", Shape{1000, 500}}, {"decoder.4.bias", Shape{1000}},
      {"decoder.6.weight", Shape{784, 1000}}, {"decoder.6.bias", Shape{784}},
      {"classifier.weight", Shape{10, 30}},   {"classifier.bias", Shape{10}},
  };
  EXPECT_EQ(got, expected);
  EXPECT_EQ(model.encoder()[1]->type_name(), "Sigmoid");
  EXPECT_EQ(model.encoder()[7]->type_name(), "Identity");  // the linear 30-unit code
  EXPECT_EQ(model.decoder()[1]->type_name(), "Sigmoid");
  EXPECT_EQ(model.decoder()[7]->type_name(), "Sigmoid");
  EXPECT_TRUE(model.output_is_sigmoid());
  const int64_t autoencoder = 2 * (784 * 1000 + 1000 * 500 + 500 * 250 + 250 * 30) + 1000 + 500 +
                              250 + 30 + 250 + 500 + 1000 + 784;
  EXPECT_EQ(model.num_parameters(), autoencoder + 30 * 10 + 10);
  EXPECT_EQ(model.describe(),
            "stacked autoencoder 784-1000-500-250-30 (sigmoid hidden, identity code, sigmoid "
            "output, 10-class classifier), 2,837,624 parameters");
}

TEST(StackedAutoencoder, AutoencoderInterface) {
  StackedAutoencoderOptions options;
  options.sizes = {12, 8, 4};
  options.num_classes = 3;
  StackedAutoencoder model(options);
  NoGrad no_grad;
  const Tensor x = Tensor::rand(Shape{5, 1, 3, 4});
  EXPECT_EQ(model.encode(x).shape(), (Shape{5, 4}));
  EXPECT_EQ(model.encode_layers(x, 1).shape(), (Shape{5, 8}));
  EXPECT_EQ(model.encode_layers(x, 0).shape(), (Shape{5, 12}));
  EXPECT_EQ(model.forward(x).shape(), (Shape{5, 12}));
  EXPECT_EQ(model.classify(x).shape(), (Shape{5, 3}));
  const std::vector<float> probs = model.forward(x).to_vector();
  const std::vector<float> logits = model.forward_logits(x).to_vector();
  for (size_t i = 0; i < probs.size(); ++i)
    EXPECT_NEAR(probs[i], 1.0f / (1.0f + std::exp(-logits[i])), 1e-6f);
  EXPECT_THROW(model.encode(Tensor::rand(Shape{5, 13})), Error);
  EXPECT_THROW(model.encode_layers(x, 3), Error);
}

TEST(StackedAutoencoder, RejectsBadConfigurations) {
  StackedAutoencoderOptions options;
  options.sizes = {10};
  EXPECT_THROW(StackedAutoencoder{options}, Error);
  options.sizes = {10, 0};
  EXPECT_THROW(StackedAutoencoder{options}, Error);
  options.sizes = {10, 4};
  options.hidden_activation = "swish";
  EXPECT_THROW(StackedAutoencoder{options}, Error);
  options.hidden_activation = "sigmoid";
  options.num_classes = 0;
  StackedAutoencoder no_classifier(options);
  EXPECT_THROW(no_classifier.classifier(), Error);

  // Unlabelled data cannot fine-tune; layers are range-checked.
  data::DataLoaderOptions lo;
  lo.batch_size = 4;
  data::DataLoader unlabelled(data::make_dataset(Tensor::rand(Shape{8, 10}), Tensor(), "plain"),
                              lo);
  options.num_classes = 2;
  StackedAutoencoder model(options);
  EXPECT_THROW(model.fine_tune(unlabelled, nullptr, FineTuneOptions{}), Error);
  EXPECT_THROW(model.evaluate_accuracy(unlabelled), Error);
  EXPECT_THROW(model.pretrain_layer(1, unlabelled, PretrainOptions{}), Error);
}

// n samples of `classes` classes in d dimensions: class c's prototype is a random corner of
// {0.1, 0.9}^d (drawn from `seed`), each sample its prototype plus N(0, 0.1^2) noise (from
// `noise_seed`), clamped to [0, 1]. Labels
// cycle through the classes.
data::Dataset clustered(int64_t n, int64_t d, int64_t classes, uint64_t seed, uint64_t noise_seed,
                        const std::string& name) {
  Generator gen(seed);
  std::vector<float> prototypes(static_cast<size_t>(classes * d));
  for (float& p : prototypes)
    p = gen.next_uniform() < 0.5f ? 0.1f : 0.9f;
  Generator noise_gen(noise_seed);
  const std::vector<float> noise =
      Tensor::randn(Shape{n, d}, Device::cpu(), 0.0f, 0.1f, &noise_gen).to_vector();
  std::vector<float> x(static_cast<size_t>(n * d));
  std::vector<int32_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    labels[i] = static_cast<int32_t>(i % classes);
    for (int64_t j = 0; j < d; ++j)
      x[i * d + j] =
          std::min(1.0f, std::max(0.0f, prototypes[labels[i] * d + j] + noise[i * d + j]));
  }
  return data::make_dataset(Tensor::from_vector(x, Shape{n, d}),
                            Tensor::from_vector(labels, Shape{n}), name);
}

class StackedDevices : public testing::DeviceTest {};

// The mean binary entropy of layer `layer`'s input over the dataset: the floor of its BCE.
double entropy_floor(StackedAutoencoder& model, const data::Dataset& ds, int64_t layer) {
  NoGrad no_grad;
  const Device device = model.parameters().front().device();
  const std::vector<float> h = model.encode_layers(ds.images.to(device), layer).to_vector();
  double total = 0;
  for (float v : h) {
    const double p = std::min(std::max<double>(v, 1e-7), 1 - 1e-7);
    total -= p * std::log(p) + (1 - p) * std::log(1 - p);
  }
  return total / static_cast<double>(h.size());
}

// Each layer's clean reconstruction loss falls during its own pre-training, for the plain,
// denoising (masking 20%) and sparse (L1 1e-3) variants. CPU: 256 samples, 4 epochs of batch 32
// per layer; emulated cuda: 32 samples, 2 epochs of 16.
TEST_P(StackedDevices, PretrainingLowersEveryLayersLoss) {
  HG_REQUIRE_DEVICE(device());
  const data::Dataset ds = clustered(256, 16, 4, 1, 2, "clusters");
  data::DataLoader train = zoo_test::loader(ds, 32, device(), true, 3);
  for (const char* variant : {"plain", "denoising", "sparse"}) {
    StackedAutoencoderOptions options;
    options.sizes = {16, 12, 6};
    options.num_classes = 4;
    options.seed = 2;
    StackedAutoencoder model(options);
    model.to(device());
    PretrainOptions po;
    po.epochs = 10;
    po.lr = 1e-2f;
    if (std::string(variant) == "denoising") {
      po.corruption.kind = Corruption::kMasking;
      po.corruption.fraction = 0.2f;
    }
    if (std::string(variant) == "sparse") po.l1_weight = 1e-3f;
    int64_t callbacks = 0;
    po.on_epoch = [&](const PretrainEpoch& e) {
      EXPECT_EQ(e.layer, callbacks / po.epochs);
      EXPECT_EQ(e.epoch, callbacks % po.epochs + 1);
      ++callbacks;
    };
    // Only the trained layer moves: the layer above stays as built while layer 0 trains.
    const std::vector<float> upper_before = model.encoder()[2]->parameters()[0].to_vector();
    const double floor0 = entropy_floor(model, ds, 0);
    const LayerPretrainResult first = model.pretrain_layer(0, train, po);
    EXPECT_EQ(model.encoder()[2]->parameters()[0].to_vector(), upper_before) << variant;
    const double floor1 = entropy_floor(model, ds, 1);  // layer 0 is now frozen
    const LayerPretrainResult second = model.pretrain_layer(1, train, po);
    EXPECT_EQ(callbacks, 2 * po.epochs);
    for (const LayerPretrainResult& r : {first, second}) {
      ASSERT_EQ(static_cast<int64_t>(r.train_losses.size()), po.epochs);
      // BCE against soft targets cannot go below their entropy: compare the gaps to it.
      const double floor = r.layer == 0 ? floor0 : floor1;
      EXPECT_LT(r.final_loss - floor, (r.initial_loss - floor) * 0.6)
          << variant << " layer " << r.layer << ": " << r.initial_loss << " -> " << r.final_loss
          << ", floor " << floor;
      EXPECT_LT(r.train_losses.back(), r.train_losses.front()) << variant << " layer " << r.layer;
    }
    EXPECT_EQ(tape_size(), 0u);
  }
}

// Pre-training then fine-tuning separates 4 noisy clusters: test accuracy above 95% after 10
// epochs (measured: 100%; 25% before fine-tuning).
TEST_P(StackedDevices, FineTuningClassifiesSeparableClusters) {
  HG_REQUIRE_DEVICE(device());
  const data::Dataset train_set = clustered(512, 16, 4, 5, 6, "train");
  const data::Dataset test_set = clustered(256, 16, 4, 5, 7, "test");
  data::DataLoader train = zoo_test::loader(train_set, 32, device(), true, 3);
  data::DataLoader test = zoo_test::loader(test_set, 64, device(), false, 3);
  StackedAutoencoderOptions options;
  options.sizes = {16, 12, 6};
  options.num_classes = 4;
  options.seed = 3;
  StackedAutoencoder model(options);
  model.to(device());
  PretrainOptions po;
  po.epochs = 2;
  po.lr = 1e-2f;
  const std::vector<LayerPretrainResult> pretrained = model.pretrain(train, po);
  ASSERT_EQ(pretrained.size(), 2u);
  const double before = model.evaluate_accuracy(test);
  FineTuneOptions fo;
  fo.epochs = 10;
  fo.lr = 1e-2f;
  const std::vector<FineTuneEpoch> history = model.fine_tune(train, &test, fo);
  ASSERT_EQ(static_cast<int64_t>(history.size()), fo.epochs);
  EXPECT_LT(history.back().train_loss, history.front().train_loss);
  EXPECT_GT(history.back().test_accuracy, 0.95) << "accuracy before fine-tuning " << before;
  EXPECT_DOUBLE_EQ(history.back().test_accuracy, model.evaluate_accuracy(test));
  EXPECT_EQ(tape_size(), 0u);
}

// The unrolled stack is an Autoencoder: the trainer fine-tunes it on reconstruction.
TEST(StackedAutoencoder, TrainerFineTunesTheUnrolledStack) {
  const data::Dataset ds = clustered(128, 16, 4, 9, 10, "clusters");
  data::DataLoader train = zoo_test::loader(ds, 32, Device::cpu(), true, 3);
  StackedAutoencoderOptions options;
  options.sizes = {16, 12, 6};
  options.code_activation = "identity";
  options.num_classes = 0;
  StackedAutoencoder model(options);
  auto optimizer = optim::make_optimizer("adam", model.parameters(), 1e-2f);
  TrainOptions to;
  to.epochs = 5;
  to.progress = false;
  const double before = evaluate_reconstruction(model, train, ReconstructionLoss::kBce);
  const std::vector<EpochRecord> history = train_autoencoder(model, *optimizer, train, nullptr, to);
  EXPECT_LT(history.back().train_loss, before);
}

HG_INSTANTIATE_DEVICE_TESTS(StackedDevices);

}  // namespace
}  // namespace hg::models
