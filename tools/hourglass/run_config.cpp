// config.json's "build" entry: what determines a run's model (preset or copied spec file, dense
// layers, the resolved recipe, sample shape, seed), written by `hourglass train` and read back by
// every command on a trained run, which rebuilds the model and loads model.safetensors into it.
#include "run_config.h"

#include <utility>

#include "hourglass/core/error.h"
#include "hourglass/io/atomic_file.h"
#include "hourglass/io/paths.h"
#include "hourglass/models/checkpoint.h"
#include "hourglass/models/presets.h"
#include "hourglass/models/spec.h"

namespace hg::cli {
namespace {

using io::is_file;
using nlohmann::json;

// Calls visit(name, field) for every Recipe field, so writing and reading share one list.
template <class R, class Visit>
void visit_recipe(R& r, Visit&& visit) {
  visit("loss", r.loss);
  visit("optimizer", r.optimizer);
  visit("lr", r.lr);
  visit("momentum", r.momentum);
  visit("adadelta_rho", r.adadelta_rho);
  visit("adadelta_eps", r.adadelta_eps);
  visit("batch", r.batch);
  visit("epochs", r.epochs);
  visit("pretrain_epochs", r.pretrain_epochs);
  visit("latent", r.latent);
  visit("variant", r.variant);
  visit("tied", r.tied);
  visit("sparsity", r.sparsity);
  visit("l1", r.l1);
  visit("sparsity_weight", r.sparsity_weight);
  visit("rho", r.rho);
  visit("k", r.k);
  visit("alpha", r.alpha);
  visit("k_start", r.k_start);
  visit("anneal_epochs", r.anneal_epochs);
  visit("contractive", r.contractive);
  visit("noise", r.noise);
  visit("noise_level", r.noise_level);
  visit("beta", r.beta);
}

const json& member(const json& j, const char* name, const std::string& where) {
  HG_CHECK(j.is_object(), where, ": expected an object, found ", j.type_name());
  const auto it = j.find(name);
  HG_CHECK(it != j.end(), where, ": missing '", name, "'");
  return *it;
}

// Typed reads of one JSON value; `where` names it in messages ("run/config.json: build.seed").
void read_value(const json& v, const std::string& where, std::string& out) {
  HG_CHECK(v.is_string(), where, ": expected a string, found ", v.dump());
  out = v.get<std::string>();
}
void read_value(const json& v, const std::string& where, float& out) {
  HG_CHECK(v.is_number(), where, ": expected a number, found ", v.dump());
  out = v.get<float>();
}
void read_value(const json& v, const std::string& where, int64_t& out) {
  HG_CHECK(v.is_number_integer(), where, ": expected an integer, found ", v.dump());
  out = v.get<int64_t>();
}
void read_value(const json& v, const std::string& where, uint64_t& out) {
  HG_CHECK(v.is_number_unsigned(), where, ": expected a non-negative integer, found ", v.dump());
  out = v.get<uint64_t>();
}
void read_value(const json& v, const std::string& where, bool& out) {
  HG_CHECK(v.is_boolean(), where, ": expected true or false, found ", v.dump());
  out = v.get<bool>();
}
void read_value(const json& v, const std::string& where, std::vector<int64_t>& out) {
  HG_CHECK(v.is_array(), where, ": expected an array of integers, found ", v.dump());
  out.clear();
  for (const json& e : v) {
    HG_CHECK(e.is_number_integer(), where, ": expected an array of integers, found ", v.dump());
    out.push_back(e.get<int64_t>());
  }
}

template <class T>
T read_member(const json& j, const char* name, const std::string& where) {
  T value{};
  read_value(member(j, name, where), where + "." + name, value);
  return value;
}

// ".toml" or ".json": the extension the spec parser chooses its format by.
std::string spec_extension(const std::string& file) {
  const size_t dot = file.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : file.substr(dot);
  HG_CHECK(ext == ".toml" || ext == ".json", "spec file '", file,
           "': expected a .toml or .json file");
  return ext;
}

json dense_json(const models::DenseArchitecture& d) {
  return {{"hidden", d.hidden},
          {"hidden_activation", d.hidden_activation},
          {"code_activation", d.code_activation},
          {"output_activation", d.output_activation}};
}

models::DenseArchitecture dense_from_json(const json& j, const std::string& where) {
  models::DenseArchitecture d;
  d.hidden = read_member<std::vector<int64_t>>(j, "hidden", where);
  d.hidden_activation = read_member<std::string>(j, "hidden_activation", where);
  d.code_activation = read_member<std::string>(j, "code_activation", where);
  d.output_activation = read_member<std::string>(j, "output_activation", where);
  return d;
}

}  // namespace

json recipe_json(const models::Recipe& recipe) {
  json j = json::object();
  visit_recipe(recipe, [&](const char* name, const auto& field) { j[name] = field; });
  return j;
}

models::Recipe recipe_from_json(const json& j, const std::string& where) {
  HG_CHECK(j.is_object(), where, ": expected an object, found ", j.type_name());
  models::Recipe recipe;
  visit_recipe(recipe, [&](const char* name, auto& field) {
    read_value(member(j, name, where), where + "." + name, field);
  });
  return recipe;
}

json build_config_json(const ResolvedRun& run, const std::vector<int64_t>& sample_shape,
                       uint64_t seed, const std::string& run_dir) {
  HG_CHECK((run.preset != nullptr) != run.spec.has_value(),
           "build_config_json: a run is built from exactly one of a preset and a spec");
  json build = {{"preset", nullptr},
                {"spec", nullptr},
                {"dense", run.dense ? dense_json(*run.dense) : json(nullptr)},
                {"recipe", recipe_json(run.recipe)},
                {"overrides", run.overrides},
                {"sample_shape", sample_shape},
                {"seed", seed}};
  if (run.preset != nullptr) {
    build["preset"] = run.preset->name;
  } else {
    // The copy makes the run directory self-contained: later commands read spec.<ext>, never the
    // original path (which may move or change).
    const std::string name = "spec" + spec_extension(run.spec->file);
    const std::string copy = run_dir + "/" + name;
    const std::string text = io::read_file(run.spec->file);
    io::write_file_atomic(copy, text);
    build["spec"] = {{"file", name}, {"source", run.spec->file}, {"name", run.spec->name}};
  }
  return build;
}

ResolvedRun resolved_run_from_build(const json& build, const std::string& run_dir) {
  const std::string where = run_dir + "/config.json: build";
  HG_CHECK(build.is_object(), where, ": expected an object, found ", build.type_name());
  ResolvedRun run;
  const json& preset = member(build, "preset", where);
  const json& spec = member(build, "spec", where);
  HG_CHECK(preset.is_null() != spec.is_null(), where,
           ": expected exactly one of 'preset' and 'spec', found ",
           preset.is_null() ? "neither" : "both");
  if (!preset.is_null()) {
    std::string name;
    read_value(preset, where + ".preset", name);
    try {
      run.preset = &models::find_preset(name);
    } catch (const Error& e) {
      HG_FAIL(where, ".preset: ", e.what());
    }
  } else {
    const std::string file = read_member<std::string>(spec, "file", where + ".spec");
    const std::string path = run_dir + "/" + file;
    HG_CHECK(is_file(path), where, ".spec names '", file, "', which is not in ", run_dir);
    run.spec = models::load_model_spec(path);
  }
  const json& dense = member(build, "dense", where);
  if (!dense.is_null()) {
    HG_CHECK(run.preset != nullptr, where, ": 'dense' layers apply to presets only");
    run.dense = dense_from_json(dense, where + ".dense");
  }
  run.recipe = recipe_from_json(member(build, "recipe", where), where + ".recipe");
  const json& overrides = member(build, "overrides", where);
  HG_CHECK(overrides.is_array(), where, ".overrides: expected an array, found ", overrides.dump());
  for (const json& o : overrides) {
    HG_CHECK(o.is_string(), where, ".overrides: expected strings, found ", o.dump());
    run.overrides.push_back(o.get<std::string>());
  }
  try {
    if (run.preset != nullptr) {
      models::check_preset_recipe(*run.preset, run.recipe, run.dense ? &*run.dense : nullptr);
    } else {
      models::validate_recipe(run.recipe);
    }
  } catch (const Error& e) {
    HG_FAIL(where, ".recipe: ", e.what());
  }
  return run;
}

std::unique_ptr<models::Autoencoder> build_model(const ResolvedRun& run,
                                                 const std::vector<int64_t>& sample_shape,
                                                 uint64_t seed) {
  if (run.preset != nullptr) {
    return models::build_preset(*run.preset, run.recipe, sample_shape, seed,
                                run.dense ? &*run.dense : nullptr);
  }
  HG_CHECK(run.spec.has_value(), "build_model: the run has neither a preset nor a spec");
  return models::build_spec_model(*run.spec, run.recipe, sample_shape, seed);
}

LoadedRun load_run(const std::string& dir, Device device) {
  const std::string config_path = dir + "/config.json";
  HG_CHECK(is_file(config_path), "'", dir,
           "' has no config.json: not a run directory (see hourglass train --out)");
  LoadedRun loaded;
  loaded.dir = dir;
  try {
    loaded.config = json::parse(io::read_file(config_path));
  } catch (const json::exception& e) {
    HG_FAIL(config_path, ": not valid JSON (", e.what(), ")");
  }
  HG_CHECK(loaded.config.is_object() && loaded.config.contains("build"), config_path,
           " has no \"build\" entry: it was written by an older hourglass; train the run again");
  const json& build = loaded.config["build"];
  loaded.run = resolved_run_from_build(build, dir);
  const std::string where = config_path + ": build";
  loaded.sample_shape = read_member<std::vector<int64_t>>(build, "sample_shape", where);
  HG_CHECK(!loaded.sample_shape.empty(), where, ".sample_shape: expected at least one dimension");
  for (int64_t d : loaded.sample_shape)
    HG_CHECK(d > 0, where, ".sample_shape: expected positive sizes, found ", d);
  loaded.seed = read_member<uint64_t>(build, "seed", where);

  const std::string weights = dir + "/model.safetensors";
  HG_CHECK(is_file(weights), "'", dir,
           "' has no model.safetensors: the run has not finished an epoch yet");
  loaded.model = build_model(loaded.run, loaded.sample_shape, loaded.seed);
  models::load_model_weights(weights, *loaded.model);
  loaded.model->to(device);
  loaded.model->eval();
  return loaded;
}

}  // namespace hg::cli
