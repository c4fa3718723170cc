// Module: PyTorch state_dict names for nested containers, tied parameters listed once,
// registration errors, train/eval and zero_grad over the tree, and Module::to moving parameters
// in place so that handles held elsewhere stay valid.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hourglass/nn/activation.h"
#include "hourglass/nn/linear.h"
#include "hourglass/nn/sequential.h"
#include "hourglass/optim/optimizer.h"
#include "nn/nn_test_util.h"
#include "support/devices.h"

namespace hg::testing {
namespace {

// A two-part model shaped like the autoencoders: encoder and decoder Sequentials plus a
// parameter of its own.
class TinyAutoencoder : public nn::Module {
 public:
  TinyAutoencoder() {
    encoder = register_module("encoder", std::make_shared<nn::Sequential>());
    encoder->add(std::make_shared<nn::Linear>(6, 4));
    encoder->add(std::make_shared<nn::ReLU>());
    encoder->add(std::make_shared<nn::Linear>(4, 2, false));
    decoder = register_module("decoder", std::make_shared<nn::Sequential>());
    decoder->add(std::make_shared<nn::Linear>(2, 6));
    decoder->add(std::make_shared<nn::Sigmoid>());
    scale = register_parameter("scale", Tensor::ones(Shape{1}));
  }
  Tensor forward(const Tensor& x) override { return decoder->forward(encoder->forward(x)); }
  std::string type_name() const override { return "TinyAutoencoder"; }

  // Exposed for the registration-error tests.
  using nn::Module::register_module;
  using nn::Module::register_parameter;

  std::shared_ptr<nn::Sequential> encoder, decoder;
  Tensor scale;
};

std::vector<std::string> names_of(const nn::Module& m) {
  std::vector<std::string> names;
  for (const auto& entry : m.named_parameters())
    names.push_back(entry.first);
  return names;
}

TEST(ModuleNames, NestedContainersUsePyTorchDottedNames) {
  TinyAutoencoder model;
  // Own parameters first, then children depth first, as torch.nn.Module.named_parameters.
  EXPECT_EQ(names_of(model),
            (std::vector<std::string>{"scale", "encoder.0.weight", "encoder.0.bias",
                                      "encoder.2.weight", "decoder.0.weight", "decoder.0.bias"}));
  const auto named = model.named_parameters();
  EXPECT_TRUE(named[1].second.same_storage(
      std::static_pointer_cast<nn::Linear>((*model.encoder)[0])->weight()));
  EXPECT_EQ(model.parameters().size(), 6u);
  EXPECT_EQ(model.children().size(), 2u);
  EXPECT_EQ(model.children()[1].first, "decoder");

  nn::Sequential outer;
  auto inner = outer.add(std::make_shared<nn::Sequential>());
  inner->add(std::make_shared<nn::Tanh>());
  inner->add(std::make_shared<nn::Linear>(2, 2));
  outer.add(std::make_shared<nn::Linear>(2, 1));
  EXPECT_EQ(names_of(outer),
            (std::vector<std::string>{"0.1.weight", "0.1.bias", "1.weight", "1.bias"}));
  EXPECT_EQ(outer.size(), 2u);
  EXPECT_EQ(outer.type_name(), "Sequential");
}

TEST(ModuleNames, TiedParametersAreListedOnce) {
  auto shared = std::make_shared<nn::Linear>(3, 3);
  nn::Sequential model({shared, std::make_shared<nn::ReLU>(), shared});
  EXPECT_EQ(names_of(model), (std::vector<std::string>{"0.weight", "0.bias"}));
  // So an optimizer over them updates each parameter once.
  EXPECT_NO_THROW(optim::make_optimizer("sgd", model.parameters()));
}

TEST(ModuleNames, RegistrationErrors) {
  TinyAutoencoder model;
  expect_error([&] { model.register_parameter("scale", Tensor::ones(Shape{1})); },
               {"TinyAutoencoder", "'scale' is already a parameter"});
  expect_error([&] { model.register_parameter("encoder", Tensor::ones(Shape{1})); },
               {"'encoder' is already a child module"});
  expect_error([&] { model.register_parameter("a.b", Tensor::ones(Shape{1})); },
               {"contain no '.'", "'a.b'"});
  expect_error([&] { model.register_parameter("", Tensor::ones(Shape{1})); }, {"non-empty"});
  expect_error([&] { model.register_parameter("w", Tensor()); }, {"'w' is an undefined tensor"});
  expect_error([&] { model.register_module("decoder", std::make_shared<nn::ReLU>()); },
               {"'decoder' is already a child module"});
  expect_error([&] { model.register_module("x", std::shared_ptr<nn::ReLU>()); }, {"null child"});
  nn::Sequential seq;
  expect_error([&] { seq.add(std::shared_ptr<nn::Module>()); }, {"null child"});
  EXPECT_EQ(seq.size(), 0u);  // a failed add leaves nothing behind
}

TEST(ModuleState, TrainEvalAndZeroGradReachChildren) {
  TinyAutoencoder model;
  EXPECT_TRUE(model.is_training());
  model.eval();
  EXPECT_FALSE(model.is_training());
  EXPECT_FALSE((*model.encoder)[1]->is_training());
  EXPECT_FALSE((*model.decoder)[0]->is_training());
  model.train();
  EXPECT_TRUE((*model.encoder)[2]->is_training());

  for (const Tensor& p : model.parameters())
    p.impl()->grad = Tensor::ones(p.shape()).impl_ptr();
  model.zero_grad();
  for (const auto& entry : model.named_parameters())
    EXPECT_FALSE(entry.second.grad().defined()) << entry.first;
}

class ModuleToTest : public ::testing::TestWithParam<Device> {};

TEST_P(ModuleToTest, MovesInPlaceKeepingHandles) {
  const Device device = GetParam();
  HG_REQUIRE_DEVICE(device);
  TinyAutoencoder model;
  const std::vector<Tensor> before = model.parameters();  // handles held elsewhere
  std::vector<std::vector<float>> values;
  for (const Tensor& p : before) {
    values.push_back(p.to_vector());
    p.impl()->grad = Tensor::ones(p.shape()).impl_ptr();
  }
  const Tensor old_weight_view = before[1].detach();  // shares the pre-move storage

  model.to(device);
  const std::vector<Tensor> after = model.parameters();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].impl(), before[i].impl()) << i;  // the same TensorImpl
    EXPECT_EQ(before[i].device(), device) << i;
    EXPECT_EQ(before[i].to_vector(), values[i]) << i;
    EXPECT_TRUE(before[i].requires_grad()) << i;
    // Moving drops gradients; cpu -> cpu is a no-op that keeps storage and gradients.
    EXPECT_EQ(before[i].grad().defined(), device.is_cpu()) << i;
  }
  EXPECT_EQ(model.scale.device(), device);
  EXPECT_EQ(std::static_pointer_cast<nn::Linear>((*model.encoder)[0])->weight().device(), device);
  EXPECT_EQ(before[1].same_storage(old_weight_view), device.is_cpu());

  // The moved model computes on the device; and moves back with its values intact.
  const Tensor y = model(Tensor::zeros(Shape{3, 6}, device));
  EXPECT_EQ(y.device(), device);
  EXPECT_EQ(y.shape(), (Shape{3, 6}));
  model.to(Device::cpu());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(before[i].device().is_cpu()) << i;
    EXPECT_EQ(before[i].to_vector(), values[i]) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Devices, ModuleToTest, ::testing::ValuesIn(test_devices()),
                         [](const auto& info) { return device_test_name(info.param); });

}  // namespace
}  // namespace hg::testing
