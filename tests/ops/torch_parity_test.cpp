// The spatial ops against PyTorch itself. Fresh random inputs, weights and upstream gradients
// for a list of cases (Conv2d with stride / padding / dilation, Keras 'same' done in torch as
// F.pad then conv, ConvTranspose2d with output_padding, MaxPool2d with ceil mode and padding,
// AvgPool2d with count_include_pad=False, nearest and bilinear Upsample) are written to a
// temporary directory as raw little-endian float32 files with a JSON manifest; then
// tests/torch/conv_parity.py computes torch's forward and backward and writes them back, and
// every device compares its own forward and gradients with torch's.
//
// Tolerance: |got - torch| <= 1e-4 + 1e-4 |torch| per element; 5e-4 + 1e-4 |torch| for the cases
// the CPU runs with Winograd F(2x2, 5x5), whose transforms round about 30x more than a direct sum
// (kernels/cpu/winograd_conv.h; the worst of 10 seeds here was 1.7e-4). The per-case and per-op
// maximum errors are printed and recorded as test properties (the relative error is taken over
// elements with |torch| >= 1e-2, where it means something).
//
// Without a Python that imports torch ($HG_PYTHON, default /usr/bin/python3) the test skips,
// unless HG_REQUIRE_TORCH=1 (CI), where it fails.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "hourglass/hourglass.h"
#include "support/op_harness.h"
#include "support/requirements.h"

namespace hg::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---- the cases --------------------------------------------------------------------------------

struct ParityInput {
  std::string name;  // x, weight, bias
  Shape shape;
};

struct ParityCase {
  std::string name;  // unique, used in file names
  std::string op;    // conv2d, conv_transpose2d, max_pool2d, avg_pool2d, upsample2d
  std::vector<ParityInput> inputs;
  json params;  // what the Python side needs to run the same op in torch
  std::function<Tensor(const std::vector<Tensor>&)> run;
  double abs_tolerance = 1e-4;
};

// A case the CPU backend runs with its Winograd kernels: the looser absolute tolerance.
ParityCase winograd(ParityCase c) {
  c.abs_tolerance = 5e-4;
  return c;
}

json pair(const std::array<int64_t, 2>& v) {
  return json::array({v[0], v[1]});
}

ParityCase conv_case(std::string name, Shape x, Shape w, bool bias, Conv2dOptions o) {
  ParityCase c{std::move(name), "conv2d", {{"x", x}, {"weight", w}}, json::object(), nullptr};
  if (bias) c.inputs.push_back({"bias", Shape{w[0]}});
  c.params = {{"stride", pair(o.stride)}, {"dilation", pair(o.dilation)}};
  if (o.padding.mode == Padding2d::Mode::kSame)
    c.params["padding"] = "same";
  else if (o.padding.mode == Padding2d::Mode::kValid)
    c.params["padding"] = json::array({0, 0});
  else
    c.params["padding"] = json::array({o.padding.h, o.padding.w});
  c.run = [o, bias](const std::vector<Tensor>& in) {
    return conv2d(in[0], in[1], bias ? in[2] : Tensor(), o);
  };
  return c;
}

ParityCase conv_transpose_case(std::string name, Shape x, Shape w, bool bias,
                               ConvTranspose2dOptions o) {
  ParityCase c{
      std::move(name), "conv_transpose2d", {{"x", x}, {"weight", w}}, json::object(), nullptr};
  if (bias) c.inputs.push_back({"bias", Shape{w[1]}});
  c.params = {{"stride", pair(o.stride)},
              {"padding", pair(o.padding)},
              {"output_padding", pair(o.output_padding)},
              {"dilation", pair(o.dilation)}};
  c.run = [o, bias](const std::vector<Tensor>& in) {
    return conv_transpose2d(in[0], in[1], bias ? in[2] : Tensor(), o);
  };
  return c;
}

ParityCase pool_case(std::string name, bool max, Shape x, Pool2dOptions o) {
  ParityCase c{
      std::move(name), max ? "max_pool2d" : "avg_pool2d", {{"x", x}}, json::object(), nullptr};
  const std::array<int64_t, 2> stride{o.stride[0] ? o.stride[0] : o.kernel[0],
                                      o.stride[1] ? o.stride[1] : o.kernel[1]};
  c.params = {{"kernel", pair(o.kernel)},
              {"stride", pair(stride)},
              {"padding", pair(o.padding)},
              {"ceil_mode", o.ceil_mode},
              {"count_include_pad", o.count_include_pad}};
  c.run = [o, max](const std::vector<Tensor>& in) {
    return max ? max_pool2d(in[0], o) : avg_pool2d(in[0], o);
  };
  return c;
}

ParityCase upsample_case(std::string name, Shape x, int64_t sh, int64_t sw, UpsampleMode mode) {
  ParityCase c{std::move(name), "upsample2d", {{"x", x}}, json::object(), nullptr};
  c.params = {{"scale", json::array({sh, sw})},
              {"mode", mode == UpsampleMode::kNearest ? "nearest" : "bilinear"}};
  c.run = [sh, sw, mode](const std::vector<Tensor>& in) { return upsample2d(in[0], sh, sw, mode); };
  return c;
}

std::vector<ParityCase> parity_cases() {
  auto conv_o = [](std::array<int64_t, 2> s, Padding2d p, std::array<int64_t, 2> d) {
    Conv2dOptions o;
    o.stride = s, o.padding = p, o.dilation = d;
    return o;
  };
  auto tconv_o = [](std::array<int64_t, 2> s, std::array<int64_t, 2> p, std::array<int64_t, 2> op,
                    std::array<int64_t, 2> d) {
    ConvTranspose2dOptions o;
    o.stride = s, o.padding = p, o.output_padding = op, o.dilation = d;
    return o;
  };
  auto pool_o = [](std::array<int64_t, 2> k, std::array<int64_t, 2> s, std::array<int64_t, 2> p,
                   bool ceil, bool include_pad) {
    Pool2dOptions o;
    o.kernel = k, o.stride = s, o.padding = p, o.ceil_mode = ceil;
    o.count_include_pad = include_pad;
    return o;
  };
  return {
      conv_case("conv2d_k3_p1", Shape{2, 3, 9, 8}, Shape{4, 3, 3, 3}, true,
                conv_o({1, 1}, Padding2d::symmetric(1), {1, 1})),
      conv_case("conv2d_stride_dilation", Shape{2, 2, 11, 10}, Shape{3, 2, 3, 2}, true,
                conv_o({2, 3}, Padding2d::explicit_(2, 1), {2, 1})),
      conv_case("conv2d_k5_valid_nobias", Shape{1, 1, 12, 12}, Shape{5, 1, 5, 5}, false,
                conv_o({1, 1}, Padding2d::valid(), {1, 1})),
      // 5x5 with 8+ channels and batch 2: the CPU's Winograd kernels (kernels/cpu/winograd_conv.h)
      // in all three passes, odd output sizes.
      winograd(conv_case("conv2d_k5_p2_winograd", Shape{2, 9, 11, 10}, Shape{12, 9, 5, 5}, true,
                         conv_o({1, 1}, Padding2d::symmetric(2), {1, 1}))),
      conv_case("conv2d_k4_s2", Shape{2, 3, 10, 9}, Shape{2, 3, 4, 4}, true,
                conv_o({2, 2}, Padding2d::valid(), {1, 1})),
      conv_case("conv2d_keras_same_s2", Shape{2, 3, 9, 8}, Shape{4, 3, 4, 3}, true,
                conv_o({2, 2}, Padding2d::same(), {1, 1})),
      conv_case("conv2d_keras_same_s1", Shape{1, 2, 7, 7}, Shape{3, 2, 3, 3}, true,
                conv_o({1, 1}, Padding2d::same(), {1, 1})),
      conv_case("conv2d_1x1_s2", Shape{2, 5, 7, 6}, Shape{3, 5, 1, 1}, true,
                conv_o({2, 2}, Padding2d::valid(), {1, 1})),
      conv_transpose_case("conv_transpose2d_k3_s2_p1_op1", Shape{2, 4, 4, 5}, Shape{4, 3, 3, 3},
                          true, tconv_o({2, 2}, {1, 1}, {1, 1}, {1, 1})),
      conv_transpose_case("conv_transpose2d_k4_s2", Shape{1, 3, 4, 4}, Shape{3, 2, 4, 4}, true,
                          tconv_o({2, 2}, {0, 0}, {0, 0}, {1, 1})),
      conv_transpose_case("conv_transpose2d_dilation2_op1", Shape{2, 2, 3, 4}, Shape{2, 3, 3, 2},
                          false, tconv_o({1, 2}, {1, 0}, {1, 1}, {2, 2})),
      conv_transpose_case("conv_transpose2d_k5", Shape{1, 3, 5, 5}, Shape{3, 1, 5, 5}, true,
                          tconv_o({1, 1}, {0, 0}, {0, 0}, {1, 1})),
      winograd(conv_transpose_case("conv_transpose2d_k5_winograd", Shape{2, 16, 7, 6},
                                   Shape{16, 8, 5, 5}, true,
                                   tconv_o({1, 1}, {0, 0}, {0, 0}, {1, 1}))),
      pool_case("max_pool2d_k2", true, Shape{2, 3, 8, 6},
                pool_o({2, 2}, {0, 0}, {0, 0}, false, true)),
      pool_case("max_pool2d_k2_ceil", true, Shape{2, 2, 7, 9},
                pool_o({2, 2}, {0, 0}, {0, 0}, true, true)),
      pool_case("max_pool2d_k3_s2_p1", true, Shape{1, 3, 9, 8},
                pool_o({3, 3}, {2, 2}, {1, 1}, false, true)),
      pool_case("max_pool2d_k3_s2_p1_ceil", true, Shape{1, 2, 8, 7},
                pool_o({3, 3}, {2, 2}, {1, 1}, true, true)),
      pool_case("avg_pool2d_k2", false, Shape{2, 3, 8, 6},
                pool_o({2, 2}, {0, 0}, {0, 0}, false, true)),
      pool_case("avg_pool2d_k3_s2_p1", false, Shape{1, 3, 9, 8},
                pool_o({3, 3}, {2, 2}, {1, 1}, false, true)),
      pool_case("avg_pool2d_k3_s2_p1_exclude_pad", false, Shape{1, 3, 9, 8},
                pool_o({3, 3}, {2, 2}, {1, 1}, false, false)),
      pool_case("avg_pool2d_k3_s2_p1_ceil_exclude_pad", false, Shape{1, 2, 8, 7},
                pool_o({3, 3}, {2, 2}, {1, 1}, true, false)),
      upsample_case("upsample_nearest_x2", Shape{2, 3, 4, 5}, 2, 2, UpsampleMode::kNearest),
      upsample_case("upsample_nearest_x3", Shape{1, 2, 3, 4}, 3, 3, UpsampleMode::kNearest),
      upsample_case("upsample_bilinear_x2", Shape{2, 3, 4, 5}, 2, 2, UpsampleMode::kBilinear),
      upsample_case("upsample_bilinear_x3", Shape{1, 2, 3, 4}, 3, 3, UpsampleMode::kBilinear),
      upsample_case("upsample_bilinear_2x3", Shape{1, 2, 3, 3}, 2, 3, UpsampleMode::kBilinear),
  };
}

// ---- files ------------------------------------------------------------------------------------

void write_f32(const fs::path& path, const std::vector<float>& v) {
  // Raw little-endian float32: the host order on every platform this builds for (x86-64,
  // aarch64), checked once here.
  const uint32_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  ASSERT_EQ(first, 1) << "the parity files are little-endian; this host is not";
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::vector<float> read_f32(const fs::path& path, int64_t numel) {
  std::ifstream in(path, std::ios::binary);
  std::vector<float> v(static_cast<size_t>(numel));
  in.read(reinterpret_cast<char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
  if (!in.good() || in.gcount() != std::streamsize(v.size() * sizeof(float)))
    ADD_FAILURE() << "cannot read " << numel << " floats from " << path;
  return v;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Shape shape_of(const json& j) {
  return Shape(j.get<std::vector<int64_t>>());
}

// ---- one run of the Python side, shared by every device ----------------------------------------

struct TorchResult {
  std::vector<float> values;
  Shape shape;
};

struct ParityData {
  std::string skip_reason;  // non-empty: the test skips (or fails under HG_REQUIRE_TORCH)
  std::string error;        // non-empty: the test fails
  fs::path dir;
  std::vector<ParityCase> cases;
  std::vector<std::vector<std::vector<float>>> inputs;  // case -> input -> values
  std::vector<std::vector<float>> grad_out;             // case -> upstream gradient
  std::vector<Shape> out_shapes;
  std::vector<std::map<std::string, TorchResult>> torch;  // case -> "y", "grad_x", ...
};

ParityData prepare() {
  ParityData d;
  const std::string python = python_path();
  const fs::path script = fs::path(HG_SOURCE_DIR) / "tests" / "torch" / "conv_parity.py";
  d.skip_reason = python_missing("torch, numpy");
  if (!d.skip_reason.empty()) return d;
  std::string tmpl = (fs::temp_directory_path() / "hg-conv-parity-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    d.error = "mkdtemp failed for " + tmpl;
    return d;
  }
  d.dir = tmpl;

  const uint64_t seed = test_seed();
  std::cout << "[parity] seed " << seed << " (rerun with HG_TEST_SEED=" << seed << ")\n";
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  auto draw = [&](int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v)
      x = uniform(rng);
    return v;
  };

  d.cases = parity_cases();
  json manifest = {{"cases", json::array()}};
  for (const ParityCase& c : d.cases) {
    std::vector<std::vector<float>> values;
    std::vector<Tensor> tensors;
    json inputs = json::object();
    for (const ParityInput& in : c.inputs) {
      values.push_back(draw(in.shape.numel()));
      tensors.push_back(Tensor::from_vector(values.back(), in.shape));
      const std::string file = c.name + "." + in.name + ".f32";
      write_f32(d.dir / file, values.back());
      inputs[in.name] = {{"shape", in.shape.dims()}, {"file", file}};
    }
    Shape out_shape;
    {
      NoGrad no_grad;  // only the output shape is needed here
      out_shape = c.run(tensors).shape();
    }
    d.grad_out.push_back(draw(out_shape.numel()));
    const std::string grad_file = c.name + ".grad_out.f32";
    write_f32(d.dir / grad_file, d.grad_out.back());
    inputs["grad_out"] = {{"shape", out_shape.dims()}, {"file", grad_file}};
    d.inputs.push_back(std::move(values));
    d.out_shapes.push_back(out_shape);
    manifest["cases"].push_back(
        {{"name", c.name}, {"op", c.op}, {"params", c.params}, {"inputs", inputs}});
  }
  std::ofstream(d.dir / "manifest.json") << manifest.dump(2);

  const fs::path log = d.dir / "python.log";
  const std::string command = "'" + python + "' '" + script.string() + "' '" +
                              d.dir.string() + "' > '" + log.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 3) {  // the script's code for "torch cannot be imported"
    d.skip_reason = "PyTorch is not importable by " + python + ": " + read_text(log);
    return d;
  }
  if (code != 0) {
    d.error = "conv_parity.py failed (exit " + std::to_string(code) + "):\n" + read_text(log);
    return d;
  }
  const json results = json::parse(read_text(d.dir / "results.json"));
  for (const ParityCase& c : d.cases) {
    std::map<std::string, TorchResult> r;
    for (const auto& [key, entry] : results.at(c.name).items()) {
      const Shape shape = shape_of(entry.at("shape"));
      r[key] = {read_f32(d.dir / entry.at("file").get<std::string>(), shape.numel()), shape};
    }
    d.torch.push_back(std::move(r));
  }
  return d;
}

// Removes the temporary directory when the program ends, unless something went wrong there
// (then its files and python.log are kept for a look).
struct DirectoryCleanup {
  fs::path dir;
  ~DirectoryCleanup() {
    std::error_code ignored;
    if (!dir.empty()) fs::remove_all(dir, ignored);
  }
};

const ParityData& parity_data() {
  static const ParityData data = prepare();
  static const DirectoryCleanup cleanup{data.error.empty() ? data.dir : fs::path()};
  return data;
}

// ---- comparison -------------------------------------------------------------------------------

struct ErrorStats {
  double max_abs = 0.0, max_rel = 0.0;
  int64_t bad = 0, first_bad = -1;
  void merge(const ErrorStats& o) {
    max_abs = std::max(max_abs, o.max_abs);
    max_rel = std::max(max_rel, o.max_rel);
  }
};

constexpr double kRel = 1e-4;

ErrorStats compare(const std::vector<float>& got, const std::vector<float>& want, double abs_tol) {
  ErrorStats s;
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
    const double err = std::fabs(double(got[i]) - double(want[i]));
    const double mag = std::fabs(double(want[i]));
    s.max_abs = std::max(s.max_abs, err);
    if (mag >= 1e-2) s.max_rel = std::max(s.max_rel, err / mag);
    if (!(err <= abs_tol + kRel * mag)) {
      if (s.first_bad < 0) s.first_bad = int64_t(i);
      ++s.bad;
    }
  }
  return s;
}

std::string format_error(double v) {
  std::ostringstream s;
  s << std::scientific << std::setprecision(2) << v;
  return s.str();
}

class TorchParity : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(TorchParity);

TEST_P(TorchParity, SpatialOpsMatchPyTorch) {
  HG_REQUIRE_DEVICE(device());
  const ParityData& d = parity_data();
  HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_TORCH", d.skip_reason);
  ASSERT_TRUE(d.error.empty()) << d.error << "\n(files kept in " << d.dir << ")";
  const std::string dev = device().str();
  std::map<std::string, ErrorStats> per_op;  // "conv2d" -> worst over its cases and outputs
  for (size_t ci = 0; ci < d.cases.size(); ++ci) {
    const ParityCase& c = d.cases[ci];
    SCOPED_TRACE(c.name + " on " + dev);
    clear_tape();
    std::vector<Tensor> inputs;
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      Tensor t = Tensor::from_vector(d.inputs[ci][i], c.inputs[i].shape, device());
      t.set_requires_grad(true);
      inputs.push_back(t);
    }
    const Tensor y = c.run(inputs);
    backward(sum(mul(y, Tensor::from_vector(d.grad_out[ci], d.out_shapes[ci], device()))));

    std::vector<std::pair<std::string, Tensor>> ours{{"y", y}};
    for (size_t i = 0; i < c.inputs.size(); ++i)
      ours.emplace_back("grad_" + c.inputs[i].name, inputs[i].grad());
    std::ostringstream line;
    line << "[parity] " << dev << " " << c.name << ":";
    for (const auto& [key, t] : ours) {
      const auto found = d.torch[ci].find(key);
      ASSERT_NE(found, d.torch[ci].end()) << "torch returned no '" << key << "'";
      ASSERT_TRUE(t.defined()) << "no '" << key << "' computed";
      ASSERT_EQ(t.shape(), found->second.shape) << key;
      const ErrorStats s = compare(t.to_vector(), found->second.values, c.abs_tolerance);
      EXPECT_EQ(s.bad, 0) << key << ": " << s.bad << " of " << t.numel() << " values outside abs "
                          << c.abs_tolerance << " + rel " << kRel << "; first at index "
                          << s.first_bad << ": got "
                          << t.to_vector()[size_t(std::max<int64_t>(s.first_bad, 0))] << ", torch "
                          << found->second.values[size_t(std::max<int64_t>(s.first_bad, 0))];
      per_op[c.op].merge(s);
      line << " " << key << " abs " << format_error(s.max_abs) << " rel " << format_error(s.max_rel)
           << ";";
    }
    std::cout << line.str() << "\n";
  }
  for (const auto& [op, s] : per_op) {
    std::cout << "[parity] " << dev << " " << op << " max abs error " << format_error(s.max_abs)
              << ", max rel error " << format_error(s.max_rel) << "\n";
    RecordProperty(op + ".max_abs", format_error(s.max_abs));
    RecordProperty(op + ".max_rel", format_error(s.max_rel));
  }
}

}  // namespace
}  // namespace hg::testing
