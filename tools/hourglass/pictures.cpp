// The pictures of a run: reconstruction grids, generated samples, interpolation strips, latent
// maps (with a hand-written PCA for codes wider than 2) and loss curves. Models run in eval mode
// under NoGrad and their mode is restored afterwards, so train can call these between epochs.
#include "pictures.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/io/plot.h"
#include "hourglass/models/generation.h"
#include "hourglass/models/vae.h"

namespace hg::cli {
namespace {

// Eval mode for a scope, then the previous mode back.
class EvalScope {
 public:
  explicit EvalScope(models::Autoencoder& model)
      : model_(model), was_training_(model.is_training()) {
    model_.eval();
  }
  ~EvalScope() { model_.train(was_training_); }
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

 private:
  models::Autoencoder& model_;
  bool was_training_;
};

Device model_device(const models::Autoencoder& model) {
  const std::vector<Tensor> params = model.parameters();
  return params.empty() ? Device::cpu() : params.front().device();
}

std::vector<int64_t> sample_dims(const Tensor& batch) {
  const std::vector<int64_t> dims = batch.shape().dims();
  return {dims.begin() + 1, dims.end()};
}

// How one sample is drawn: [C, H, W] with C = 1 or 3 and [H, W] as they are, a flat vector of a
// square size as a square gray image.
std::vector<int64_t> picture_shape(const std::vector<int64_t>& sample) {
  if (sample.size() == 3 && (sample[0] == 1 || sample[0] == 3)) return sample;
  if (sample.size() == 2) return sample;
  const int64_t n = Shape(sample).numel();
  const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(n))));
  HG_CHECK(side * side == n, "cannot draw samples of ", n,
           " values as images: expected [C, H, W] with C = 1 or 3, [H, W], or a square count");
  return {1, side, side};
}

// A grid of a batch [N, ...], `columns` per row, each sample drawn with picture_shape.
io::Image grid(const Tensor& batch, int columns) {
  io::GridOptions options;
  options.columns = columns;
  std::vector<int64_t> shape{batch.dim(0)};
  const std::vector<int64_t> picture = picture_shape(sample_dims(batch));
  shape.insert(shape.end(), picture.begin(), picture.end());
  return io::image_grid(batch.reshape(shape), options);
}

// Runs fn over `inputs` in batches on the model's device and gathers the results on the CPU:
// [N, *shape of one result].
template <class Fn>
Tensor run_batched(models::Autoencoder& model, const Tensor& inputs, int64_t batch, Fn&& fn) {
  HG_CHECK(inputs.rank() >= 1 && inputs.dim(0) > 0, "expected a non-empty batch, found ",
           inputs.shape());
  HG_CHECK(batch > 0, "batch size must be positive, found ", batch);
  const Device device = model_device(model);
  EvalScope eval(model);
  NoGrad no_grad;
  std::vector<float> values;
  std::vector<int64_t> item_shape;
  for (int64_t begin = 0; begin < inputs.dim(0); begin += batch) {
    const int64_t end = std::min(inputs.dim(0), begin + batch);
    const Tensor out = fn(inputs.slice_rows(begin, end).to(device)).to(Device::cpu());
    if (item_shape.empty()) item_shape = sample_dims(out);
    const std::vector<float> part = out.to_vector();
    values.insert(values.end(), part.begin(), part.end());
  }
  std::vector<int64_t> shape{inputs.dim(0)};
  shape.insert(shape.end(), item_shape.begin(), item_shape.end());
  return Tensor::from_vector(values, Shape(shape));
}

// Encodes with the model's own code shape ([N, C, H, W] for conv codes), on the CPU.
Tensor encode_shaped(models::Autoencoder& model, const Tensor& inputs, int64_t batch = 256) {
  return run_batched(model, inputs, batch, [&](const Tensor& x) { return model.encode(x); });
}

// The eigenvalues (descending) and unit eigenvectors (columns of `vectors`, row-major n x n) of
// the symmetric matrix `a` by cyclic Jacobi rotations. Each rotation zeroes one off-diagonal
// pair; sweeps repeat until the off-diagonal mass is negligible against the diagonal.
void symmetric_eigen(std::vector<double> a, int64_t n, std::vector<double>& values,
                     std::vector<double>& vectors) {
  vectors.assign(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    vectors[i * n + i] = 1.0;
  auto at = [&](int64_t r, int64_t c) -> double& { return a[r * n + c]; };
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0, diag = 0.0;
    for (int64_t r = 0; r < n; ++r) {
      diag += at(r, r) * at(r, r);
      for (int64_t c = r + 1; c < n; ++c)
        off += at(r, c) * at(r, c);
    }
    if (off <= 1e-30 * diag || off == 0.0) break;
    for (int64_t p = 0; p < n; ++p) {
      for (int64_t q = p + 1; q < n; ++q) {
        const double apq = at(p, q);
        if (apq == 0.0) continue;
        // The rotation angle that zeroes a[p][q]: tan(2 theta) = 2 a_pq / (a_qq - a_pp), taking
        // the smaller root t = tan(theta) for stability.
        const double theta = (at(q, q) - at(p, p)) / (2.0 * apq);
        const double t =
            (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1.0 / std::sqrt(t * t + 1), s = t * c;
        for (int64_t k = 0; k < n; ++k) {  // columns p and q
          const double akp = at(k, p), akq = at(k, q);
          at(k, p) = c * akp - s * akq;
          at(k, q) = s * akp + c * akq;
        }
        for (int64_t k = 0; k < n; ++k) {  // rows p and q
          const double apk = at(p, k), aqk = at(q, k);
          at(p, k) = c * apk - s * aqk;
          at(q, k) = s * apk + c * aqk;
        }
        for (int64_t k = 0; k < n; ++k) {
          const double vkp = vectors[k * n + p], vkq = vectors[k * n + q];
          vectors[k * n + p] = c * vkp - s * vkq;
          vectors[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t x, int64_t y) { return at(x, x) > at(y, y); });
  std::vector<double> sorted(static_cast<size_t>(n * n));
  values.resize(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    values[j] = at(order[j], order[j]);
    for (int64_t k = 0; k < n; ++k)
      sorted[k * n + j] = vectors[k * n + order[j]];
  }
  vectors = std::move(sorted);
}

// Codes at most this wide get the exact covariance eigen-decomposition; wider ones (conv codes of
// a few thousand values) the top principal axes by subspace iteration on the data itself.
constexpr int64_t kMaxJacobiWidth = 256;

// The top principal axes of centred data c = v - mean ([n, d]) by block power iteration: Q (d x
// kBlock, orthonormal) <- orth(C Q) with C Q = c^T (c Q) / n, never forming the d x d covariance.
// Extra vectors beyond the two wanted speed convergence (rate lambda_5 / lambda_2). A
// Rayleigh-Ritz step (Jacobi on Q^T C Q) then gives the axes and their variances, descending.
void top_axes_by_iteration(const std::vector<float>& v, int64_t n, int64_t d,
                           const std::vector<double>& mean, std::vector<double>& axes,
                           std::vector<double>& variances) {
  const int64_t k = std::min<int64_t>(4, d);
  std::vector<double> q(static_cast<size_t>(d * k)), cq(static_cast<size_t>(d * k));
  Generator gen(0x9e3779b97f4a7c15ULL);
  for (double& x : q)
    x = gen.next_uniform() - 0.5;
  // cq = C q, column by column over the samples.
  auto apply_covariance = [&]() {
    std::fill(cq.begin(), cq.end(), 0.0);
    std::vector<double> proj(static_cast<size_t>(k));
    for (int64_t i = 0; i < n; ++i) {
      std::fill(proj.begin(), proj.end(), 0.0);
      for (int64_t r = 0; r < d; ++r) {
        const double c = v[i * d + r] - mean[r];
        for (int64_t j = 0; j < k; ++j)
          proj[j] += c * q[r * k + j];
      }
      for (int64_t r = 0; r < d; ++r) {
        const double c = (v[i * d + r] - mean[r]) / static_cast<double>(n);
        for (int64_t j = 0; j < k; ++j)
          cq[r * k + j] += c * proj[j];
      }
    }
  };
  // Modified Gram-Schmidt on the columns of m (d x k); a vanishing column restarts from e_j.
  auto orthonormalize = [&](std::vector<double>& m) {
    for (int64_t j = 0; j < k; ++j) {
      for (int64_t p = 0; p < j; ++p) {
        double dot = 0.0;
        for (int64_t r = 0; r < d; ++r)
          dot += m[r * k + j] * m[r * k + p];
        for (int64_t r = 0; r < d; ++r)
          m[r * k + j] -= dot * m[r * k + p];
      }
      double norm = 0.0;
      for (int64_t r = 0; r < d; ++r)
        norm += m[r * k + j] * m[r * k + j];
      norm = std::sqrt(norm);
      for (int64_t r = 0; r < d; ++r)
        m[r * k + j] = norm > 0 ? m[r * k + j] / norm : (r == j ? 1.0 : 0.0);
    }
  };
  orthonormalize(q);
  std::vector<double> previous(2, -1.0);
  for (int iteration = 0; iteration < 300; ++iteration) {
    apply_covariance();
    // Column norms of C q estimate the variances along q's columns once converged.
    std::vector<double> estimate(2, 0.0);
    for (int64_t j = 0; j < std::min<int64_t>(2, k); ++j)
      for (int64_t r = 0; r < d; ++r)
        estimate[j] += cq[r * k + j] * cq[r * k + j];
    q = cq;
    orthonormalize(q);
    const bool settled = std::fabs(estimate[0] - previous[0]) <= 1e-12 * estimate[0] &&
                         std::fabs(estimate[1] - previous[1]) <= 1e-12 * (estimate[0] + 1e-300);
    previous = estimate;
    if (settled) break;
  }
  apply_covariance();
  std::vector<double> small(static_cast<size_t>(k * k), 0.0);  // Q^T C Q
  for (int64_t a = 0; a < k; ++a)
    for (int64_t b = 0; b < k; ++b)
      for (int64_t r = 0; r < d; ++r)
        small[a * k + b] += q[r * k + a] * cq[r * k + b];
  for (int64_t a = 0; a < k; ++a)
    for (int64_t b = a + 1; b < k; ++b)
      small[a * k + b] = small[b * k + a] = 0.5 * (small[a * k + b] + small[b * k + a]);
  std::vector<double> values, rotation;
  symmetric_eigen(small, k, values, rotation);
  axes.assign(static_cast<size_t>(d * 2), 0.0);
  for (int64_t r = 0; r < d; ++r)
    for (int64_t axis = 0; axis < std::min<int64_t>(2, k); ++axis)
      for (int64_t j = 0; j < k; ++j)
        axes[r * 2 + axis] += q[r * k + j] * rotation[j * k + axis];
  variances = {values[0], k > 1 ? values[1] : 0.0};
}

}  // namespace

namespace {

// Batches of one shape drawn as rows of up to 10 samples, one row per batch, repeated in chunks of
// 10 samples with a wider gap between chunks.
io::Image rows_picture(const std::vector<Tensor>& batches) {
  constexpr int64_t kColumns = 10;
  std::vector<Tensor> host;
  for (const Tensor& b : batches)
    host.push_back(b.to(Device::cpu()));
  std::vector<io::Image> chunks;
  for (int64_t begin = 0; begin < host.front().dim(0); begin += kColumns) {
    const int64_t end = std::min(host.front().dim(0), begin + kColumns);
    std::vector<io::Image> rows;
    for (const Tensor& b : host)
      rows.push_back(grid(b.slice_rows(begin, end), kColumns));
    chunks.push_back(io::stack_images(rows, /*vertical=*/true, /*gap=*/0));
  }
  return io::stack_images(chunks, /*vertical=*/true, /*gap=*/8);
}

}  // namespace

io::Image reconstruction_picture(models::Autoencoder& model, const Tensor& inputs,
                                 const Tensor& corrupted) {
  HG_CHECK(!corrupted.defined() || corrupted.shape() == inputs.shape(),
           "reconstruction_picture: corrupted inputs ", corrupted.shape(),
           " do not match the clean ones ", inputs.shape());
  const Tensor source = corrupted.defined() ? corrupted : inputs;
  const Tensor outputs = run_batched(model, source, 256, [&](const Tensor& x) {
                           return model.forward(x);
                         }).reshape(inputs.shape().dims());
  if (corrupted.defined()) return repair_picture(corrupted, outputs, inputs);
  return rows_picture({inputs, outputs});
}

io::Image repair_picture(const Tensor& corrupted, const Tensor& repaired, const Tensor& clean) {
  HG_CHECK(corrupted.shape() == clean.shape() && repaired.shape() == clean.shape(),
           "repair_picture: corrupted ", corrupted.shape(), ", repaired ", repaired.shape(),
           " and clean ", clean.shape(), " images must have one shape");
  return rows_picture({corrupted, repaired, clean});
}

Tensor generate_samples(models::Autoencoder& model, const Tensor& fit_inputs, int64_t n,
                        Generator& gen) {
  HG_CHECK(n > 0, "the number of samples must be positive, found ", n);
  if (auto* vae = dynamic_cast<models::VariationalAutoencoder*>(&model)) {
    EvalScope eval(model);
    NoGrad no_grad;
    return vae->sample_prior(n, &gen);
  }
  const models::LatentGaussian density =
      models::fit_latent_gaussian(encode_shaped(model, fit_inputs));
  return models::generate(model, density, n, gen);
}

Tensor interpolate(models::Autoencoder& model, const Tensor& a, const Tensor& b, int64_t steps) {
  HG_CHECK(a.shape() == b.shape() && a.rank() >= 1,
           "interpolate: the two batches differ: ", a.shape(), " and ", b.shape());
  HG_CHECK(steps >= 2, "interpolation needs at least 2 steps (the two ends), found ", steps);
  const Tensor za = encode_shaped(model, a), zb = encode_shaped(model, b);
  const std::vector<float> va = za.to_vector(), vb = zb.to_vector();
  const int64_t pairs = a.dim(0), code = za.numel() / pairs;
  std::vector<float> mixed(static_cast<size_t>(pairs * steps * code));
  for (int64_t p = 0; p < pairs; ++p) {
    for (int64_t s = 0; s < steps; ++s) {
      const double t = static_cast<double>(s) / static_cast<double>(steps - 1);
      for (int64_t i = 0; i < code; ++i) {
        // In double, so t = 0 and t = 1 give the end codes exactly.
        const double value = t * vb[p * code + i] + (1.0 - t) * va[p * code + i];
        mixed[(p * steps + s) * code + i] = static_cast<float>(value);
      }
    }
  }
  std::vector<int64_t> code_shape = za.shape().dims();
  code_shape[0] = pairs * steps;
  const Tensor codes = Tensor::from_vector(mixed, Shape(code_shape));
  std::vector<int64_t> out_shape = a.shape().dims();
  out_shape[0] = pairs * steps;
  return run_batched(model, codes, 256, [&](const Tensor& z) { return model.decode(z); })
      .reshape(out_shape);
}

Projection2d project_codes_2d(const Tensor& codes) {
  HG_CHECK(codes.rank() >= 1 && codes.dim(0) > 0,
           "project_codes_2d: expected codes [N, ...], found ", codes.shape());
  const int64_t n = codes.dim(0), d = codes.numel() / n;
  HG_CHECK(d >= 1, "project_codes_2d: the codes are empty");
  const std::vector<float> v = codes.to(Device::cpu()).to_vector();
  Projection2d out;
  out.x.resize(static_cast<size_t>(n));
  out.y.assign(static_cast<size_t>(n), 0.0);
  if (d <= 2) {
    for (int64_t i = 0; i < n; ++i) {
      out.x[i] = v[i * d];
      if (d == 2) out.y[i] = v[i * d + 1];
    }
    return out;
  }
  std::vector<double> mean(static_cast<size_t>(d), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j)
      mean[j] += v[i * d + j];
  for (double& m : mean)
    m /= static_cast<double>(n);
  double trace = 0.0;  // the total variance
  for (int64_t j = 0; j < d; ++j) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i)
      sum += (v[i * d + j] - mean[j]) * (v[i * d + j] - mean[j]);
    trace += sum / static_cast<double>(n);
  }
  // axes: d x 2, row-major, the first two principal axes as columns.
  std::vector<double> axes(static_cast<size_t>(d * 2)), variances(2);
  if (d <= kMaxJacobiWidth) {
    // The covariance's upper triangle, mirrored: the mean of the centred outer products.
    std::vector<double> cov(static_cast<size_t>(d * d), 0.0);
    std::vector<double> centred(static_cast<size_t>(d));
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < d; ++j)
        centred[j] = v[i * d + j] - mean[j];
      for (int64_t r = 0; r < d; ++r)
        for (int64_t c = r; c < d; ++c)
          cov[r * d + c] += centred[r] * centred[c];
    }
    for (int64_t r = 0; r < d; ++r) {
      for (int64_t c = r; c < d; ++c) {
        cov[r * d + c] /= static_cast<double>(n);
        cov[c * d + r] = cov[r * d + c];
      }
    }
    std::vector<double> values, vectors;
    symmetric_eigen(cov, d, values, vectors);
    for (int64_t r = 0; r < d; ++r) {
      axes[r * 2] = vectors[r * d];
      axes[r * 2 + 1] = vectors[r * d + 1];
    }
    variances = {values[0], values[1]};
  } else {
    top_axes_by_iteration(v, n, d, mean, axes, variances);
  }
  // Each axis's sign is fixed so its largest component is positive: the same codes always give
  // the same picture.
  for (int axis = 0; axis < 2; ++axis) {
    int64_t largest = 0;
    for (int64_t k = 1; k < d; ++k)
      if (std::fabs(axes[k * 2 + axis]) > std::fabs(axes[largest * 2 + axis])) largest = k;
    if (axes[largest * 2 + axis] < 0)
      for (int64_t k = 0; k < d; ++k)
        axes[k * 2 + axis] = -axes[k * 2 + axis];
  }
  for (int64_t i = 0; i < n; ++i) {
    double x = 0.0, y = 0.0;
    for (int64_t k = 0; k < d; ++k) {
      const double c = v[i * d + k] - mean[k];
      x += c * axes[k * 2];
      y += c * axes[k * 2 + 1];
    }
    out.x[i] = x;
    out.y[i] = y;
  }
  out.is_pca = true;
  out.explained_variance =
      trace > 0 ? std::min(1.0, std::max(0.0, variances[0] + variances[1]) / trace) : 1.0;
  return out;
}

Tensor encode_all(models::Autoencoder& model, const Tensor& inputs, int64_t batch) {
  const Tensor codes = encode_shaped(model, inputs, batch);
  return codes.reshape({codes.dim(0), -1});
}

Tensor reconstruct_all(models::Autoencoder& model, const Tensor& inputs, int64_t batch) {
  return run_batched(model, inputs, batch, [&](const Tensor& x) { return model.forward(x); });
}

io::Image latent_map_picture(const Projection2d& points, const std::vector<int32_t>& labels,
                             const std::string& title) {
  HG_CHECK(points.x.size() == points.y.size(), "latent map: ", points.x.size(), " x values but ",
           points.y.size(), " y values");
  HG_CHECK(labels.empty() || labels.size() == points.x.size(), "latent map: ", labels.size(),
           " labels for ", points.x.size(), " points");
  io::ScatterOptions options;
  options.title = title;
  if (points.is_pca) {
    options.x_label = "PC1";
    options.y_label = "PC2";
  }
  return io::scatter_plot(points.x, points.y, labels, options);
}

io::Image loss_curve_picture(const std::string& metrics_jsonl) {
  io::Series train{"train", {}, {}}, test{"test", {}, {}};
  std::map<std::string, io::Series> terms;  // per term of a multi-term objective, by name
  std::vector<std::string> term_order;
  std::istringstream in(metrics_jsonl);
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      HG_FAIL("metrics.jsonl line ", line_number, ": not valid JSON (", e.what(), ")");
    }
    HG_CHECK(j.is_object(), "metrics.jsonl line ", line_number, ": expected an object");
    // Pre-training lines (phase "pretrain") are per layer, not on the epoch axis.
    if (j.value("phase", std::string("train")) != "train") continue;
    HG_CHECK(j.contains("epoch") && j["epoch"].is_number(), "metrics.jsonl line ", line_number,
             ": missing 'epoch'");
    const double epoch = j["epoch"].get<double>();
    auto number = [](const nlohmann::json& v) {
      return v.is_number() ? v.get<double>() : std::nan("");
    };
    train.x.push_back(epoch);
    train.y.push_back(number(j.value("train_loss", nlohmann::json())));
    test.x.push_back(epoch);
    test.y.push_back(number(j.value("test_loss", nlohmann::json())));
    const nlohmann::json train_terms = j.value("train_terms", nlohmann::json::object());
    if (train_terms.is_object() && train_terms.size() > 1) {
      for (const auto& [name, value] : train_terms.items()) {
        if (terms.count(name) == 0) {
          term_order.push_back(name);
          terms[name].name = "train " + name;
        }
        terms[name].x.push_back(epoch);
        terms[name].y.push_back(number(value));
      }
    }
  }
  std::vector<io::Series> series{train, test};
  for (const std::string& name : term_order)
    series.push_back(terms[name]);
  io::LineChartOptions options;
  options.title = "loss per epoch";
  return io::line_chart(series, options);
}

}  // namespace hg::cli
