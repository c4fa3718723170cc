// One and three steps of every optimizer configuration against the double references in
// reference.h, on every test device, for two parameters of different shapes (and, for Adam, one
// large enough to take the CPU kernels' parallel path).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

#include "hourglass/optim/optimizer.h"
#include "optim/optim_test_util.h"
#include "optim/reference.h"
#include "support/devices.h"

namespace hg::testing {
namespace {

namespace ref = reference;
using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;

class OptimizerStepTest : public ::testing::TestWithParam<Device> {};

// Runs `steps` steps of the optimizer and of one reference per parameter with fresh gradients
// each step, comparing parameters after every step.
template <class Ref>
void run_case(Device device, const MakeOptimizer& make, const Ref& prototype, int steps,
              double rel = 2e-6, std::vector<Shape> shapes = {Shape{5, 7}, Shape{13}}) {
  std::vector<Tensor> params;
  std::vector<ref::Vec> expected;
  std::vector<Ref> refs;
  for (size_t p = 0; p < shapes.size(); ++p) {
    expected.push_back(test_values(static_cast<size_t>(shapes[p].numel()), 100 + p, 2.0));
    params.push_back(make_param(expected.back(), shapes[p], device));
    refs.push_back(prototype);
  }
  auto optimizer = make(params);
  for (int s = 0; s < steps; ++s) {
    for (size_t p = 0; p < params.size(); ++p) {
      const ref::Vec g = test_values(expected[p].size(), 1000 * s + 7 * p + 1, 1.5);
      set_grad(params[p], g);
      refs[p].step(expected[p], g);
    }
    optimizer->step();
    for (size_t p = 0; p < params.size(); ++p)
      expect_close(params[p], expected[p], rel,
                   "step " + std::to_string(s + 1) + " param " + std::to_string(p));
  }
  EXPECT_EQ(optimizer->steps_taken(), steps);
}

MakeOptimizer sgd(kernels::SgdParams o) {
  return [o](std::vector<Tensor> p) { return std::make_unique<optim::SGD>(std::move(p), o); };
}
MakeOptimizer adam(kernels::AdamParams o) {
  return [o](std::vector<Tensor> p) { return std::make_unique<optim::Adam>(std::move(p), o); };
}
MakeOptimizer adadelta(kernels::AdadeltaParams o) {
  return [o](std::vector<Tensor> p) { return std::make_unique<optim::Adadelta>(std::move(p), o); };
}
MakeOptimizer adagrad(kernels::AdagradParams o) {
  return [o](std::vector<Tensor> p) { return std::make_unique<optim::Adagrad>(std::move(p), o); };
}

TEST_P(OptimizerStepTest, SgdPlain) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::SgdParams o;
  o.lr = 0.1f;
  ref::Sgd r;
  r.lr = 0.1f;
  for (int steps : {1, 3})
    run_case(GetParam(), sgd(o), r, steps);
}

TEST_P(OptimizerStepTest, SgdMomentum) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::SgdParams o;
  o.lr = 0.05f, o.momentum = 0.9f;
  ref::Sgd r;
  r.lr = 0.05f, r.momentum = 0.9f;
  for (int steps : {1, 3})
    run_case(GetParam(), sgd(o), r, steps);
}

TEST_P(OptimizerStepTest, SgdNesterov) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::SgdParams o;
  o.lr = 0.05f, o.momentum = 0.8f, o.nesterov = true;
  ref::Sgd r;
  r.lr = 0.05f, r.momentum = 0.8f, r.nesterov = true;
  for (int steps : {1, 3})
    run_case(GetParam(), sgd(o), r, steps);
}

TEST_P(OptimizerStepTest, SgdWeightDecayAndDampening) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::SgdParams o;
  o.lr = 0.05f, o.momentum = 0.9f, o.dampening = 0.3f, o.weight_decay = 0.1f;
  ref::Sgd r;
  r.lr = 0.05f, r.momentum = 0.9f, r.dampening = 0.3f, r.weight_decay = 0.1f;
  for (int steps : {1, 3})
    run_case(GetParam(), sgd(o), r, steps);
}

TEST_P(OptimizerStepTest, SgdWeightDecayWithoutMomentum) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::SgdParams o;
  o.lr = 0.1f, o.weight_decay = 0.5f;
  ref::Sgd r;
  r.lr = 0.1f, r.weight_decay = 0.5f;
  for (int steps : {1, 3})
    run_case(GetParam(), sgd(o), r, steps);
}

TEST_P(OptimizerStepTest, Adam) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::AdamParams o;
  o.lr = 0.01f;
  ref::Adam r;
  r.lr = 0.01f;
  for (int steps : {1, 3})
    run_case(GetParam(), adam(o), r, steps);
}

TEST_P(OptimizerStepTest, AdamCustomBetasLargeParameter) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::AdamParams o;
  o.lr = 0.02f, o.beta1 = 0.8f, o.beta2 = 0.99f, o.eps = 1e-6f;
  ref::Adam r;
  r.lr = 0.02f, r.beta1 = 0.8f, r.beta2 = 0.99f, r.eps = 1e-6f;
  // 40000 elements: above the CPU kernels' threshold for an OpenMP team.
  run_case(GetParam(), adam(o), r, 3, 2e-6, {Shape{200, 200}, Shape{3}});
}

TEST_P(OptimizerStepTest, AdamL2WeightDecay) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::AdamParams o;
  o.lr = 0.01f, o.weight_decay = 0.1f;
  ref::Adam r;
  r.lr = 0.01f, r.weight_decay = 0.1f;
  for (int steps : {1, 3})
    run_case(GetParam(), adam(o), r, steps);
}

TEST_P(OptimizerStepTest, AdamW) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::AdamParams o;
  o.lr = 0.01f, o.weight_decay = 0.1f, o.decoupled_weight_decay = true;
  ref::Adam r;
  r.lr = 0.01f, r.weight_decay = 0.1f, r.decoupled = true;
  for (int steps : {1, 3})
    run_case(GetParam(), adam(o), r, steps);
}

TEST_P(OptimizerStepTest, Adadelta) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::AdadeltaParams o;
  ref::Adadelta r;  // PyTorch's defaults: lr 1, rho 0.9, eps 1e-6
  for (int steps : {1, 3})
    run_case(GetParam(), adadelta(o), r, steps);
}

TEST_P(OptimizerStepTest, AdadeltaWeightDecay) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::AdadeltaParams o;
  o.lr = 0.5f, o.rho = 0.8f, o.eps = 1e-5f, o.weight_decay = 0.2f;
  ref::Adadelta r;
  r.lr = 0.5f, r.rho = 0.8f, r.eps = 1e-5f, r.weight_decay = 0.2f;
  for (int steps : {1, 3})
    run_case(GetParam(), adadelta(o), r, steps);
}

TEST_P(OptimizerStepTest, Adagrad) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::AdagradParams o;
  o.lr = 0.1f;
  ref::Adagrad r;
  r.lr = 0.1f;
  for (int steps : {1, 3})
    run_case(GetParam(), adagrad(o), r, steps);
}

TEST_P(OptimizerStepTest, AdagradLrDecayAndWeightDecay) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::AdagradParams o;
  o.lr = 0.1f, o.lr_decay = 0.5f, o.weight_decay = 0.3f;
  ref::Adagrad r;
  r.lr = 0.1f, r.lr_decay = 0.5f, r.weight_decay = 0.3f;
  for (int steps : {1, 3})
    run_case(GetParam(), adagrad(o), r, steps);
}

TEST_P(OptimizerStepTest, AdamStateMatchesReference) {
  HG_REQUIRE_DEVICE(GetParam());
  const Device device = GetParam();
  const ref::Vec w0 = test_values(11, 3, 1.0);
  Tensor w = make_param(w0, Shape{11}, device);
  kernels::AdamParams o;
  o.lr = 0.01f;
  optim::Adam optimizer({w}, o);
  ref::Adam r;
  r.lr = 0.01f;
  ref::Vec expected = w0;
  for (int s = 0; s < 2; ++s) {
    const ref::Vec g = test_values(11, 50 + s, 1.0);
    set_grad(w, g);
    r.step(expected, g);
    optimizer.step();
  }
  const auto& state = optimizer.state().at(0);
  expect_close(state.at("exp_avg"), r.m, 1e-6, "exp_avg");
  expect_close(state.at("exp_avg_sq"), r.v, 1e-6, "exp_avg_sq");
  EXPECT_EQ(state.at("exp_avg").device(), device);
  EXPECT_EQ(state.at("step").item(), 2.0f);
}

INSTANTIATE_TEST_SUITE_P(Devices, OptimizerStepTest, ::testing::ValuesIn(test_devices()),
                         [](const auto& info) { return device_test_name(info.param); });

}  // namespace
}  // namespace hg::testing
