// Writes the generated part of the fuzz seed corpus: small valid files of every binary format a
// target reads, made by the engine's own writers so they follow the formats as they are today.
// Usage: make_seeds OUT_DIR TARGET...  ->  OUT_DIR/<target>/ for every target named (the folder
// libFuzzer adds its finds to), holding the seeds of the binary formats (ctest runs this as the
// fuzz fixture's setup; the text formats' seeds are committed under tests/fuzz/corpus/).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_model.h"
#include "hourglass/core/autograd.h"
#include "hourglass/data/idx.h"
#include "hourglass/io/atomic_file.h"
#include "hourglass/io/npy.h"
#include "hourglass/io/png.h"
#include "hourglass/io/safetensors.h"
#include "hourglass/models/checkpoint.h"

namespace {

namespace fs = std::filesystem;
using hg::Shape;
using hg::Tensor;

std::vector<uint8_t> ramp(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<uint8_t>(i * 37 % 256);
  return v;
}

void idx_seeds(const fs::path& out, const std::string& ext) {
  hg::data::write_idx((out / ("images-idx3-ubyte" + ext)).string(),
                      Tensor::from_vector(ramp(3 * 5 * 4), Shape({3, 5, 4})));
  hg::data::write_idx((out / ("labels-idx1-ubyte" + ext)).string(),
                      Tensor::from_vector(std::vector<uint8_t>{7, 0, 9}, Shape({3})));
}

void npy_seeds(const fs::path& out) {
  hg::io::write_npy(
      (out / "f32.npy").string(),
      Tensor::from_vector(std::vector<float>{0.5f, -1, 2, 3, 4, 1e-3f}, Shape({2, 3})));
  hg::io::write_npy((out / "i32.npy").string(),
                    Tensor::from_vector(std::vector<int32_t>{1, -2, 3, 4}, Shape({4})));
  hg::io::write_npy((out / "u8.npy").string(), Tensor::from_vector(ramp(8), Shape({2, 2, 2})));
  hg::io::write_npy((out / "scalar.npy").string(), Tensor::scalar(1.5f));
}

// A copy of the safetensors file at `path` without its "crc32/..." metadata (as another writer
// would leave it), beside it as <stem>-unchecked.safetensors: the fuzzer can only reach the
// reader's checks past the checksums through files that have none.
void unchecked_copy(const fs::path& path) {
  const std::string bytes = hg::io::read_file(path.string());
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i)
    length = (length << 8) | static_cast<uint8_t>(bytes[i]);
  nlohmann::ordered_json header = nlohmann::ordered_json::parse(bytes.substr(8, length));
  auto& metadata = header["__metadata__"];
  for (auto it = metadata.begin(); it != metadata.end();)
    it = it.key().rfind("crc32/", 0) == 0 ? metadata.erase(it) : std::next(it);
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out;
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xFF));
  hg::io::write_file_atomic(
      (path.parent_path() / (path.stem().string() + "-unchecked.safetensors")).string(),
      out + text + bytes.substr(8 + length));
}

void safetensors_seeds(const fs::path& out) {
  hg::io::save_safetensors(
      (out / "mixed.safetensors").string(),
      {{"w", Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, Shape({2, 3}))},
       {"n", Tensor::from_vector(std::vector<int32_t>{42}, Shape({1}))},
       {"b", Tensor::from_vector(ramp(5), Shape({5}))}},
      {{"format", "pt"}, {"epoch", "3"}});
  unchecked_copy(out / "mixed.safetensors");
}

void png_seeds(const fs::path& out) {
  hg::io::Image image(3, 2, {10, 200, 30});
  image.set(1, 1, {255, 0, 128});
  hg::io::write_png((out / "small.png").string(), image);
}

// Real checkpoint files of the fuzz model: its weights with a training position, the training
// state after one Adam step, and a pre-training state.
void checkpoint_seeds(const fs::path& out) {
  hg::fuzz::FuzzModel m;
  const Tensor x = Tensor::rand(Shape({4, 12}));
  hg::models::Objective objective = m.model->objective(x, x, hg::models::ReconstructionLoss::kBce);
  hg::backward(objective.total);
  m.optimizer->step();
  hg::clear_tape();
  hg::models::TrainPosition position;
  position.epoch = 1;
  position.step = 2;
  position.samples = 8;
  position.total_sum = Tensor::scalar(0.75f);
  position.term_names = {"reconstruction"};
  position.term_sums = {Tensor::scalar(0.75f)};
  hg::models::save_model_weights((out / "model.safetensors").string(), *m.model, &position);
  hg::models::save_training_state((out / "state.safetensors").string(), *m.optimizer, *m.model,
                                  position);
  hg::models::save_pretraining_state((out / "pretrain.safetensors").string(), *m.optimizer,
                                     hg::Generator(5), *m.model,
                                     hg::models::PretrainPosition{1, 2});
  for (const char* name : {"model.safetensors", "state.safetensors", "pretrain.safetensors"})
    unchecked_copy(out / name);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_seeds OUT_DIR TARGET...\n");
    return 2;
  }
  const fs::path root(argv[1]);
  for (int i = 2; i < argc; ++i)
    fs::create_directories(root / argv[i]);
  auto dir = [&](const char* target) {
    fs::create_directories(root / target);
    return root / target;
  };
  try {
    idx_seeds(dir("idx"), "");
    idx_seeds(dir("idx_gz"), ".gz");
    npy_seeds(dir("npy"));
    safetensors_seeds(dir("safetensors"));
    png_seeds(dir("png"));
    checkpoint_seeds(dir("checkpoint"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
