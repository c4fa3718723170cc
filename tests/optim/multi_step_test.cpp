// The multi-tensor optimizer steps (sgd_multi_step, adam_multi_step, adadelta_multi_step,
// adagrad_multi_step, driven by Optimizer::step) on every test device, against the single-tensor
// double references of reference.h run once per parameter: tensors of 1, 7, 1000 and 4099
// elements (4099 spans two chunks of the table, with a partial one), random data from a seed that
// is printed, a parameter left without a gradient on one step (its count must not advance) and a
// learning-rate change between steps (it must reach the device table). Also: record_replayed_step
// and a resume from copied state. On the CPU: the vectorized loop is bitwise the element formula.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <vector>

#include "hourglass/kernels/common/optimizer_math.h"
#include "hourglass/optim/optimizer.h"
#include "optim/optim_test_util.h"
#include "optim/reference.h"
#include "support/devices.h"

namespace hg::testing {
namespace {

namespace ref = reference;
using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;

const std::vector<int64_t> kSizes{1, 7, 1000, 4099};

unsigned test_seed() {
  static const unsigned seed = std::random_device{}();
  return seed;
}

class MultiTensorStepTest : public ::testing::TestWithParam<Device> {};

// Four steps of the optimizer and of one reference per parameter. Parameter 1 has no gradient on
// step 2; the learning rate becomes lr2 (set_lr on the optimizer, lr on the references) before
// step 3. Tolerance: rel * max(1, |expected|), float rounding of a few operations per step.
template <class Ref>
void run_case(Device device, const MakeOptimizer& make, const Ref& prototype, double lr2) {
  const unsigned seed = test_seed();
  std::cout << "seed " << seed << "\n";
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::vector<Tensor> params;
  std::vector<ref::Vec> expected;
  std::vector<Ref> refs;
  for (size_t p = 0; p < kSizes.size(); ++p) {
    expected.push_back(test_values(static_cast<size_t>(kSizes[p]), seed + 31 * p, 2.0));
    params.push_back(make_param(expected.back(), Shape{kSizes[p]}, device));
    refs.push_back(prototype);
  }
  auto optimizer = make(params);
  for (int s = 1; s <= 4; ++s) {
    if (s == 3) {
      optimizer->set_lr(static_cast<float>(lr2));
      for (Ref& r : refs)
        r.lr = static_cast<double>(static_cast<float>(lr2));
    }
    for (size_t p = 0; p < params.size(); ++p) {
      if (s == 2 && p == 1) {
        params[p].zero_grad();
        continue;
      }
      const ref::Vec g = test_values(expected[p].size(), seed + 1000 * s + 7 * p + 1, 1.5);
      set_grad(params[p], g);
      refs[p].step(expected[p], g);
    }
    optimizer->step();
    for (size_t p = 0; p < params.size(); ++p)
      expect_close(params[p], expected[p], 4e-6,
                   "step " + std::to_string(s) + " tensor of " + std::to_string(kSizes[p]));
  }
  EXPECT_EQ(optimizer->steps_taken(), 4);
}

TEST_P(MultiTensorStepTest, SgdMomentumNesterovWeightDecay) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::SgdParams o;
  o.lr = 0.05f, o.momentum = 0.8f, o.nesterov = true, o.weight_decay = 0.1f;
  ref::Sgd r;
  r.lr = 0.05f, r.momentum = 0.8f, r.nesterov = true, r.weight_decay = 0.1f;
  run_case(
      GetParam(),
      [o](std::vector<Tensor> p) { return std::make_unique<optim::SGD>(std::move(p), o); }, r,
      0.02);
}

TEST_P(MultiTensorStepTest, SgdPlain) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::SgdParams o;
  o.lr = 0.1f;
  ref::Sgd r;
  r.lr = 0.1f;
  run_case(
      GetParam(),
      [o](std::vector<Tensor> p) { return std::make_unique<optim::SGD>(std::move(p), o); }, r,
      0.03);
}

TEST_P(MultiTensorStepTest, AdamW) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::AdamParams o;
  o.lr = 0.01f, o.weight_decay = 0.1f, o.decoupled_weight_decay = true;
  ref::Adam r;
  r.lr = 0.01f, r.weight_decay = 0.1f, r.decoupled = true;
  run_case(
      GetParam(),
      [o](std::vector<Tensor> p) { return std::make_unique<optim::Adam>(std::move(p), o); }, r,
      0.004);
}

TEST_P(MultiTensorStepTest, AdamL2) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::AdamParams o;
  o.lr = 0.02f, o.beta1 = 0.8f, o.beta2 = 0.99f, o.weight_decay = 0.05f;
  ref::Adam r;
  r.lr = 0.02f, r.beta1 = 0.8f, r.beta2 = 0.99f, r.weight_decay = 0.05f;
  run_case(
      GetParam(),
      [o](std::vector<Tensor> p) { return std::make_unique<optim::Adam>(std::move(p), o); }, r,
      0.005);
}

TEST_P(MultiTensorStepTest, Adadelta) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::AdadeltaParams o;
  o.lr = 1.0f, o.rho = 0.9f, o.eps = 1e-6f, o.weight_decay = 0.01f;
  ref::Adadelta r;
  r.lr = 1.0f, r.rho = 0.9f, r.eps = 1e-6f, r.weight_decay = 0.01f;
  run_case(
      GetParam(),
      [o](std::vector<Tensor> p) { return std::make_unique<optim::Adadelta>(std::move(p), o); }, r,
      0.5);
}

TEST_P(MultiTensorStepTest, AdagradLrDecay) {
  HG_REQUIRE_DEVICE(GetParam());
  kernels::AdagradParams o;
  o.lr = 0.1f, o.lr_decay = 0.05f, o.weight_decay = 0.02f;
  ref::Adagrad r;
  r.lr = 0.1f, r.lr_decay = 0.05f, r.weight_decay = 0.02f;
  run_case(
      GetParam(),
      [o](std::vector<Tensor> p) { return std::make_unique<optim::Adagrad>(std::move(p), o); }, r,
      0.05);
}

// Two Adam optimizers over copies of the same parameters; the second is created after two steps
// of the first and given copies of its state (a resume): the next steps must agree bitwise, so
// the restored step counts reach the device table.
TEST_P(MultiTensorStepTest, ResumedStateGivesBitwiseTheSameSteps) {
  HG_REQUIRE_DEVICE(GetParam());
  const Device device = GetParam();
  const unsigned seed = test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::vector<Tensor> a, b;
  for (size_t p = 0; p < kSizes.size(); ++p) {
    const ref::Vec w = test_values(static_cast<size_t>(kSizes[p]), seed + p, 1.0);
    a.push_back(make_param(w, Shape{kSizes[p]}, device));
  }
  kernels::AdamParams o;
  o.lr = 0.01f;
  optim::Adam first(a, o);
  auto grads = [&](int s, std::vector<Tensor>& params) {
    for (size_t p = 0; p < params.size(); ++p)
      set_grad(params[p], test_values(static_cast<size_t>(kSizes[p]), seed + 100 * s + p, 1.0));
  };
  for (int s = 0; s < 2; ++s) {
    grads(s, a);
    first.step();
  }
  for (const Tensor& t : a) {
    b.push_back(make_param(std::vector<double>(static_cast<size_t>(t.numel())), t.shape(), device));
    b.back().copy_(t);
  }
  optim::Adam second(b, o);
  for (size_t p = 0; p < a.size(); ++p)
    for (const auto& [key, t] : first.state()[p]) {
      Tensor copy = Tensor::zeros(t.shape(), t.device());
      copy.copy_(t);
      second.mutable_state()[p][key] = copy;
    }
  second.set_steps_taken(first.steps_taken());
  for (int s = 2; s < 5; ++s) {
    grads(s, a);
    grads(s, b);
    first.step();
    second.step();
    for (size_t p = 0; p < a.size(); ++p)
      EXPECT_EQ(a[p].to_vector(), b[p].to_vector()) << "step " << s + 1 << " tensor " << p;
  }
  EXPECT_FLOAT_EQ(second.state()[3].at("step").item(), 5.0f);
}

// record_replayed_step advances the host's counts as step() would and touches no parameter; it
// refuses when a gradient moved (the replayed table would have been stale).
TEST_P(MultiTensorStepTest, RecordReplayedStepAdvancesCountsOnly) {
  HG_REQUIRE_DEVICE(GetParam());
  const Device device = GetParam();
  std::vector<Tensor> params;
  for (int64_t n : kSizes)
    params.push_back(make_param(test_values(static_cast<size_t>(n), 5, 1.0), Shape{n}, device));
  for (const Tensor& p : params)
    set_grad(p, test_values(static_cast<size_t>(p.numel()), 9, 1.0));
  optim::Adam adam(params, kernels::AdamParams{});
  adam.step();
  const std::vector<float> after_step = params[2].to_vector();
  adam.record_replayed_step();
  EXPECT_EQ(adam.steps_taken(), 2);
  EXPECT_EQ(params[2].to_vector(), after_step);
  for (size_t p = 0; p < params.size(); ++p)
    EXPECT_FLOAT_EQ(adam.state()[p].at("step").item(), 2.0f) << p;
  set_grad(params[0], test_values(1, 11, 1.0));  // a new gradient tensor: another pointer
  expect_error([&] { adam.record_replayed_step(); },
               {"record_replayed_step", "run step() instead"});
}

INSTANTIATE_TEST_SUITE_P(Devices, MultiTensorStepTest, ::testing::ValuesIn(test_devices()),
                         [](const auto& info) { return device_test_name(info.param); });

// The CPU step runs the version of its chunk loop compiled for the widest vector unit the CPU has
// (AVX-512, AVX2 or baseline; kernels/cpu/optimizer.cpp). Its results must be bitwise those of the
// shared per-element formulas (common/optimizer_math.h) applied one element at a time here, for
// 3 steps over 4099 elements (full vectors and a tail). `element(step, w, g, s0, s1)` updates one
// element of the reference.
using ElementStep = std::function<void(int, float&, float, float&, float&)>;
void expect_bitwise_element_formula(const MakeOptimizer& make, const ElementStep& element) {
  const unsigned seed = test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const size_t n = 4099;
  std::vector<float> w = to_float(test_values(n, seed, 2.0)), s0(n, 0.0f), s1(n, 0.0f);
  const Tensor param =
      make_param(test_values(n, seed, 2.0), Shape{static_cast<int64_t>(n)}, Device::cpu());
  auto optimizer = make({param});
  for (int step = 1; step <= 3; ++step) {
    const std::vector<double> g = test_values(n, seed + step, 1.5);
    set_grad(param, g);
    optimizer->step();
    for (size_t i = 0; i < n; ++i)
      element(step, w[i], static_cast<float>(g[i]), s0[i], s1[i]);
  }
  const std::vector<float> got = param.to_vector();
  size_t differing = 0;
  for (size_t i = 0; i < n; ++i)
    differing += std::memcmp(&got[i], &w[i], sizeof(float)) != 0;
  EXPECT_EQ(differing, 0u) << "of " << n << " elements differ from the element formula";
}

TEST(MultiTensorCpu, VectorizedStepsAreBitwiseTheElementFormulas) {
  std::cout << "seed " << test_seed() << "\n";
  for (const bool decoupled : {false, true}) {
    SCOPED_TRACE(decoupled ? "adamw" : "adam with L2 weight decay");
    kernels::AdamParams o;
    o.lr = 0.02f, o.beta1 = 0.8f, o.beta2 = 0.99f, o.weight_decay = decoupled ? 0.1f : 0.05f;
    o.decoupled_weight_decay = decoupled;
    expect_bitwise_element_formula(
        [o](std::vector<Tensor> p) { return std::make_unique<optim::Adam>(std::move(p), o); },
        [o](int step, float& w, float g, float& m, float& v) {
          kernels::AdamParams q = o;
          q.step = step;
          kernels::adam_update(w, g, m, v, q, kernels::adam_scalars(q));
        });
  }
  {
    SCOPED_TRACE("sgd with nesterov momentum");
    kernels::SgdParams o;
    o.lr = 0.05f, o.momentum = 0.8f, o.nesterov = true, o.weight_decay = 0.1f;
    expect_bitwise_element_formula(
        [o](std::vector<Tensor> p) { return std::make_unique<optim::SGD>(std::move(p), o); },
        [o](int step, float& w, float g, float& buf, float&) {
          kernels::SgdParams q = o;
          q.first_step = step == 1;
          kernels::sgd_update(w, g, buf, q);
        });
  }
  {
    SCOPED_TRACE("adadelta");
    kernels::AdadeltaParams o;
    o.weight_decay = 0.01f;
    expect_bitwise_element_formula(
        [o](std::vector<Tensor> p) { return std::make_unique<optim::Adadelta>(std::move(p), o); },
        [o](int, float& w, float g, float& square_avg, float& acc_delta) {
          kernels::adadelta_update(w, g, square_avg, acc_delta, o);
        });
  }
  {
    SCOPED_TRACE("adagrad");
    kernels::AdagradParams o;
    o.lr = 0.1f, o.lr_decay = 0.05f, o.weight_decay = 0.02f;
    expect_bitwise_element_formula(
        [o](std::vector<Tensor> p) { return std::make_unique<optim::Adagrad>(std::move(p), o); },
        [o](int step, float& w, float g, float& sum, float&) {
          kernels::AdagradParams q = o;
          q.step = step;
          kernels::adagrad_update(w, g, sum, q, kernels::adagrad_clr(q));
        });
  }
}

}  // namespace
}  // namespace hg::testing
