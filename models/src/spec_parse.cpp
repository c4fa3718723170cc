// Reading model spec files: TOML is converted to the same JSON tree as a .json file, and one
// strict reader turns that tree into a ModelSpec, naming the file and the entry in every error.
// toml++ is used header-only (its default), so libhourglass.a needs no TOML library to link.
#include <toml++/toml.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/io/toml_text.h"
#include "hourglass/models/spec.h"

namespace hg::models {
namespace {

using nlohmann::json;

json toml_to_json(const toml::node& node, const std::string& file) {
  if (const toml::table* table = node.as_table()) {
    json out = json::object();
    for (const auto& [key, value] : *table)
      out[io::unshield_toml_string(key.str())] = toml_to_json(value, file);
    return out;
  }
  if (const toml::array* array = node.as_array()) {
    json out = json::array();
    for (const toml::node& value : *array)
      out.push_back(toml_to_json(value, file));
    return out;
  }
  if (const auto* text = node.as_string()) return io::unshield_toml_string(text->get());
  if (const auto* integer = node.as_integer()) return integer->get();
  if (const auto* real = node.as_floating_point()) return real->get();
  if (const auto* boolean = node.as_boolean()) return boolean->get();
  HG_FAIL(file, ":", node.source().begin.line,
          ": dates and times have no meaning in a model spec; expected a string, number, boolean, "
          "array or table");
}

std::string type_of(const json& value) {
  return value.is_number_integer() ? "integer" : value.type_name();
}

// Reads one entry's fields, remembering which were used so that unknown ones are reported.
class Fields {
 public:
  Fields(const json& object, std::string context) : object_(object), context_(std::move(context)) {}

  bool has(const std::string& key) {
    used_.push_back(key);
    return object_.contains(key);
  }
  const json& at(const std::string& key) { return object_.at(key); }

  [[noreturn]] void fail(const std::string& key, const std::string& expected) {
    HG_FAIL(context_, ": field '", key, "' must be ", expected, ", got ", object_.at(key).dump());
  }
  [[noreturn]] void missing(const std::string& key, const std::string& what) {
    HG_FAIL(context_, ": missing field '", key, "' (", what, ")");
  }

  int64_t integer(const std::string& key, int64_t fallback, bool required = false,
                  const std::string& what = "") {
    if (!has(key)) {
      if (required) missing(key, what);
      return fallback;
    }
    const json& v = at(key);
    if (!v.is_number_integer()) fail(key, "an integer");
    return v.get<int64_t>();
  }
  // An integer or a pair [h, w].
  std::array<int64_t, 2> pair(const std::string& key, std::array<int64_t, 2> fallback,
                              bool required = false, const std::string& what = "") {
    if (!has(key)) {
      if (required) missing(key, what);
      return fallback;
    }
    const json& v = at(key);
    if (v.is_number_integer()) return {v.get<int64_t>(), v.get<int64_t>()};
    if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer())
      return {v[0].get<int64_t>(), v[1].get<int64_t>()};
    fail(key, "an integer or a pair [h, w] of integers");
  }
  double number(const std::string& key, double fallback) {
    if (!has(key)) return fallback;
    const json& v = at(key);
    if (!v.is_number()) fail(key, "a number");
    return v.get<double>();
  }
  bool boolean(const std::string& key, bool fallback) {
    if (!has(key)) return fallback;
    const json& v = at(key);
    if (!v.is_boolean()) fail(key, "true or false");
    return v.get<bool>();
  }
  std::string text(const std::string& key, const std::string& fallback) {
    if (!has(key)) return fallback;
    const json& v = at(key);
    if (!v.is_string()) fail(key, "a string");
    return v.get<std::string>();
  }

  // hg::Error for the first field that no reader asked for.
  void check_all_used(const std::string& known) const {
    for (const auto& item : object_.items()) {
      bool used = false;
      for (const std::string& key : used_)
        used = used || key == item.key();
      HG_CHECK(used, context_, ": unknown field '", item.key(), "' (expected ", known, ")");
    }
  }

 private:
  const json& object_;
  std::string context_;
  std::vector<std::string> used_;
};

const char* kLayerTypes =
    "linear, conv2d, conv_transpose2d, max_pool2d, avg_pool2d, upsample, flatten, unflatten, "
    "relu, leaky_relu, sigmoid, tanh, softplus, identity";

bool is_activation(const std::string& type) {
  return type == "relu" || type == "leaky_relu" || type == "sigmoid" || type == "tanh" ||
         type == "softplus" || type == "identity";
}

int64_t read_out(Fields& f, const std::string& what) {
  if (f.has("out") && f.at("out").is_string()) {
    if (f.at("out").get<std::string>() != "input") f.fail("out", "an integer or \"input\"");
    return kOutInput;
  }
  const int64_t out = f.integer("out", 0, true, what);
  if (out < 1) f.fail("out", "a positive integer or \"input\"");
  return out;
}

void check_positive(Fields& f, const std::string& key, const std::array<int64_t, 2>& v) {
  if (v[0] < 1 || v[1] < 1) f.fail(key, "positive");
}
void check_non_negative(Fields& f, const std::string& key, const std::array<int64_t, 2>& v) {
  if (v[0] < 0 || v[1] < 0) f.fail(key, ">= 0");
}

LayerSpec parse_layer(const json& entry, const std::string& where, const std::string& file) {
  LayerSpec layer;
  layer.where = where;
  if (entry.is_string()) {
    layer.type = entry.get<std::string>();
    const std::string context = file + ": " + where + " (" + layer.type + ")";
    HG_CHECK(is_activation(layer.type) || layer.type == "flatten", context,
             ": only activations and flatten can be given by name alone; write { layer = \"",
             layer.type, "\", ... } with its fields");
    return layer;
  }
  HG_CHECK(entry.is_object(), file, ": ", where,
           ": expected a layer (a table such as { layer = \"linear\", out = 64 } or an "
           "activation's name), got ",
           entry.dump());
  HG_CHECK(entry.contains("layer"), file, ": ", where, ": missing field 'layer' (one of ",
           kLayerTypes, ")");
  HG_CHECK(entry.at("layer").is_string(), file, ": ", where,
           ": field 'layer' must be a string, got ", entry.at("layer").dump());
  layer.type = entry.at("layer").get<std::string>();
  Fields f(entry, file + ": " + where + " (" + layer.type + ")");
  f.has("layer");
  const std::string& t = layer.type;
  if (t == "linear") {
    layer.out = read_out(f, "the output features");
    layer.bias = f.boolean("bias", true);
    f.check_all_used("layer, out, bias");
  } else if (t == "conv2d" || t == "conv_transpose2d") {
    layer.out = read_out(f, "the output channels");
    layer.kernel = f.pair("kernel", {0, 0}, true, "the kernel size");
    check_positive(f, "kernel", layer.kernel);
    layer.stride = f.pair("stride", {1, 1});
    check_positive(f, "stride", layer.stride);
    if (t == "conv2d" && f.has("padding") && f.at("padding").is_string()) {
      layer.padding_mode = f.at("padding").get<std::string>();
      if (layer.padding_mode != "same" && layer.padding_mode != "valid")
        f.fail("padding", "an integer, a pair, \"same\" or \"valid\"");
    } else {
      layer.padding = f.pair("padding", {0, 0});
      check_non_negative(f, "padding", layer.padding);
    }
    if (t == "conv_transpose2d") {
      layer.output_padding = f.pair("output_padding", {0, 0});
      check_non_negative(f, "output_padding", layer.output_padding);
    }
    layer.bias = f.boolean("bias", true);
    f.check_all_used(t == "conv2d" ? "layer, out, kernel, stride, padding, bias"
                                   : "layer, out, kernel, stride, padding, output_padding, bias");
  } else if (t == "max_pool2d" || t == "avg_pool2d") {
    layer.kernel = f.pair("kernel", {0, 0}, true, "the window size");
    check_positive(f, "kernel", layer.kernel);
    layer.stride = f.pair("stride", layer.kernel);
    check_positive(f, "stride", layer.stride);
    layer.padding = f.pair("padding", {0, 0});
    check_non_negative(f, "padding", layer.padding);
    layer.ceil_mode = f.boolean("ceil_mode", false);
    f.check_all_used("layer, kernel, stride, padding, ceil_mode");
  } else if (t == "upsample") {
    layer.scale = f.integer("scale", 2);
    if (layer.scale < 1) f.fail("scale", "a positive integer");
    layer.mode = f.text("mode", "nearest");
    if (layer.mode != "nearest" && layer.mode != "bilinear") f.fail("mode", "nearest or bilinear");
    f.check_all_used("layer, scale, mode");
  } else if (t == "unflatten") {
    if (!f.has("shape")) f.missing("shape", "the per-sample shape, e.g. [8, 7, 7]");
    const json& shape = f.at("shape");
    if (!shape.is_array() || shape.empty()) f.fail("shape", "a non-empty array of integers");
    for (const json& d : shape) {
      if (!d.is_number_integer() || d.get<int64_t>() < 1)
        f.fail("shape", "a non-empty array of positive integers");
      layer.shape.push_back(d.get<int64_t>());
    }
    f.check_all_used("layer, shape");
  } else if (t == "leaky_relu") {
    layer.negative_slope = static_cast<float>(f.number("negative_slope", 0.01));
    f.check_all_used("layer, negative_slope");
  } else if (t == "flatten" || is_activation(t)) {
    f.check_all_used("layer");
  } else {
    HG_FAIL(file, ": ", where, ": unknown layer '", t, "' (expected one of ", kLayerTypes, ")");
  }
  return layer;
}

std::vector<LayerSpec> parse_layers(const json& root, const std::string& key,
                                    const std::string& file) {
  HG_CHECK(root.contains(key), file, ": missing '", key, "' (the list of its layers)");
  const json& list = root.at(key);
  HG_CHECK(list.is_array() && !list.empty(), file, ": '", key,
           "' must be a non-empty list of layers, got ", list.dump());
  std::vector<LayerSpec> layers;
  for (size_t i = 0; i < list.size(); ++i)
    layers.push_back(parse_layer(list[i], key + "[" + std::to_string(i) + "]", file));
  return layers;
}

// Applies the file's [options] to `recipe`, field by field, with the command line's names.
void parse_options(const json& options, const std::string& file, Recipe& r,
                   std::vector<std::string>& set) {
  HG_CHECK(options.is_object(), file, ": 'options' must be a table, got ", options.dump());
  Fields f(options, file + ": options");
  auto note = [&](const std::string& key) {
    const bool given = f.has(key);
    if (given) set.push_back(key);
    return given;
  };
  auto positive_int = [&](const std::string& key, int64_t& field, int64_t min) {
    if (!note(key)) return;
    field = f.integer(key, field);
    if (field < min) f.fail(key, ">= " + std::to_string(min));
  };
  auto real = [&](const std::string& key, float& field) {
    if (note(key)) field = static_cast<float>(f.number(key, field));
  };
  auto text = [&](const std::string& key, std::string& field) {
    if (note(key)) field = f.text(key, field);
  };
  text("variant", r.variant);
  text("loss", r.loss);
  text("optimizer", r.optimizer);
  real("lr", r.lr);
  real("momentum", r.momentum);
  real("adadelta_rho", r.adadelta_rho);
  real("adadelta_eps", r.adadelta_eps);
  positive_int("batch", r.batch, 1);
  positive_int("epochs", r.epochs, 1);
  positive_int("latent", r.latent, 1);
  if (note("tied")) r.tied = f.boolean("tied", false);
  text("sparsity", r.sparsity);
  real("l1", r.l1);
  real("sparsity_weight", r.sparsity_weight);
  real("rho", r.rho);
  positive_int("k", r.k, 1);
  real("alpha", r.alpha);
  positive_int("k_start", r.k_start, 0);
  positive_int("anneal_epochs", r.anneal_epochs, 0);
  real("contractive", r.contractive);
  text("noise", r.noise);
  real("noise_level", r.noise_level);
  real("beta", r.beta);
  f.check_all_used(
      "variant, loss, optimizer, lr, momentum, adadelta_rho, adadelta_eps, batch, epochs, latent, "
      "tied, sparsity, l1, sparsity_weight, rho, k, alpha, k_start, anneal_epochs, contractive, "
      "noise, noise_level, beta");
  try {
    validate_recipe(r);
  } catch (const Error& e) {
    HG_FAIL(file, ": options: ", e.what());
  }
}

std::string stem_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = name.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

}  // namespace

Recipe spec_default_recipe() {
  Recipe r;
  r.loss = "bce";
  r.optimizer = "adam";
  r.lr = 1e-3f;
  r.batch = 128;
  r.epochs = 10;
  return r;
}

ModelSpec parse_model_spec(const std::string& text, const std::string& format,
                           const std::string& file) {
  json root;
  if (format == "json") {
    try {
      root = json::parse(text);
    } catch (const json::exception& e) {  // syntax errors, and numbers out of range (1e999)
      HG_FAIL(file, ": not valid JSON: ", e.what());
    }
  } else if (format == "toml") {
    try {
      root = toml_to_json(toml::parse(io::shield_toml_text(text, file), file), file);
    } catch (const toml::parse_error& e) {
      HG_FAIL(file, ":", e.source().begin.line, ":", e.source().begin.column,
              ": not valid TOML: ", io::unshield_toml_string(e.description()));
    }
  } else {
    HG_FAIL(file, ": unknown spec format '", format, "': expected json or toml");
  }
  HG_CHECK(root.is_object(), file,
           ": a model spec must be a table (object) with 'encoder' and "
           "'decoder' lists, got ",
           type_of(root));

  ModelSpec spec;
  spec.file = file;
  spec.name = stem_of(file);
  Fields top(root, file);
  if (top.has("name")) spec.name = top.text("name", spec.name);
  top.has("description");  // free text for the reader
  top.has("encoder");
  top.has("decoder");
  spec.encoder = parse_layers(root, "encoder", file);
  spec.decoder = parse_layers(root, "decoder", file);
  spec.recipe = spec_default_recipe();
  if (top.has("options")) parse_options(root.at("options"), file, spec.recipe, spec.options_set);
  top.check_all_used("name, description, encoder, decoder, options");
  return spec;
}

ModelSpec load_model_spec(const std::string& path) {
  const size_t dot = path.find_last_of('.');
  const std::string extension = dot == std::string::npos ? "" : path.substr(dot + 1);
  HG_CHECK(extension == "json" || extension == "toml", path,
           ": a model spec file must end in .json or .toml");
  std::ifstream in(path, std::ios::binary);
  HG_CHECK(in.good(), path, ": cannot open the model spec file");
  std::stringstream text;
  text << in.rdbuf();
  HG_CHECK(!in.bad(), path, ": error while reading the model spec file");
  return parse_model_spec(text.str(), extension, path);
}

}  // namespace hg::models
