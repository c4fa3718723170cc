// What `hourglass train` writes into the run directory as it goes, besides config.json and
// metrics.jsonl: the checkpoint (model.safetensors, state.safetensors; model.json once), the
// pictures after each epoch and at the end, and report.html.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hourglass/core/tensor.h"
#include "hourglass/data/dataset.h"
#include "hourglass/models/autoencoder.h"
#include "hourglass/models/trainer.h"
#include "hourglass/optim/optimizer.h"

namespace hg::cli {

constexpr const char* kModelWeightsFile = "model.safetensors";
constexpr const char* kModelJsonFile = "model.json";
constexpr const char* kTrainingStateFile = "state.safetensors";
// How many test samples reconstructions.png shows.
constexpr int64_t kPreviewSamples = 16;

// model.json, written once per run.
void write_model_json(const std::string& run_dir, const models::Autoencoder& model,
                      const std::vector<int64_t>& sample_shape);

// The weights and the training state, committed as one (models::commit_checkpoint).
void save_checkpoint(const std::string& run_dir, models::Autoencoder& model,
                     const optim::Optimizer& optimizer, const models::TrainPosition& position);

// The pictures a run shows while it trains: reconstructions of `preview` (the first test
// samples; with a corruption, `corrupted` holds their corrupted versions) and the loss curves
// of `metrics_jsonl`; then report.html.
void write_epoch_pictures(const std::string& run_dir, models::Autoencoder& model,
                          const Tensor& preview, const Tensor& corrupted,
                          const std::string& metrics_jsonl);

// At the end of training: samples, an interpolation strip between test samples of different
// labels, and the latent map of up to 2,000 test samples; then report.html. `fit` are training
// inputs to fit the code density of non-variational models.
void write_final_pictures(const std::string& run_dir, models::Autoencoder& model,
                          const data::Dataset& fit, const data::Dataset& test, uint64_t seed);

}  // namespace hg::cli
