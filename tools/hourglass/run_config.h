// A run directory's config.json and what later commands rebuild from it. `hourglass train`
// writes the "build" entry (everything that determines the model: preset or spec, dense
// architecture, resolved recipe, sample shape, seed) and copies a spec file into the run
// directory (spec.json / spec.toml), so eval, reconstruct, sample, ... and train --resume rebuild
// exactly the trained model without the original files or flags.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hourglass/core/device.h"
#include "hourglass/models/autoencoder.h"
#include "train_options.h"

namespace hg::cli {

// A recipe as JSON, every field under its Recipe name (config.json's "recipe" and "build"
// entries), and back: recipe_from_json needs every field, with its type (hg::Error naming
// `where` and the field otherwise).
nlohmann::json recipe_json(const models::Recipe& recipe);
models::Recipe recipe_from_json(const nlohmann::json& j, const std::string& where);

// config.json's "build" entry for `run` trained on samples of `sample_shape` with `seed`. For a
// spec, copies the spec file into run_dir as spec.<ext> and records that name.
nlohmann::json build_config_json(const ResolvedRun& run, const std::vector<int64_t>& sample_shape,
                                 uint64_t seed, const std::string& run_dir);

// The inverse: the preset or spec, dense architecture and recipe of a "build" entry (spec files
// read from run_dir). hg::Error naming config.json for anything missing or malformed.
ResolvedRun resolved_run_from_build(const nlohmann::json& build, const std::string& run_dir);

// A fresh model (initial weights) from a resolved run, as `hourglass train` builds it.
std::unique_ptr<models::Autoencoder> build_model(const ResolvedRun& run,
                                                 const std::vector<int64_t>& sample_shape,
                                                 uint64_t seed);

struct LoadedRun {
  std::string dir;
  nlohmann::json config;  // config.json
  ResolvedRun run;
  std::vector<int64_t> sample_shape;
  uint64_t seed = 0;
  std::unique_ptr<models::Autoencoder> model;  // model.safetensors's weights, on the device,
                                               // in eval mode
};

// Reads DIR/config.json and DIR/model.safetensors. hg::Error when DIR is not a run directory
// ("'DIR' has no config.json: not a run directory (see hourglass train --out)"), and for any
// mismatch between the two.
LoadedRun load_run(const std::string& dir, Device device);

}  // namespace hg::cli
