// Double-precision references for the optimizer tests, written from torch.optim's documented
// algorithms (single-tensor form) independently of the kernels' shared math, so that a slip in
// either shows up as a mismatch.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace hg::testing::reference {

using Vec = std::vector<double>;

struct Sgd {
  double lr = 0.01, momentum = 0.0, dampening = 0.0, weight_decay = 0.0;
  bool nesterov = false;
  Vec buf;  // empty until the first step with momentum

  void step(Vec& w, const Vec& grad) {
    const bool first = buf.empty();
    if (momentum != 0.0 && first) buf.assign(w.size(), 0.0);
    for (size_t i = 0; i < w.size(); ++i) {
      double g = grad[i] + weight_decay * w[i];
      if (momentum != 0.0) {
        buf[i] = first ? g : momentum * buf[i] + (1.0 - dampening) * g;
        g = nesterov ? g + momentum * buf[i] : buf[i];
      }
      w[i] -= lr * g;
    }
  }
};

struct Adam {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  bool decoupled = false;  // AdamW
  Vec m, v;
  int t = 0;

  void step(Vec& w, const Vec& grad) {
    if (m.empty()) m.assign(w.size(), 0.0), v.assign(w.size(), 0.0);
    ++t;
    for (size_t i = 0; i < w.size(); ++i) {
      double g = grad[i];
      if (decoupled)
        w[i] -= lr * weight_decay * w[i];
      else
        g += weight_decay * w[i];
      m[i] = beta1 * m[i] + (1.0 - beta1) * g;
      v[i] = beta2 * v[i] + (1.0 - beta2) * g * g;
      const double m_hat = m[i] / (1.0 - std::pow(beta1, t));
      const double v_hat = v[i] / (1.0 - std::pow(beta2, t));
      w[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  }
};

struct Adadelta {
  double lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0.0;
  Vec square_avg, acc_delta;

  void step(Vec& w, const Vec& grad) {
    if (square_avg.empty()) square_avg.assign(w.size(), 0.0), acc_delta.assign(w.size(), 0.0);
    for (size_t i = 0; i < w.size(); ++i) {
      const double g = grad[i] + weight_decay * w[i];
      square_avg[i] = rho * square_avg[i] + (1.0 - rho) * g * g;
      const double delta = std::sqrt(acc_delta[i] + eps) / std::sqrt(square_avg[i] + eps) * g;
      acc_delta[i] = rho * acc_delta[i] + (1.0 - rho) * delta * delta;
      w[i] -= lr * delta;
    }
  }
};

struct Adagrad {
  double lr = 0.01, lr_decay = 0.0, eps = 1e-10, weight_decay = 0.0;
  Vec sum;
  int t = 0;

  void step(Vec& w, const Vec& grad) {
    if (sum.empty()) sum.assign(w.size(), 0.0);
    ++t;
    const double clr = lr / (1.0 + (t - 1) * lr_decay);
    for (size_t i = 0; i < w.size(); ++i) {
      const double g = grad[i] + weight_decay * w[i];
      sum[i] += g * g;
      w[i] -= clr * g / (std::sqrt(sum[i]) + eps);
    }
  }
};

}  // namespace hg::testing::reference
