// Bad input to the optimizers: unknown names, invalid hyper-parameters, unusable parameters.
// Each must raise hg::Error saying what was expected and what was found.
#include <gtest/gtest.h>

#include "hourglass/optim/optimizer.h"
#include "optim/optim_test_util.h"

namespace hg::testing {
namespace {

Tensor param() {
  return make_param({1.0, 2.0}, Shape{2}, Device::cpu());
}

TEST(OptimizerErrors, UnknownNameListsValidOnes) {
  expect_error([] { optim::make_optimizer("rmsprop", {param()}); },
               {"unknown optimizer 'rmsprop'", "sgd, adam, adamw, adadelta, adagrad"});
  expect_error([] { optim::make_optimizer("Adam", {param()}); }, {"'Adam'"});
}

TEST(OptimizerErrors, SgdHyperParameters) {
  kernels::SgdParams o;
  o.lr = -0.1f;
  expect_error([&] { optim::SGD({param()}, o); }, {"sgd", "lr must be >= 0", "-0.1"});
  o = {};
  o.momentum = -0.5f;
  expect_error([&] { optim::SGD({param()}, o); }, {"momentum must be >= 0"});
  o = {};
  o.weight_decay = -1.0f;
  expect_error([&] { optim::SGD({param()}, o); }, {"weight_decay must be >= 0"});
  o = {};
  o.nesterov = true;
  expect_error([&] { optim::SGD({param()}, o); }, {"nesterov", "momentum > 0", "dampening 0"});
  o.momentum = 0.9f, o.dampening = 0.1f;
  expect_error([&] { optim::SGD({param()}, o); }, {"nesterov", "dampening 0"});
}

TEST(OptimizerErrors, AdamHyperParameters) {
  kernels::AdamParams o;
  o.beta1 = 1.0f;
  expect_error([&] { optim::Adam({param()}, o); }, {"adam", "beta1 must lie in [0, 1)", "got 1"});
  o = {};
  o.beta2 = -0.1f;
  expect_error([&] { optim::Adam({param()}, o); }, {"beta2 must lie in [0, 1)"});
  o = {};
  o.eps = -1e-8f;
  expect_error([&] { optim::Adam({param()}, o); }, {"eps must be >= 0"});
  o = {};
  o.lr = -1.0f, o.decoupled_weight_decay = true;
  expect_error([&] { optim::Adam({param()}, o); }, {"adamw", "lr must be >= 0"});
  o = {};
  o.lr = std::nanf("");
  expect_error([&] { optim::Adam({param()}, o); }, {"lr must be >= 0", "nan"});
}

TEST(OptimizerErrors, AdadeltaAndAdagradHyperParameters) {
  kernels::AdadeltaParams d;
  d.rho = 1.5f;
  expect_error([&] { optim::Adadelta({param()}, d); }, {"adadelta", "rho must lie in [0, 1]"});
  d = {};
  d.rho = 1.0f;  // allowed, as in PyTorch
  EXPECT_NO_THROW(optim::Adadelta({param()}, d));
  d.eps = -1.0f;
  expect_error([&] { optim::Adadelta({param()}, d); }, {"eps must be >= 0"});
  kernels::AdagradParams a;
  a.lr_decay = -0.1f;
  expect_error([&] { optim::Adagrad({param()}, a); }, {"adagrad", "lr_decay must be >= 0"});
  a = {};
  a.eps = -1.0f;
  expect_error([&] { optim::Adagrad({param()}, a); }, {"eps must be >= 0"});
}

TEST(OptimizerErrors, SetLrRejectsNegative) {
  auto o = optim::make_optimizer("adagrad", {param()});
  expect_error([&] { o->set_lr(-1.0f); }, {"adagrad", "lr must be >= 0"});
  EXPECT_FLOAT_EQ(o->lr(), 0.01f);
}

TEST(OptimizerErrors, UnusableParameters) {
  expect_error([] { optim::make_optimizer("sgd", {Tensor()}); },
               {"parameter 0 is an undefined tensor"});
  expect_error(
      [] { optim::make_optimizer("sgd", {Tensor::zeros(Shape{2}, Device::cpu(), DType::kInt32)}); },
      {"float32", "int32"});
  Tensor p = param();
  expect_error(
      [&] {
        optim::make_optimizer("adam", {p, param(), p});
      },
      {"parameter 2 appears more than once"});
}

TEST(OptimizerErrors, MismatchedGradient) {
  Tensor p = param();
  p.impl()->grad = Tensor::zeros(Shape{3}).impl_ptr();
  auto o = optim::make_optimizer("sgd", {p});
  expect_error([&] { o->step(); }, {"gradient", "does not match the parameter"});
}

}  // namespace
}  // namespace hg::testing
