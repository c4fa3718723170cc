// The op-test harness (see op_harness.h): input generation, the three checks, and reference
// helpers.
#include "support/op_harness.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <sstream>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/ops/ops.h"

namespace hg::testing {

// ---- generators ---------------------------------------------------------------------------

ValueGen uniform(double lo, double hi) {
  return [lo, hi](Rng& rng) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
}

ValueGen uniform_away_from(double lo, double hi, double point, double gap) {
  return [lo, hi, point, gap](Rng& rng) {
    std::uniform_real_distribution<double> dist(lo, hi);
    for (;;) {
      const double v = dist(rng);
      if (std::fabs(v - point) >= gap) return v;
    }
  };
}

ValueGen signed_magnitude(double lo, double hi) {
  return [lo, hi](Rng& rng) {
    const double m = std::uniform_real_distribution<double>(lo, hi)(rng);
    return std::bernoulli_distribution(0.5)(rng) ? m : -m;
  };
}

ValueGen integers(int64_t lo, int64_t hi) {
  return [lo, hi](Rng& rng) {
    return static_cast<double>(std::uniform_int_distribution<int64_t>(lo, hi - 1)(rng));
  };
}

ValueGen one_of(std::vector<double> values) {
  return [values](Rng& rng) {
    return values[std::uniform_int_distribution<size_t>(0, values.size() - 1)(rng)];
  };
}

OpInput float_input(std::string name, Shape shape, ValueGen values, bool differentiable) {
  return OpInput{std::move(name), shape, std::move(values), DType::kFloat32, differentiable};
}
OpInput int_input(std::string name, Shape shape, ValueGen values) {
  return OpInput{std::move(name), shape, std::move(values), DType::kInt32, false};
}
OpInput u8_input(std::string name, Shape shape, ValueGen values) {
  return OpInput{std::move(name), shape, std::move(values), DType::kUInt8, false};
}

// ---- seeds --------------------------------------------------------------------------------

uint64_t test_seed() {
  if (const char* fixed = std::getenv("HG_TEST_SEED")) return std::strtoull(fixed, nullptr, 10);
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

// ---- the checks ---------------------------------------------------------------------------

namespace {

bool gradient_checked(const OpCase& c, const OpInput& in) {
  return c.check_gradient && in.dtype == DType::kFloat32 && in.differentiable;
}

double round_to(DType dtype, double v) {
  switch (dtype) {
    case DType::kFloat32:
      return static_cast<double>(static_cast<float>(v));
    case DType::kInt32:
      return std::nearbyint(v);
    case DType::kUInt8:
      return std::clamp(std::nearbyint(v), 0.0, 255.0);
  }
  return v;
}

Tensor make_tensor(const OpInput& in, const std::vector<double>& v, Device device) {
  switch (in.dtype) {
    case DType::kFloat32:
      return Tensor::from_vector(std::vector<float>(v.begin(), v.end()), in.shape, device);
    case DType::kInt32: {
      std::vector<int32_t> iv(v.size());
      std::transform(v.begin(), v.end(), iv.begin(), [](double x) { return int32_t(x); });
      return Tensor::from_vector(iv, in.shape, device);
    }
    case DType::kUInt8: {
      std::vector<uint8_t> uv(v.size());
      std::transform(v.begin(), v.end(), uv.begin(), [](double x) { return uint8_t(x); });
      return Tensor::from_vector(uv, in.shape, device);
    }
  }
  return Tensor();
}

std::vector<double> to_double(const Tensor& t) {
  const std::vector<float> v = t.to_vector();
  return std::vector<double>(v.begin(), v.end());
}

bool within(double got, double want, const Tolerance& tol) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
  if (std::isinf(want) || std::isinf(got)) return got == want;
  return std::fabs(got - want) <= tol.abs + tol.rel * std::fabs(want);
}

// Compares got[idx] with want[idx] over `indices` (all when empty) and reports one failure
// with the worst errors and the first mismatch.
void compare(const std::string& what, const std::vector<double>& got,
             const std::vector<double>& want, const Tolerance& tol,
             const std::vector<int64_t>& indices = {}) {
  if (got.size() != want.size()) {
    ADD_FAILURE() << what << ": " << got.size() << " values, expected " << want.size();
    return;
  }
  std::vector<int64_t> all;
  const std::vector<int64_t>* idx = &indices;
  if (indices.empty()) {
    all.resize(got.size());
    std::iota(all.begin(), all.end(), 0);
    idx = &all;
  }
  int64_t bad = 0, first = -1;
  double max_abs = 0.0, max_rel = 0.0;
  for (int64_t i : *idx) {
    const double err = std::fabs(got[i] - want[i]);
    if (std::isfinite(err)) {
      max_abs = std::max(max_abs, err);
      max_rel = std::max(max_rel, err / std::max(std::fabs(want[i]), 1e-30));
    }
    if (!within(got[i], want[i], tol)) {
      if (first < 0) first = i;
      ++bad;
    }
  }
  if (bad == 0) return;
  ADD_FAILURE() << what << ": " << bad << " of " << idx->size() << " values outside tolerance (abs "
                << tol.abs << ", rel " << tol.rel << "); max abs error " << max_abs
                << ", max rel error " << max_rel << "; first at index " << first << ": got "
                << got[first] << ", expected " << want[first];
}

struct RunResult {
  std::vector<double> output;
  std::vector<std::vector<double>> grads;  // per input; empty when not checked
  bool ok = false;
};

RunResult run_on(const OpCase& c, const HostValues& host, const std::vector<double>& weights,
                 Device device) {
  RunResult r;
  clear_tape();
  std::vector<Tensor> inputs;
  bool any_grad = false;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    Tensor t = make_tensor(c.inputs[i], host[i], device);
    if (gradient_checked(c, c.inputs[i])) {
      t.set_requires_grad(true);
      any_grad = true;
    }
    inputs.push_back(t);
  }
  Tensor out;
  try {
    out = c.op(inputs);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "forward threw: " << e.what();
    return r;
  }
  if (!out.defined() || out.shape() != c.output_shape || out.dtype() != DType::kFloat32 ||
      out.device() != device) {
    ADD_FAILURE() << "forward returned " << out << ", expected Tensor" << c.output_shape
                  << " float32 " << device.str();
    return r;
  }
  r.output = to_double(out);
  r.grads.resize(c.inputs.size());
  if (any_grad) {
    std::vector<float> wf(weights.begin(), weights.end());
    try {
      Tensor loss = sum(mul(out, Tensor::from_vector(wf, out.shape(), device)));
      backward(loss);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "backward threw: " << e.what();
      return r;
    }
    EXPECT_EQ(tape_size(), 0u) << "backward() left nodes on the tape";
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      if (!gradient_checked(c, c.inputs[i])) continue;
      const Tensor g = inputs[i].grad();
      if (!g.defined()) {
        ADD_FAILURE() << "no gradient reached input '" << c.inputs[i].name << "'";
        return r;
      }
      if (g.shape() != c.inputs[i].shape) {
        ADD_FAILURE() << "gradient of '" << c.inputs[i].name << "' has shape " << g.shape()
                      << ", expected " << c.inputs[i].shape;
        return r;
      }
      r.grads[i] = to_double(g);
    }
  }
  r.ok = true;
  return r;
}

double weighted_reference(const OpCase& c, const HostValues& host,
                          const std::vector<double>& weights) {
  const std::vector<double> out = c.reference(host);
  double s = 0.0;
  for (size_t j = 0; j < out.size(); ++j)
    s += weights[j] * out[j];
  return s;
}

// Central differences of sum(w * reference) at the sampled coordinates of input i.
std::vector<double> finite_differences(const OpCase& c, HostValues host, size_t i,
                                       const std::vector<double>& weights,
                                       const std::vector<int64_t>& coords) {
  std::vector<double> fd(host[i].size(), 0.0);
  for (int64_t k : coords) {
    const double v = host[i][k];
    const double h = c.fd_step * std::max(1.0, std::fabs(v));
    host[i][k] = v + h;
    const double plus = weighted_reference(c, host, weights);
    host[i][k] = v - h;
    const double minus = weighted_reference(c, host, weights);
    host[i][k] = v;
    fd[k] = (plus - minus) / (2.0 * h);
  }
  return fd;
}

std::vector<int64_t> sample_coords(Rng& rng, int64_t n, int samples) {
  std::vector<int64_t> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  if (n <= samples) return all;
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(static_cast<size_t>(samples));
  std::sort(all.begin(), all.end());
  return all;
}

}  // namespace

void check_op(Device device, const std::function<OpCase(Rng&)>& make_case) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (rerun with HG_TEST_SEED=" + std::to_string(seed) + ")");
  Rng rng(seed);
  const OpCase c = make_case(rng);
  std::ostringstream label;
  label << c.name << " on " << device.str() << ", inputs";
  for (const OpInput& in : c.inputs)
    label << ' ' << in.name << in.shape;
  SCOPED_TRACE(label.str());

  HostValues host;
  for (const OpInput& in : c.inputs) {
    std::vector<double> v(static_cast<size_t>(in.shape.numel()));
    for (double& x : v)
      x = round_to(in.dtype, in.values(rng));
    host.push_back(std::move(v));
  }
  const std::vector<double> want = c.reference(host);
  ASSERT_EQ(static_cast<int64_t>(want.size()), c.output_shape.numel())
      << "the reference returned the wrong number of values";
  std::vector<double> weights(want.size());
  for (double& w : weights)
    w = round_to(DType::kFloat32, uniform(-1.0, 1.0)(rng));

  // Finite differences once, on the double reference; every device is compared with them.
  std::vector<std::vector<int64_t>> coords(c.inputs.size());
  std::vector<std::vector<double>> fd(c.inputs.size());
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (!gradient_checked(c, c.inputs[i])) continue;
    coords[i] = sample_coords(rng, c.inputs[i].shape.numel(), c.fd_samples);
    fd[i] = finite_differences(c, host, i, weights, coords[i]);
  }

  auto check_against_reference = [&](const RunResult& r, const std::string& dev) {
    compare("forward on " + dev + " vs double reference", r.output, want, c.forward);
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      if (!gradient_checked(c, c.inputs[i]) || coords[i].empty()) continue;
      compare("gradient of '" + c.inputs[i].name + "' on " + dev + " vs finite differences",
              r.grads[i], fd[i], c.gradient, coords[i]);
    }
  };

  const RunResult cpu = run_on(c, host, weights, Device::cpu());
  if (!cpu.ok) return;
  check_against_reference(cpu, "cpu");
  if (device.is_cpu()) return;

  const RunResult dev = run_on(c, host, weights, device);
  if (!dev.ok) return;
  check_against_reference(dev, device.str());
  compare("forward on " + device.str() + " vs cpu", dev.output, cpu.output, c.forward);
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (!gradient_checked(c, c.inputs[i])) continue;
    compare("gradient of '" + c.inputs[i].name + "' on " + device.str() + " vs cpu", dev.grads[i],
            cpu.grads[i], c.gradient);
  }
}

// ---- reference helpers --------------------------------------------------------------------

int64_t pick(Rng& rng, std::initializer_list<int64_t> sizes) {
  const std::vector<int64_t> v(sizes);
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

Shape ref_broadcast_shape(const Shape& a, const Shape& b) {
  const int rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> out(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) {
    const int64_t da = d < rank - a.rank() ? 1 : a[d - (rank - a.rank())];
    const int64_t db = d < rank - b.rank() ? 1 : b[d - (rank - b.rank())];
    out[d] = da == 1 ? db : da;
  }
  return Shape(out);
}

std::vector<double> ref_broadcast(const Shape& a, const std::vector<double>& va, const Shape& b,
                                  const std::vector<double>& vb,
                                  const std::function<double(double, double)>& f) {
  const int rank = std::max(a.rank(), b.rank());
  auto dim = [rank](const Shape& s, int d) {
    const int off = rank - s.rank();
    return d < off ? int64_t{1} : s[d - off];
  };
  std::vector<int64_t> out(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d)
    out[d] = dim(a, d) == 1 ? dim(b, d) : dim(a, d);
  const int64_t n = Shape(out).numel();
  std::vector<double> result(static_cast<size_t>(n));
  for (int64_t linear = 0; linear < n; ++linear) {
    int64_t rem = linear, ia = 0, ib = 0, sa = 1, sb = 1;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t coord = rem % out[d];
      rem /= out[d];
      if (dim(a, d) != 1) ia += coord * sa;
      if (dim(b, d) != 1) ib += coord * sb;
      sa *= dim(a, d);
      sb *= dim(b, d);
    }
    result[linear] = f(va[ia], vb[ib]);
  }
  return result;
}

std::vector<double> ref_map(const std::vector<double>& v, const std::function<double(double)>& f) {
  std::vector<double> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), f);
  return out;
}

std::vector<double> ref_sum_axis(const std::vector<double>& x, int64_t outer, int64_t axis,
                                 int64_t inner) {
  std::vector<double> out(static_cast<size_t>(outer * inner), 0.0);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t a = 0; a < axis; ++a)
      for (int64_t i = 0; i < inner; ++i)
        out[o * inner + i] += x[(o * axis + a) * inner + i];
  return out;
}

std::vector<double> ref_matmul(const std::vector<double>& a, int64_t a_rows, int64_t a_cols,
                               bool trans_a, const std::vector<double>& b, int64_t b_rows,
                               int64_t b_cols, bool trans_b) {
  const int64_t m = trans_a ? a_cols : a_rows, k = trans_a ? a_rows : a_cols;
  const int64_t n = trans_b ? b_rows : b_cols;
  std::vector<double> c(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) {
      const double av = trans_a ? a[p * a_cols + i] : a[i * a_cols + p];
      for (int64_t j = 0; j < n; ++j)
        c[i * n + j] += av * (trans_b ? b[j * b_cols + p] : b[p * b_cols + j]);
    }
  return c;
}

}  // namespace hg::testing
