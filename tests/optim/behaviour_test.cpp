// Optimizer behaviour beyond single updates: minimizing a quadratic, skipping parameters without
// a gradient (and PyTorch's per-parameter step counts that follow), the state keys, zero_grad,
// and make_optimizer's defaults.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "hourglass/optim/optimizer.h"
#include "optim/optim_test_util.h"
#include "optim/reference.h"
#include "support/devices.h"

namespace hg::testing {
namespace {

namespace ref = reference;

class OptimizerBehaviourTest : public ::testing::TestWithParam<Device> {};

double distance(const std::vector<float>& w, const ref::Vec& c) {
  double d = 0.0;
  for (size_t i = 0; i < w.size(); ++i)
    d += (w[i] - c[i]) * (w[i] - c[i]);
  return std::sqrt(d);
}

// Minimizes f(w) = 0.5 |w - c|^2 (gradient w - c, computed on the host) from w = 0 and returns
// the final distance to the minimum relative to the starting one.
double minimize_quadratic(const std::string& name, float lr, Device device, int steps) {
  const ref::Vec c = test_values(24, 9, 1.0);
  Tensor w = make_param(ref::Vec(c.size(), 0.0), Shape{4, 6}, device);
  auto optimizer = optim::make_optimizer(name, {w}, lr);
  const double start = distance(w.to_vector(), c);
  for (int s = 0; s < steps; ++s) {
    const std::vector<float> current = w.to_vector();
    ref::Vec g(c.size());
    for (size_t i = 0; i < g.size(); ++i)
      g[i] = current[i] - c[i];
    set_grad(w, g);
    optimizer->step();
  }
  return distance(w.to_vector(), c) / start;
}

TEST_P(OptimizerBehaviourTest, MinimizesQuadratic) {
  HG_REQUIRE_DEVICE(GetParam());
  // Learning rates suited to each method; 150 steps each. AdamW's default weight decay pulls
  // slightly towards 0, so it is held to a looser bound.
  EXPECT_LT(minimize_quadratic("sgd", 0.1f, GetParam(), 150), 1e-5);
  EXPECT_LT(minimize_quadratic("adam", 0.05f, GetParam(), 150), 2e-2);
  EXPECT_LT(minimize_quadratic("adamw", 0.05f, GetParam(), 150), 5e-2);
  EXPECT_LT(minimize_quadratic("adagrad", 0.5f, GetParam(), 150), 2e-2);
  EXPECT_LT(minimize_quadratic("adadelta", 10.0f, GetParam(), 150), 5e-2);
}

TEST_P(OptimizerBehaviourTest, SgdMomentumMinimizesQuadratic) {
  HG_REQUIRE_DEVICE(GetParam());
  const ref::Vec c = test_values(10, 4, 3.0);
  Tensor w = make_param(ref::Vec(c.size(), 0.0), Shape{10}, GetParam());
  kernels::SgdParams o;
  o.lr = 0.05f, o.momentum = 0.9f, o.nesterov = true;
  optim::SGD optimizer({w}, o);
  for (int s = 0; s < 200; ++s) {
    const std::vector<float> current = w.to_vector();
    ref::Vec g(c.size());
    for (size_t i = 0; i < g.size(); ++i)
      g[i] = current[i] - c[i];
    set_grad(w, g);
    optimizer.step();
  }
  EXPECT_LT(distance(w.to_vector(), c), 1e-4);
}

TEST_P(OptimizerBehaviourTest, SkipsParametersWithoutGradient) {
  HG_REQUIRE_DEVICE(GetParam());
  const Device device = GetParam();
  const ref::Vec a0 = test_values(6, 1, 1.0), b0 = test_values(4, 2, 1.0);
  Tensor a = make_param(a0, Shape{6}, device), b = make_param(b0, Shape{4}, device);
  kernels::AdamParams o;
  o.lr = 0.1f;
  optim::Adam optimizer({a, b}, o);
  ref::Adam ra, rb;
  ra.lr = rb.lr = 0.1f;
  ref::Vec ea = a0, eb = b0;

  // Step 1: only a has a gradient; b is untouched and gets no state.
  const ref::Vec ga = test_values(6, 11, 1.0);
  set_grad(a, ga);
  ra.step(ea, ga);
  optimizer.step();
  expect_close(a, ea, 2e-6, "a after step 1");
  EXPECT_EQ(b.to_vector(), to_float(b0));
  EXPECT_TRUE(optimizer.state()[1].empty());

  // Step 2: both have gradients. b takes its first update (bias correction with t = 1), as
  // PyTorch's per-parameter step counter does.
  const ref::Vec ga2 = test_values(6, 12, 1.0), gb = test_values(4, 13, 1.0);
  set_grad(a, ga2);
  set_grad(b, gb);
  ra.step(ea, ga2);
  rb.step(eb, gb);
  optimizer.step();
  expect_close(a, ea, 2e-6, "a after step 2");
  expect_close(b, eb, 2e-6, "b after step 2");
  EXPECT_EQ(optimizer.state()[0].at("step").item(), 2.0f);
  EXPECT_EQ(optimizer.state()[1].at("step").item(), 1.0f);
  EXPECT_EQ(optimizer.steps_taken(), 2);
}

TEST_P(OptimizerBehaviourTest, StateKeysFollowPyTorch) {
  HG_REQUIRE_DEVICE(GetParam());
  const Device device = GetParam();
  auto keys_after_one_step = [&](const std::string& name, float lr) {
    Tensor w = make_param(test_values(3, 1, 1.0), Shape{3}, device);
    set_grad(w, test_values(3, 2, 1.0));
    auto optimizer = optim::make_optimizer(name, {w}, lr);
    optimizer->step();
    std::set<std::string> keys;
    for (const auto& entry : optimizer->state().at(0)) {
      keys.insert(entry.first);
      if (entry.first != "step") {
        EXPECT_EQ(entry.second.device(), device) << name << " " << entry.first;
        EXPECT_EQ(entry.second.shape(), w.shape()) << name << " " << entry.first;
      }
    }
    return keys;
  };
  using Keys = std::set<std::string>;
  EXPECT_EQ(keys_after_one_step("sgd", 0.1f), Keys{});  // no momentum, no buffer
  EXPECT_EQ(keys_after_one_step("adam", -1.0f), (Keys{"step", "exp_avg", "exp_avg_sq"}));
  EXPECT_EQ(keys_after_one_step("adamw", -1.0f), (Keys{"step", "exp_avg", "exp_avg_sq"}));
  EXPECT_EQ(keys_after_one_step("adadelta", -1.0f), (Keys{"step", "square_avg", "acc_delta"}));
  EXPECT_EQ(keys_after_one_step("adagrad", -1.0f), (Keys{"step", "sum"}));

  Tensor w = make_param(test_values(3, 1, 1.0), Shape{3}, device);
  const ref::Vec g = test_values(3, 2, 1.0);
  set_grad(w, g);
  kernels::SgdParams o;
  o.momentum = 0.5f;
  optim::SGD sgd({w}, o);
  sgd.step();
  ASSERT_EQ(sgd.state()[0].size(), 1u);
  // On the first step the buffer is the gradient itself.
  expect_close(sgd.state()[0].at("momentum_buffer"), g, 1e-7, "momentum_buffer");
}

TEST_P(OptimizerBehaviourTest, ZeroGradDropsGradients) {
  HG_REQUIRE_DEVICE(GetParam());
  Tensor a = make_param({1.0, 2.0}, Shape{2}, GetParam());
  Tensor b = make_param({3.0}, Shape{1}, GetParam());
  set_grad(a, {0.5, 0.5});
  set_grad(b, {0.5});
  auto optimizer = optim::make_optimizer("sgd", {a, b});
  optimizer->zero_grad();
  EXPECT_FALSE(a.grad().defined());
  EXPECT_FALSE(b.grad().defined());
  optimizer->step();  // nothing to do
  EXPECT_EQ(a.to_vector(), (std::vector<float>{1.0f, 2.0f}));
}

INSTANTIATE_TEST_SUITE_P(Devices, OptimizerBehaviourTest, ::testing::ValuesIn(test_devices()),
                         [](const auto& info) { return device_test_name(info.param); });

TEST(MakeOptimizer, PyTorchDefaults) {
  Tensor w = make_param({1.0}, Shape{1}, Device::cpu());
  {
    auto o = optim::make_optimizer("sgd", {w});
    EXPECT_EQ(o->name(), "sgd");
    EXPECT_FLOAT_EQ(o->lr(), 0.01f);
    const auto& p = dynamic_cast<optim::SGD&>(*o).options();
    EXPECT_EQ(p.momentum, 0.0f);
    EXPECT_EQ(p.weight_decay, 0.0f);
    EXPECT_FALSE(p.nesterov);
  }
  {
    auto o = optim::make_optimizer("adam", {w});
    EXPECT_EQ(o->name(), "adam");
    const auto& p = dynamic_cast<optim::Adam&>(*o).options();
    EXPECT_FLOAT_EQ(p.lr, 1e-3f);
    EXPECT_FLOAT_EQ(p.beta1, 0.9f);
    EXPECT_FLOAT_EQ(p.beta2, 0.999f);
    EXPECT_FLOAT_EQ(p.eps, 1e-8f);
    EXPECT_EQ(p.weight_decay, 0.0f);
    EXPECT_FALSE(p.decoupled_weight_decay);
  }
  {
    auto o = optim::make_optimizer("adamw", {w});
    EXPECT_EQ(o->name(), "adamw");
    const auto& p = dynamic_cast<optim::Adam&>(*o).options();
    EXPECT_FLOAT_EQ(p.lr, 1e-3f);
    EXPECT_FLOAT_EQ(p.weight_decay, 1e-2f);
    EXPECT_TRUE(p.decoupled_weight_decay);
  }
  {
    auto o = optim::make_optimizer("adadelta", {w});
    const auto& p = dynamic_cast<optim::Adadelta&>(*o).options();
    EXPECT_FLOAT_EQ(p.lr, 1.0f);
    EXPECT_FLOAT_EQ(p.rho, 0.9f);
    EXPECT_FLOAT_EQ(p.eps, 1e-6f);
  }
  {
    auto o = optim::make_optimizer("adagrad", {w});
    const auto& p = dynamic_cast<optim::Adagrad&>(*o).options();
    EXPECT_FLOAT_EQ(p.lr, 0.01f);
    EXPECT_FLOAT_EQ(p.eps, 1e-10f);
    EXPECT_EQ(p.lr_decay, 0.0f);
  }
  // An explicit learning rate overrides the default; set_lr changes it later.
  auto o = optim::make_optimizer("adam", {w}, 0.25f);
  EXPECT_FLOAT_EQ(o->lr(), 0.25f);
  o->set_lr(0.5f);
  EXPECT_FLOAT_EQ(o->lr(), 0.5f);
}

}  // namespace
}  // namespace hg::testing
