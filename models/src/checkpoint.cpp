// Checkpoints (checkpoint.h): the weights under their state_dict names, model.json built from
// every module's type_name() / torch_arguments(), the training state (optimizer tensors, the
// unfinished epoch's sums, the position and the generators) and the pre-training state (a stacked
// model's current layer: its optimizer and noise) for an exact resume. Loading validates the
// whole file against the model and optimizer before changing anything.
#include "hourglass/models/checkpoint.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hourglass/core/error.h"
#include "hourglass/core/rng.h"
#include "hourglass/io/atomic_file.h"
#include "hourglass/io/safetensors.h"
#include "hourglass/models/tied_linear.h"
#include "hourglass/nn/conv.h"

namespace hg::models {
namespace {

using nlohmann::json;

constexpr const char* kModelFormat = "hourglass.model/1";
constexpr const char* kStateFormat = "hourglass.state/1";

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i ? ", " : "") + names[i];
  return out;
}

std::string format_double(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

const std::string& metadata_at(const io::SafetensorsFile& file, const std::string& path,
                               const std::string& key) {
  const auto found = file.metadata.find(key);
  HG_CHECK(found != file.metadata.end(), path, ": the metadata has no '", key, "' entry");
  return found->second;
}

uint64_t parse_u64(const io::SafetensorsFile& file, const std::string& path,
                   const std::string& key) {
  const std::string& text = metadata_at(file, path, key);
  errno = 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  HG_CHECK(!text.empty() && text[0] != '-' && errno == 0 && end == text.c_str() + text.size(), path,
           ": metadata '", key, "' must be a non-negative decimal integer, found '", text, "'");
  return static_cast<uint64_t>(value);
}

int64_t parse_i64(const io::SafetensorsFile& file, const std::string& path,
                  const std::string& key) {
  const uint64_t value = parse_u64(file, path, key);
  HG_CHECK(value <= static_cast<uint64_t>(INT64_MAX), path, ": metadata '", key,
           "' is out of range: ", value);
  return static_cast<int64_t>(value);
}

double parse_double(const io::SafetensorsFile& file, const std::string& path,
                    const std::string& key) {
  const std::string& text = metadata_at(file, path, key);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  HG_CHECK(!text.empty() && end == text.c_str() + text.size(), path, ": metadata '", key,
           "' must be a number, found '", text, "'");
  return value;
}

void check_float32(const std::string& path, const std::string& name, const Tensor& t) {
  HG_CHECK(t.dtype() == DType::kFloat32, path, ": tensor '", name, "' must be float32, found ",
           dtype_name(t.dtype()));
}

// ---- model.json ----------------------------------------------------------------------------

json module_node(const nn::Module& module, const nn::Module& root) {
  json node{{"type", module.type_name()}};
  if (!module.children().empty()) {
    json children = json::array();
    for (const auto& [name, child] : module.children())
      children.push_back(json::array({name, module_node(*child, root)}));
    node["children"] = children;
    return node;
  }
  node["args"] = json::parse(module.torch_arguments());
  if (const auto* tied = dynamic_cast<const TiedLinear*>(&module)) {
    std::string owner;
    for (const auto& [name, param] : root.named_parameters())
      if (param.same_storage(tied->tied_weight())) owner = name;
    HG_CHECK(!owner.empty(), "model.json: a TiedLinear's weight ", tied->tied_weight(),
             " is none of the model's parameters");
    node["tied_to"] = owner;
  }
  if (const auto* conv = dynamic_cast<const nn::Conv2d*>(&module)) {
    const Conv2dOptions& o = conv->options();
    // Keras 'same' at stride > 1 depends on the input size: the loader pads at run time.
    if (o.padding.mode == Padding2d::Mode::kSame && (o.stride[0] != 1 || o.stride[1] != 1))
      node["pad"] = "same";
  }
  return node;
}

// ---- training state ------------------------------------------------------------------------

std::string optimizer_key(size_t index, const std::string& key) {
  return "optimizer." + std::to_string(index) + "." + key;
}

Device model_device(const nn::Module& model) {
  const auto params = model.parameters();
  return params.empty() ? Device::cpu() : params.front().device();
}

// The optimizer's state tensors (optimizer.<parameter index>.<key>) and metadata.
void add_optimizer_state(const optim::Optimizer& optimizer, io::NamedTensors& tensors,
                         std::map<std::string, std::string>& metadata) {
  const auto& state = optimizer.state();
  for (size_t i = 0; i < state.size(); ++i)
    for (const auto& [key, tensor] : state[i])
      tensors.emplace_back(optimizer_key(i, key), tensor);
  metadata["optimizer.name"] = optimizer.name();
  metadata["optimizer.steps_taken"] = std::to_string(optimizer.steps_taken());
  metadata["optimizer.parameters"] = std::to_string(optimizer.params().size());
}

struct OptimizerState {
  std::vector<std::map<std::string, Tensor>> entries;  // per parameter, on its device
  int64_t steps_taken = 0;
};

// The optimizer state of `file`, checked against `optimizer`: every tensor not in `claimed` must
// be an optimizer.<parameter index>.<key> entry that fits. Changes nothing.
OptimizerState read_optimizer_state(const io::SafetensorsFile& file, const std::string& path,
                                    const optim::Optimizer& optimizer,
                                    const std::set<std::string>& claimed) {
  const std::string& name = metadata_at(file, path, "optimizer.name");
  HG_CHECK(name == optimizer.name(), path, ": the state is of optimizer '", name,
           "', but the run uses '", optimizer.name(), "'");
  const std::vector<Tensor>& params = optimizer.params();
  const uint64_t count = parse_u64(file, path, "optimizer.parameters");
  HG_CHECK(count == params.size(), path, ": the optimizer state covers ", count,
           " parameters, but the optimizer has ", params.size());
  OptimizerState out;
  out.steps_taken = parse_i64(file, path, "optimizer.steps_taken");
  out.entries.resize(params.size());
  for (const auto& [key, tensor] : file.tensors) {
    if (claimed.count(key)) continue;
    HG_CHECK(key.rfind("optimizer.", 0) == 0, path, ": unexpected tensor '", key, "'");
    const std::string rest = key.substr(10);
    const size_t dot = rest.find('.');
    HG_CHECK(dot != std::string::npos && dot > 0 && rest.find_first_not_of("0123456789") == dot,
             path, ": tensor '", key, "' is not named optimizer.<parameter index>.<key>");
    const std::string index_text = rest.substr(0, dot);
    errno = 0;
    const unsigned long long index = std::strtoull(index_text.c_str(), nullptr, 10);
    HG_CHECK(errno == 0, path, ": tensor '", key, "' names parameter index '", index_text,
             "', which is out of range");
    const std::string entry = rest.substr(dot + 1);
    HG_CHECK(index < params.size(), path, ": tensor '", key, "' names parameter ", index,
             ", but the optimizer has ", params.size());
    check_float32(path, key, tensor);
    if (entry == "step") {
      HG_CHECK(tensor.numel() == 1, path, ": tensor '", key, "' must hold one value, found ",
               tensor);
      out.entries[index][entry] = tensor;  // on the CPU, as the optimizer keeps it
    } else {
      HG_CHECK(tensor.shape() == params[index].shape(), path, ": tensor '", key, "' ", tensor,
               " does not match parameter ", index, " ", params[index]);
      out.entries[index][entry] = tensor.to(params[index].device());
    }
  }
  return out;
}

// A generator's seed and offset as the file records them under generator.<name>.
std::pair<uint64_t, uint64_t> read_generator(const io::SafetensorsFile& file,
                                             const std::string& path, const std::string& name) {
  return {parse_u64(file, path, "generator." + name + ".seed"),
          parse_u64(file, path, "generator." + name + ".offset")};
}

void add_generator(const std::string& name, const Generator& gen,
                   std::map<std::string, std::string>& metadata) {
  metadata["generator." + name + ".seed"] = std::to_string(gen.seed());
  metadata["generator." + name + ".offset"] = std::to_string(gen.offset());
}

// The checkpoint position a file's metadata records, in words ("" when none): what
// check_checkpoint_pair compares.
std::string recorded_position(const io::SafetensorsFile& file, const std::string& path) {
  std::ostringstream text;
  if (file.metadata.count("pretrain.layer"))
    text << "pre-training layer " << parse_i64(file, path, "pretrain.layer") + 1 << " after "
         << parse_i64(file, path, "pretrain.epochs_done") << " epochs";
  else if (file.metadata.count("position.epoch"))
    text << "epoch " << parse_i64(file, path, "position.epoch") << ", step "
         << parse_i64(file, path, "position.step") << " ("
         << parse_i64(file, path, "position.samples") << " samples)";
  return text.str();
}

constexpr const char* kPretrainPhase = "pretrain";
constexpr const char* kPretrainNoise = "pretrain_noise";

void save_weights_with(const std::string& path, const nn::Module& model,
                       std::map<std::string, std::string> metadata) {
  metadata["format"] = kModelFormat;
  metadata["class"] = model.type_name();
  io::save_safetensors(path, model.named_parameters(), metadata);
}

}  // namespace

void save_model_weights(const std::string& path, const nn::Module& model,
                        const TrainPosition* position) {
  std::map<std::string, std::string> metadata;
  if (position != nullptr) {
    metadata["position.epoch"] = std::to_string(position->epoch);
    metadata["position.step"] = std::to_string(position->step);
    metadata["position.samples"] = std::to_string(position->samples);
  }
  save_weights_with(path, model, metadata);
}

void save_model_weights(const std::string& path, const nn::Module& model,
                        const PretrainPosition& position) {
  save_weights_with(path, model,
                    {{"pretrain.layer", std::to_string(position.layer)},
                     {"pretrain.epochs_done", std::to_string(position.epochs_done)}});
}

void check_checkpoint_pair(const std::string& weights_path, const std::string& state_path) {
  const std::string saved = recorded_position(io::load_safetensors(weights_path), weights_path);
  if (saved.empty()) return;  // not saved by a checkpoint
  std::string state_at = recorded_position(io::load_safetensors(state_path), state_path);
  if (state_at.empty()) state_at = "no recorded position";
  HG_CHECK(saved == state_at, "the checkpoint files do not belong together: ", weights_path,
           " was saved at ", saved, " but ", state_path, " at ", state_at,
           " (the run stopped between writing them). The weights still load for evaluation; "
           "resuming needs a matching pair, so train a new run");
}

std::string pending_state_path(const std::string& state_path) {
  return state_path + ".next";
}

void commit_checkpoint(const std::string& weights_path, const std::string& state_path,
                       const std::function<void(const std::string&)>& write_weights,
                       const std::function<void(const std::string&)>& write_state) {
  const std::string pending = pending_state_path(state_path);
  write_state(pending);         // the old pair is untouched
  write_weights(weights_path);  // the commit point: the new weights, their state beside them
  io::rename_durable(pending, state_path);
}

void recover_checkpoint(const std::string& weights_path, const std::string& state_path) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(weights_path).parent_path().empty()
                           ? fs::path(".")
                           : fs::path(weights_path).parent_path();
  bool removed = false;
  // Temporaries of interrupted atomic writes: <name>.tmp.<pid> beside the checkpoint files.
  std::error_code ec;
  const std::string weights_name = fs::path(weights_path).filename().string();
  const std::string state_name = fs::path(state_path).filename().string();
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    for (const std::string& base : {weights_name, state_name, state_name + ".next"}) {
      const std::string prefix = base + ".tmp.";
      if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
          name.find_first_not_of("0123456789", prefix.size()) == std::string::npos) {
        fs::remove(entry.path(), ec);
        removed = true;
      }
    }
  }
  const std::string pending = pending_state_path(state_path);
  if (fs::exists(pending)) {
    bool committed = false;
    if (fs::exists(weights_path)) {
      const std::string weights_at =
          recorded_position(io::load_safetensors(weights_path), weights_path);
      committed = !weights_at.empty() &&
                  weights_at == recorded_position(io::load_safetensors(pending), pending);
    }
    if (committed) {
      io::rename_durable(pending, state_path);  // past the commit point: finish it
    } else {
      fs::remove(pending, ec);  // before the commit point: the old pair stands
      removed = true;
    }
  }
  if (removed) io::fsync_directory(dir.string());
}

void load_model_weights(const std::string& path, nn::Module& model) {
  const io::SafetensorsFile file = io::load_safetensors(path);
  const auto params = model.named_parameters();
  std::vector<std::string> missing, unexpected, mismatched;
  std::set<std::string> names;
  for (const auto& [name, param] : params) {
    names.insert(name);
    if (!file.contains(name)) {
      missing.push_back(name);
      continue;
    }
    const Tensor& stored = file.at(name);
    if (stored.dtype() != DType::kFloat32 || stored.shape() != param.shape()) {
      std::ostringstream text;
      text << name << " (file " << stored << ", model " << param << ")";
      mismatched.push_back(text.str());
    }
  }
  for (const auto& [name, tensor] : file.tensors)
    if (!names.count(name)) unexpected.push_back(name);
  HG_CHECK(missing.empty() && unexpected.empty() && mismatched.empty(), path,
           ": the weights do not fit the model ", model.type_name(),
           missing.empty() ? "" : "; missing: ", join(missing),
           unexpected.empty() ? "" : "; unexpected: ", join(unexpected),
           mismatched.empty() ? "" : "; different shape or dtype: ", join(mismatched));
  for (const auto& [name, param] : params)
    Tensor(param).copy_(file.at(name));
}

std::string model_description_json(const Autoencoder& model,
                                   const std::vector<int64_t>& sample_shape) {
  json modules = json::array();
  for (const auto& [name, child] : model.children())
    modules.push_back(json::array({name, module_node(*child, model)}));
  const json description{{"format", kModelFormat},
                         {"class", model.type_name()},
                         {"input_shape", sample_shape},
                         {"output_is_sigmoid", model.output_is_sigmoid()},
                         {"variational", model.is_variational()},
                         {"parameters", model.num_parameters()},
                         {"modules", modules},
                         {"forward", json::parse(model.torch_forward())}};
  return description.dump(2) + "\n";
}

void save_training_state(const std::string& path, const optim::Optimizer& optimizer,
                         Autoencoder& model, const TrainPosition& position) {
  HG_CHECK(position.term_names.size() == position.term_sums.size(),
           "training state: ", position.term_names.size(), " term names but ",
           position.term_sums.size(), " term sums");
  io::NamedTensors tensors;
  std::map<std::string, std::string> metadata;
  add_optimizer_state(optimizer, tensors, metadata);
  if (position.total_sum.defined()) tensors.emplace_back("epoch.total_sum", position.total_sum);
  for (size_t i = 0; i < position.term_names.size(); ++i)
    tensors.emplace_back("epoch.term." + position.term_names[i], position.term_sums[i]);

  metadata.insert({{"format", kStateFormat},
                   {"class", model.type_name()},
                   {"position.epoch", std::to_string(position.epoch)},
                   {"position.step", std::to_string(position.step)},
                   {"position.noise_offset", std::to_string(position.noise_offset)},
                   {"position.samples", std::to_string(position.samples)},
                   {"position.train_seconds", format_double(position.train_seconds)},
                   {"epoch.term_names", json(position.term_names).dump()}});
  add_generator("default", default_generator(), metadata);
  for (const auto& [name, gen] : model.generators())
    add_generator(name, *gen, metadata);
  io::save_safetensors(path, tensors, metadata);
}

TrainPosition load_training_state(const std::string& path, optim::Optimizer& optimizer,
                                  Autoencoder& model) {
  const io::SafetensorsFile file = io::load_safetensors(path);
  const std::string& format = metadata_at(file, path, "format");
  HG_CHECK(format == kStateFormat, path, ": expected format '", kStateFormat, "', found '", format,
           "'");
  HG_CHECK(!file.metadata.count("phase"), path, ": a ", file.metadata.at("phase"),
           " checkpoint, not a training one");

  // Position and epoch sums.
  TrainPosition position;
  position.epoch = parse_i64(file, path, "position.epoch");
  position.step = parse_i64(file, path, "position.step");
  position.noise_offset = parse_u64(file, path, "position.noise_offset");
  position.samples = parse_i64(file, path, "position.samples");
  position.train_seconds = parse_double(file, path, "position.train_seconds");
  json names;
  try {
    names = json::parse(metadata_at(file, path, "epoch.term_names"));
  } catch (const json::exception& e) {
    HG_FAIL(path, ": metadata 'epoch.term_names' is not JSON: ", e.what());
  }
  HG_CHECK(names.is_array(), path, ": metadata 'epoch.term_names' must be a JSON array");
  for (const json& term : names) {
    HG_CHECK(term.is_string(), path, ": metadata 'epoch.term_names' must hold strings");
    position.term_names.push_back(term.get<std::string>());
  }

  // Every tensor must be claimed by exactly one of: an optimizer entry, an epoch sum.
  const Device device = model_device(model);
  std::set<std::string> claimed;
  auto scalar_sum = [&](const std::string& key) {
    const Tensor& t = file.at(key);
    check_float32(path, key, t);
    HG_CHECK(t.numel() == 1, path, ": tensor '", key, "' must hold one value, found ", t);
    claimed.insert(key);
    return t.to(device);
  };
  if (file.contains("epoch.total_sum")) position.total_sum = scalar_sum("epoch.total_sum");
  for (const std::string& term : position.term_names)
    position.term_sums.push_back(scalar_sum("epoch.term." + term));

  const OptimizerState state = read_optimizer_state(file, path, optimizer, claimed);

  // Generators: the file must carry exactly the model's.
  std::vector<std::pair<Generator*, std::pair<uint64_t, uint64_t>>> generators;
  generators.push_back({&default_generator(), read_generator(file, path, "default")});
  for (const auto& [gen_name, gen] : model.generators())
    generators.push_back({gen, read_generator(file, path, gen_name)});

  // Everything fits: apply.
  optimizer.mutable_state() = state.entries;
  optimizer.set_steps_taken(state.steps_taken);
  for (const auto& [gen, seed_offset] : generators)
    gen->set_state(seed_offset.first, seed_offset.second);
  return position;
}

// ---- pre-training state ----------------------------------------------------------------------

void save_pretraining_state(const std::string& path, const optim::Optimizer& optimizer,
                            const Generator& noise, const Autoencoder& model,
                            const PretrainPosition& position) {
  io::NamedTensors tensors;
  std::map<std::string, std::string> metadata{
      {"format", kStateFormat},
      {"class", model.type_name()},
      {"phase", kPretrainPhase},
      {"pretrain.layer", std::to_string(position.layer)},
      {"pretrain.epochs_done", std::to_string(position.epochs_done)}};
  add_optimizer_state(optimizer, tensors, metadata);
  add_generator(kPretrainNoise, noise, metadata);
  add_generator("default", default_generator(), metadata);
  io::save_safetensors(path, tensors, metadata);
}

std::optional<PretrainPosition> load_pretraining_position(const std::string& path) {
  const io::SafetensorsFile file = io::load_safetensors(path);
  const std::string& format = metadata_at(file, path, "format");
  HG_CHECK(format == kStateFormat, path, ": expected format '", kStateFormat, "', found '", format,
           "'");
  const auto phase = file.metadata.find("phase");
  if (phase == file.metadata.end()) return std::nullopt;
  HG_CHECK(phase->second == kPretrainPhase, path, ": unknown checkpoint phase '", phase->second,
           "'");
  PretrainPosition position;
  position.layer = parse_i64(file, path, "pretrain.layer");
  position.epochs_done = parse_i64(file, path, "pretrain.epochs_done");
  const auto [seed, offset] = read_generator(file, path, "default");
  default_generator().set_state(seed, offset);
  return position;
}

void load_pretraining_optimizer(const std::string& path, optim::Optimizer& optimizer,
                                Generator& noise) {
  const io::SafetensorsFile file = io::load_safetensors(path);
  const OptimizerState state = read_optimizer_state(file, path, optimizer, {});
  const auto [seed, offset] = read_generator(file, path, kPretrainNoise);
  HG_CHECK(seed == noise.seed(), path, ": the pre-training noise was seeded ", seed,
           ", but this layer's generator is seeded ", noise.seed());
  optimizer.mutable_state() = state.entries;
  optimizer.set_steps_taken(state.steps_taken);
  noise.set_state(seed, offset);
}

}  // namespace hg::models
