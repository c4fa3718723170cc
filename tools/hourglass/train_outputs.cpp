// The run directory's checkpoint files and pictures, written by `hourglass train`.
#include "train_outputs.h"

#include <algorithm>

#include "hourglass/core/error.h"
#include "hourglass/core/rng.h"
#include "hourglass/io/png.h"
#include "hourglass/models/checkpoint.h"
#include "pictures.h"
#include "report.h"
#include "run_files.h"

namespace hg::cli {
namespace {

constexpr int64_t kSampleCount = 64;
constexpr int64_t kInterpolationSteps = 10;
constexpr int64_t kInterpolationPairs = 4;
constexpr int64_t kLatentMapPoints = 2000;
constexpr int64_t kFitSamples = 5000;

std::string path_in(const std::string& dir, const char* name) {
  return dir + "/" + name;
}

// The first n rows of a tensor (a view).
Tensor first_rows(const Tensor& x, int64_t n) {
  return x.slice_rows(0, std::min(n, x.dim(0)));
}

// Indices of up to `pairs` pairs of test samples with different labels (or consecutive samples
// when there are no labels), so interpolations cross between classes.
std::vector<std::pair<int64_t, int64_t>> interpolation_pairs(const data::Dataset& test,
                                                             int64_t pairs) {
  std::vector<std::pair<int64_t, int64_t>> out;
  const int64_t n = test.size();
  const std::vector<int32_t> labels =
      test.labels.defined() ? test.labels.to_vector_i32() : std::vector<int32_t>();
  for (int64_t i = 0; i + 1 < n && static_cast<int64_t>(out.size()) < pairs; i += 2) {
    int64_t j = i + 1;
    while (!labels.empty() && j < n && labels[j] == labels[i])
      ++j;
    if (j >= n) break;
    out.emplace_back(i, j);
    i = j - 1;
  }
  return out;
}

// Rows `rows` of a float32 CPU tensor, copied into a new one.
Tensor gather_rows(const Tensor& x, const std::vector<int64_t>& rows) {
  std::vector<float> values;
  for (int64_t r : rows) {
    const std::vector<float> row = x.slice_rows(r, r + 1).to_vector();
    values.insert(values.end(), row.begin(), row.end());
  }
  std::vector<int64_t> dims = x.shape().dims();
  dims[0] = static_cast<int64_t>(rows.size());
  return Tensor::from_vector(values, Shape(dims));
}

}  // namespace

void write_model_json(const std::string& run_dir, const models::Autoencoder& model,
                      const std::vector<int64_t>& sample_shape) {
  write_file_atomic(path_in(run_dir, kModelJsonFile),
                    models::model_description_json(model, sample_shape));
}

void save_checkpoint(const std::string& run_dir, models::Autoencoder& model,
                     const optim::Optimizer& optimizer, const models::TrainPosition& position) {
  models::commit_checkpoint(
      path_in(run_dir, kModelWeightsFile), path_in(run_dir, kTrainingStateFile),
      [&](const std::string& path) { models::save_model_weights(path, model, &position); },
      [&](const std::string& path) {
        models::save_training_state(path, optimizer, model, position);
      });
}

void write_epoch_pictures(const std::string& run_dir, models::Autoencoder& model,
                          const Tensor& preview, const Tensor& corrupted,
                          const std::string& metrics_jsonl) {
  io::write_png(path_in(run_dir, kReconstructionsPng),
                reconstruction_picture(model, preview, corrupted));
  io::write_png(path_in(run_dir, kLossCurvePng), loss_curve_picture(metrics_jsonl));
  write_report(run_dir);
}

void write_final_pictures(const std::string& run_dir, models::Autoencoder& model,
                          const data::Dataset& fit, const data::Dataset& test, uint64_t seed) {
  Generator gen(seed ^ 0x5a3c9e1dULL);
  const Tensor samples =
      generate_samples(model, first_rows(fit.images, kFitSamples), kSampleCount, gen);
  io::GridOptions grid;
  grid.columns = 8;
  grid.sample_shape = fit.sample_shape().dims();
  io::write_png(path_in(run_dir, kSamplesPng), io::image_grid(samples, grid));

  const auto pairs = interpolation_pairs(test, kInterpolationPairs);
  if (!pairs.empty()) {
    std::vector<int64_t> a, b;
    for (const auto& [i, j] : pairs)
      a.push_back(i), b.push_back(j);
    const Tensor strip = interpolate(model, gather_rows(test.images, a),
                                     gather_rows(test.images, b), kInterpolationSteps);
    io::GridOptions strip_grid = grid;
    strip_grid.columns = static_cast<int>(kInterpolationSteps);
    io::write_png(path_in(run_dir, kInterpolationPng), io::image_grid(strip, strip_grid));
  }

  const Tensor map_inputs = first_rows(test.images, kLatentMapPoints);
  const Projection2d points = project_codes_2d(encode_all(model, map_inputs));
  std::vector<int32_t> labels;
  if (test.labels.defined()) labels = first_rows(test.labels, kLatentMapPoints).to_vector_i32();
  const std::string title =
      points.is_pca ? "latent codes, first two principal components" : "latent codes";
  io::write_png(path_in(run_dir, kLatentMapPng), latent_map_picture(points, labels, title));
  write_report(run_dir);
}

}  // namespace hg::cli
