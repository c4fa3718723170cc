// conv2d and conv_transpose2d through the op harness on every device (forward vs a double
// reference, finite-difference gradients of x, weight and bias, cpu vs device) on awkward
// geometries: non-square inputs and kernels, stride > kernel, padding, Keras 'same' with stride
// 2 (asymmetric padding), 'valid', dilation 2, 1x1 kernels, channel counts that are not
// multiples of 4, batch 1, output_padding. Then the output-size formulas against PyTorch's
// (including every layer of the two MNIST conv autoencoders), Padding2d / ConvImpl parsing, and
// the error messages.
//
// Tolerances: forward abs/rel 1e-4 (float sums of up to ~60 products of values in [-1, 1]);
// gradients abs/rel 1e-3 against central differences of the double reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "hourglass/hourglass.h"
#include "ops/spatial_reference.h"
#include "support/op_harness.h"
#include "support/devices.h"

namespace hg::testing {
namespace {

class ConvOps : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(ConvOps);

// The resolved geometry as the test computes it, independently of the library: PyTorch's
// output size for explicit padding; TensorFlow's for 'same' (top padding = total / 2).
void resolve_axis(int64_t in, int64_t k, int64_t s, int64_t d, const Padding2d& pad, bool is_h,
                  int64_t* out, int64_t* top) {
  if (pad.mode == Padding2d::Mode::kSame) {
    *out = (in + s - 1) / s;
    *top = std::max<int64_t>((*out - 1) * s + (k - 1) * d + 1 - in, 0) / 2;
  } else {
    const int64_t p = pad.mode == Padding2d::Mode::kValid ? 0 : (is_h ? pad.h : pad.w);
    *out = (in + 2 * p - d * (k - 1) - 1) / s + 1;
    *top = p;
  }
}

struct ConvSpec {
  std::string name;
  int64_t n, cin, h, w, cout, kh, kw;
  Conv2dOptions options;
  bool bias = true;
};

OpCase conv_case(const ConvSpec& s) {
  kernels::Conv2dGeometry g;
  g.batch = s.n, g.in_channels = s.cin, g.in_h = s.h, g.in_w = s.w;
  g.out_channels = s.cout, g.kernel_h = s.kh, g.kernel_w = s.kw;
  g.stride_h = s.options.stride[0], g.stride_w = s.options.stride[1];
  g.dilation_h = s.options.dilation[0], g.dilation_w = s.options.dilation[1];
  resolve_axis(s.h, s.kh, g.stride_h, g.dilation_h, s.options.padding, true, &g.out_h, &g.pad_h);
  resolve_axis(s.w, s.kw, g.stride_w, g.dilation_w, s.options.padding, false, &g.out_w, &g.pad_w);
  OpCase c;
  c.name = "conv2d " + s.name;
  c.inputs = {float_input("x", Shape{s.n, s.cin, s.h, s.w}, uniform(-1, 1)),
              float_input("weight", Shape{s.cout, s.cin, s.kh, s.kw}, uniform(-1, 1))};
  if (s.bias) c.inputs.push_back(float_input("bias", Shape{s.cout}, uniform(-1, 1)));
  const Conv2dOptions options = s.options;
  const bool bias = s.bias;
  c.op = [options, bias](const std::vector<Tensor>& in) {
    return conv2d(in[0], in[1], bias ? in[2] : Tensor(), options);
  };
  c.output_shape = Shape{s.n, s.cout, g.out_h, g.out_w};
  c.reference = [g, bias](const HostValues& v) {
    return ref_conv2d(g, v[0], v[1], bias ? v[2] : std::vector<double>{});
  };
  c.forward = {1e-4, 1e-4};
  return c;
}

Conv2dOptions conv_options(std::array<int64_t, 2> stride, Padding2d padding,
                           std::array<int64_t, 2> dilation = {1, 1}) {
  Conv2dOptions o;
  o.stride = stride, o.padding = padding, o.dilation = dilation;
  return o;
}

TEST_P(ConvOps, Conv2dAwkwardGeometries) {
  HG_REQUIRE_DEVICE(device());
  const std::vector<ConvSpec> specs = {
      {"non-square 3x2 kernel, padding (1, 0)", 2, 3, 5, 7, 5, 3, 2,
       conv_options({1, 1}, Padding2d::explicit_(1, 0))},
      {"stride 3 > kernel 2, padding 1", 2, 2, 8, 7, 3, 2, 2,
       conv_options({3, 3}, Padding2d::symmetric(1))},
      {"Keras same, stride 2, 4x3 kernel (asymmetric padding)", 2, 3, 7, 8, 2, 4, 3,
       conv_options({2, 2}, Padding2d::same())},
      {"Keras same, stride 1, 3x3 (the MNIST autoencoder's layer)", 1, 1, 9, 9, 6, 3, 3,
       conv_options({1, 1}, Padding2d::same())},
      {"Keras same, stride (2, 1), dilation 2", 1, 2, 6, 5, 3, 3, 2,
       conv_options({2, 1}, Padding2d::same(), {2, 2})},
      {"valid 3x3, 16 -> 14", 1, 2, 16, 14, 3, 3, 3, conv_options({1, 1}, Padding2d::valid())},
      {"dilation 2, padding 2", 2, 3, 7, 6, 2, 3, 3,
       conv_options({1, 1}, Padding2d::symmetric(2), {2, 2})},
      {"dilation (2, 1), stride (1, 2)", 1, 2, 8, 7, 3, 2, 3,
       conv_options({1, 2}, Padding2d::explicit_(0, 1), {2, 1})},
      {"1x1 kernel, stride 2", 2, 5, 5, 6, 7, 1, 1, conv_options({2, 2}, Padding2d::valid())},
      {"kernel 4 stride 2 (the PyTorch autoencoder's 20 -> 9)", 1, 3, 10, 9, 2, 4, 4,
       conv_options({2, 2}, Padding2d::valid())},
      {"kernel as large as the padded input", 2, 2, 3, 4, 3, 5, 4,
       conv_options({1, 1}, Padding2d::explicit_(1, 0))},
  };
  for (const ConvSpec& s : specs)
    check_op(device(), [&](Rng&) { return conv_case(s); });
  ConvSpec no_bias = specs[0];
  no_bias.bias = false;
  no_bias.name += ", no bias";
  check_op(device(), [&](Rng&) { return conv_case(no_bias); });
}

TEST_P(ConvOps, Conv2dRandomSmallShapes) {
  HG_REQUIRE_DEVICE(device());
  for (int round = 0; round < 3; ++round)
    check_op(device(), [&](Rng& rng) {
      ConvSpec s;
      s.name = "random";
      s.n = pick(rng, {1, 2}), s.cin = pick(rng, {1, 3, 5}), s.cout = pick(rng, {1, 2, 6});
      s.kh = pick(rng, {1, 2, 3}), s.kw = pick(rng, {1, 3});
      s.h = pick(rng, {5, 6, 9}), s.w = pick(rng, {4, 7});
      s.options = conv_options({pick(rng, {1, 2, 3}), pick(rng, {1, 2})},
                               pick(rng, {0, 1}) ? Padding2d::same() : Padding2d::symmetric(1),
                               {pick(rng, {1, 2}), 1});
      s.bias = pick(rng, {0, 1}) == 1;
      return conv_case(s);
    });
}

struct ConvTransposeSpec {
  std::string name;
  int64_t n, cin, h, w, cout, kh, kw;
  ConvTranspose2dOptions options;
  bool bias = true;
};

OpCase conv_transpose_case(const ConvTransposeSpec& s) {
  const ConvTranspose2dOptions& o = s.options;
  kernels::Conv2dGeometry g;  // from the transposed conv's own side (see ref_conv_transpose2d)
  g.batch = s.n, g.in_channels = s.cin, g.in_h = s.h, g.in_w = s.w;
  g.out_channels = s.cout, g.kernel_h = s.kh, g.kernel_w = s.kw;
  g.stride_h = o.stride[0], g.stride_w = o.stride[1];
  g.pad_h = o.padding[0], g.pad_w = o.padding[1];
  g.dilation_h = o.dilation[0], g.dilation_w = o.dilation[1];
  g.out_h =
      (s.h - 1) * g.stride_h - 2 * g.pad_h + g.dilation_h * (s.kh - 1) + o.output_padding[0] + 1;
  g.out_w =
      (s.w - 1) * g.stride_w - 2 * g.pad_w + g.dilation_w * (s.kw - 1) + o.output_padding[1] + 1;
  OpCase c;
  c.name = "conv_transpose2d " + s.name;
  c.inputs = {float_input("x", Shape{s.n, s.cin, s.h, s.w}, uniform(-1, 1)),
              float_input("weight", Shape{s.cin, s.cout, s.kh, s.kw}, uniform(-1, 1))};
  if (s.bias) c.inputs.push_back(float_input("bias", Shape{s.cout}, uniform(-1, 1)));
  const bool bias = s.bias;
  c.op = [o, bias](const std::vector<Tensor>& in) {
    return conv_transpose2d(in[0], in[1], bias ? in[2] : Tensor(), o);
  };
  c.output_shape = Shape{s.n, s.cout, g.out_h, g.out_w};
  c.reference = [g, bias](const HostValues& v) {
    return ref_conv_transpose2d(g, v[0], v[1], bias ? v[2] : std::vector<double>{});
  };
  c.forward = {1e-4, 1e-4};
  return c;
}

ConvTranspose2dOptions transpose_options(std::array<int64_t, 2> stride,
                                         std::array<int64_t, 2> padding,
                                         std::array<int64_t, 2> output_padding,
                                         std::array<int64_t, 2> dilation = {1, 1}) {
  ConvTranspose2dOptions o;
  o.stride = stride, o.padding = padding, o.output_padding = output_padding;
  o.dilation = dilation;
  return o;
}

TEST_P(ConvOps, ConvTranspose2dAwkwardGeometries) {
  HG_REQUIRE_DEVICE(device());
  const std::vector<ConvTransposeSpec> specs = {
      {"3x3 stride 2 padding 1 output_padding 1", 2, 3, 4, 3, 5, 3, 3,
       transpose_options({2, 2}, {1, 1}, {1, 1})},
      {"non-square 4x3 kernel, stride 2", 1, 2, 3, 4, 3, 4, 3,
       transpose_options({2, 2}, {0, 0}, {0, 0})},
      {"3x3 stride 2 (the PyTorch autoencoder's 4 -> 9)", 1, 3, 4, 4, 2, 3, 3,
       transpose_options({2, 2}, {0, 0}, {0, 0})},
      {"stride 1, dilation 2, output_padding 1 (< dilation)", 2, 2, 3, 4, 3, 2, 3,
       transpose_options({1, 1}, {0, 1}, {1, 1}, {2, 2})},
      {"1x1 kernel, stride 3 > kernel, output_padding (2, 1)", 1, 5, 3, 2, 3, 1, 1,
       transpose_options({3, 2}, {0, 0}, {2, 1})},
      {"stride (1, 2), padding (1, 0), 5 -> 3 channels", 2, 5, 4, 3, 3, 3, 2,
       transpose_options({1, 2}, {1, 0}, {0, 1})},
  };
  for (const ConvTransposeSpec& s : specs)
    check_op(device(), [&](Rng&) { return conv_transpose_case(s); });
  ConvTransposeSpec no_bias = specs[0];
  no_bias.bias = false;
  no_bias.name += ", no bias";
  check_op(device(), [&](Rng&) { return conv_transpose_case(no_bias); });
}

TEST_P(ConvOps, GradientsOnlyForInputsThatNeedThem) {
  HG_REQUIRE_DEVICE(device());
  const Device d = device();
  Tensor x = Tensor::rand(Shape{1, 2, 5, 4}, d, -1, 1);
  Tensor w = Tensor::rand(Shape{3, 2, 3, 3}, d, -1, 1);
  Tensor b = Tensor::rand(Shape{3}, d, -1, 1);
  b.set_requires_grad(true);
  backward(sum(conv2d(x, w, b, conv_options({1, 1}, Padding2d::same()))));
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  ASSERT_TRUE(b.grad().defined());
  // d/db sum(y) = the number of output positions per channel, N * OH * OW = 20.
  for (float v : b.grad().to_vector())
    EXPECT_FLOAT_EQ(v, 20.0f);

  Tensor wt = Tensor::rand(Shape{2, 3, 3, 3}, d, -1, 1);
  Tensor bt = Tensor::rand(Shape{3}, d, -1, 1);
  bt.set_requires_grad(true);
  const Tensor y = conv_transpose2d(x, wt, bt, transpose_options({2, 2}, {1, 1}, {1, 1}));
  EXPECT_EQ(y.shape(), (Shape{1, 3, 10, 8}));
  backward(sum(y));
  EXPECT_FALSE(wt.grad().defined());
  for (float v : bt.grad().to_vector())
    EXPECT_FLOAT_EQ(v, 80.0f);

  // Nothing requires grad: nothing is recorded.
  const size_t before = tape_size();
  conv2d(x, w, Tensor());
  max_pool2d(x);
  EXPECT_EQ(tape_size(), before);
}

TEST_P(ConvOps, EmptyBatchGivesEmptyOutputsAndZeroParameterGradients) {
  HG_REQUIRE_DEVICE(device());
  const Device d = device();
  Tensor x = Tensor::zeros(Shape{0, 2, 5, 4}, d);
  Tensor w = Tensor::ones(Shape{3, 2, 3, 3}, d);
  Tensor wt = Tensor::ones(Shape{2, 3, 3, 3}, d);
  Tensor b = Tensor::ones(Shape{3}, d);
  for (Tensor* t : {&x, &w, &wt, &b})
    t->set_requires_grad(true);
  const Tensor y = conv2d(x, w, b, conv_options({2, 1}, Padding2d::same()));
  EXPECT_EQ(y.shape(), (Shape{0, 3, 3, 4}));
  backward(sum(y));
  EXPECT_EQ(w.grad().to_vector(), std::vector<float>(18 * 3, 0.0f));
  EXPECT_EQ(b.grad().to_vector(), std::vector<float>(3, 0.0f));
  const Tensor z = conv_transpose2d(x, wt, b, transpose_options({2, 2}, {1, 1}, {1, 0}));
  EXPECT_EQ(z.shape(), (Shape{0, 3, 10, 7}));
  backward(sum(z));
  EXPECT_EQ(wt.grad().to_vector(), std::vector<float>(18 * 3, 0.0f));
  EXPECT_EQ(max_pool2d(x).shape(), (Shape{0, 2, 2, 2}));
  EXPECT_EQ(avg_pool2d(x).shape(), (Shape{0, 2, 2, 2}));
  EXPECT_EQ(upsample2d(x, 2, 3, UpsampleMode::kBilinear).shape(), (Shape{0, 2, 10, 12}));
}

TEST_P(ConvOps, ConvImplSettingRunsOnEveryDevice) {
  HG_REQUIRE_DEVICE(device());
  // The CPU ignores the choice; a CUDA device runs cuDNN when the build has it. Either way the
  // result is the same convolution.
  const Tensor x = Tensor::rand(Shape{2, 3, 6, 5}, device(), -1, 1);
  const Tensor w = Tensor::rand(Shape{4, 3, 3, 3}, device(), -1, 1);
  const Tensor native = conv2d(x, w, Tensor(), conv_options({2, 1}, Padding2d::same()));
  if (!cudnn_available()) {
    EXPECT_EQ(conv_impl(), ConvImpl::kNative);
    return;
  }
  set_conv_impl(ConvImpl::kCudnn);
  const Tensor other = conv2d(x, w, Tensor(), conv_options({2, 1}, Padding2d::same()));
  set_conv_impl(ConvImpl::kNative);
  const std::vector<float> a = native.to_vector(), b = other.to_vector();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], 1e-4) << "element " << i;
}

// ---- output sizes -----------------------------------------------------------------------------

struct SizeCase {
  const char* what;
  int64_t in, kernel, stride, pad, dilation, output_padding, expected;
};

TEST(ConvOutputSize, MatchesPyTorch) {
  // Values from torch.nn.Conv2d(...)(torch.zeros(1, C, in, in)).shape.
  const SizeCase cases[] = {
      {"Conv2d 1-32 k5 (PyTorch MNIST AE)", 28, 5, 1, 0, 1, 0, 24},
      {"Conv2d 32-32 k5", 24, 5, 1, 0, 1, 0, 20},
      {"Conv2d 32-32 k4 s2", 20, 4, 2, 0, 1, 0, 9},
      {"Conv2d 32-32 k3 s2", 9, 3, 2, 0, 1, 0, 4},
      {"Conv2d 32-8 k4", 4, 4, 1, 0, 1, 0, 1},
      {"Conv 3x3 valid (Keras MNIST AE)", 16, 3, 1, 0, 1, 0, 14},
      {"k3 p1", 28, 3, 1, 1, 1, 0, 28},
      {"k3 s2 p1 on odd", 7, 3, 2, 1, 1, 0, 4},
      {"k3 d2 p2", 7, 3, 1, 2, 2, 0, 7},
      {"k2 s3 p1", 8, 2, 3, 1, 1, 0, 3},
      {"k1 s2", 5, 1, 2, 0, 1, 0, 3},
      {"kernel = padded input", 3, 5, 1, 1, 1, 0, 1},
  };
  for (const SizeCase& c : cases)
    EXPECT_EQ(conv_output_size(c.in, c.kernel, c.stride, c.pad, c.dilation), c.expected) << c.what;
}

TEST(ConvOutputSize, TransposedMatchesPyTorch) {
  const SizeCase cases[] = {
      {"ConvTranspose2d 8-32 k4 (PyTorch MNIST AE)", 1, 4, 1, 0, 1, 0, 4},
      {"ConvTranspose2d 32-32 k3 s2", 4, 3, 2, 0, 1, 0, 9},
      {"ConvTranspose2d 32-32 k4 s2", 9, 4, 2, 0, 1, 0, 20},
      {"ConvTranspose2d 32-32 k5", 20, 5, 1, 0, 1, 0, 24},
      {"ConvTranspose2d 32-1 k5", 24, 5, 1, 0, 1, 0, 28},
      {"k3 s2 p1 op1 (doubles)", 7, 3, 2, 1, 1, 1, 14},
      {"k2 s1 d2 op1", 3, 2, 1, 0, 2, 1, 6},
      {"k1 s3 op2", 3, 1, 3, 0, 1, 2, 9},
  };
  for (const SizeCase& c : cases)
    EXPECT_EQ(
        conv_transpose_output_size(c.in, c.kernel, c.stride, c.pad, c.output_padding, c.dilation),
        c.expected)
        << c.what;
}

TEST(ConvOutputSize, PoolMatchesPyTorch) {
  struct PoolCase {
    const char* what;
    int64_t in, kernel, stride, pad;
    bool ceil;
    int64_t expected;
  };
  const PoolCase cases[] = {
      {"MaxPool 2 (Keras MNIST AE) 28 -> 14", 28, 2, 2, 0, false, 14},
      {"MaxPool 2 'same' = ceil mode, 7 -> 4", 7, 2, 2, 0, true, 4},
      {"MaxPool 2 floor, 7 -> 3", 7, 2, 2, 0, false, 3},
      {"k3 s2 ceil 6 -> 3", 6, 3, 2, 0, true, 3},
      {"k3 s2 ceil 8 -> 4", 8, 3, 2, 0, true, 4},
      // Ceil mode would start a last window in the right padding: PyTorch drops it.
      {"k2 s2 p1 ceil 5 -> 3", 5, 2, 2, 1, true, 3},
      {"k3 s2 p1 floor 7 -> 4", 7, 3, 2, 1, false, 4},
      {"k2 s3 floor 8 -> 3", 8, 2, 3, 0, false, 3},
      {"k2 s3 ceil 8 -> 3", 8, 2, 3, 0, true, 3},
      {"k1 s1", 5, 1, 1, 0, false, 5},
  };
  for (const PoolCase& c : cases)
    EXPECT_EQ(pool_output_size(c.in, c.kernel, c.stride, c.pad, c.ceil), c.expected) << c.what;
}

TEST_P(ConvOps, MnistAutoencoderLayerShapes) {
  HG_REQUIRE_DEVICE(device());
  const Device d = device();
  // Keras style: Conv 1->16 3x3 same on 28x28, MaxPool 2 'same' 7 -> 4, UpSampling 2,
  // Conv 3x3 valid 16 -> 14.
  EXPECT_EQ(conv2d(Tensor::zeros(Shape{1, 1, 28, 28}, d), Tensor::zeros(Shape{16, 1, 3, 3}, d),
                   Tensor::zeros(Shape{16}, d), conv_options({1, 1}, Padding2d::same()))
                .shape(),
            (Shape{1, 16, 28, 28}));
  Pool2dOptions same_pool;
  same_pool.ceil_mode = true;
  EXPECT_EQ(max_pool2d(Tensor::zeros(Shape{1, 8, 7, 7}, d), same_pool).shape(),
            (Shape{1, 8, 4, 4}));
  EXPECT_EQ(upsample2d(Tensor::zeros(Shape{1, 8, 4, 4}, d), 2, 2).shape(), (Shape{1, 8, 8, 8}));
  EXPECT_EQ(conv2d(Tensor::zeros(Shape{1, 16, 16, 16}, d), Tensor::zeros(Shape{1, 16, 3, 3}, d),
                   Tensor(), conv_options({1, 1}, Padding2d::valid()))
                .shape(),
            (Shape{1, 1, 14, 14}));
  // PyTorch style, encoder then decoder: 28 -> 24 -> 20 -> 9 -> 4 -> 1 -> 4 -> 9 -> 20 -> 24 ->
  // 28 (batch 1, one channel each: the shapes are what is checked).
  struct Layer {
    bool transposed;
    int64_t kernel, stride, out;
  };
  const Layer layers[] = {{false, 5, 1, 24}, {false, 5, 1, 20}, {false, 4, 2, 9}, {false, 3, 2, 4},
                          {false, 4, 1, 1},  {true, 4, 1, 4},   {true, 3, 2, 9},  {true, 4, 2, 20},
                          {true, 5, 1, 24},  {true, 5, 1, 28}};
  Tensor h = Tensor::zeros(Shape{1, 1, 28, 28}, d);
  for (const Layer& l : layers) {
    const Tensor w = Tensor::zeros(Shape{1, 1, l.kernel, l.kernel}, d);
    if (l.transposed) {
      ConvTranspose2dOptions o;
      o.stride = {l.stride, l.stride};
      h = conv_transpose2d(h, w, Tensor(), o);
    } else {
      h = conv2d(h, w, Tensor(), conv_options({l.stride, l.stride}, Padding2d::valid()));
    }
    EXPECT_EQ(h.shape(), (Shape{1, 1, l.out, l.out}))
        << (l.transposed ? "ConvTranspose2d" : "Conv2d") << " k" << l.kernel << " s" << l.stride;
  }
}

// ---- parsing ----------------------------------------------------------------------------------

TEST(ConvParsing, Padding2d) {
  EXPECT_EQ(Padding2d::parse("valid").mode, Padding2d::Mode::kValid);
  EXPECT_EQ(Padding2d::parse("same").mode, Padding2d::Mode::kSame);
  const Padding2d p = Padding2d::parse("3");
  EXPECT_EQ(p.mode, Padding2d::Mode::kExplicit);
  EXPECT_EQ(p.h, 3);
  EXPECT_EQ(p.w, 3);
  const Padding2d q = Padding2d::parse("1,2");
  EXPECT_EQ(q.h, 1);
  EXPECT_EQ(q.w, 2);
  for (const Padding2d& x : {Padding2d::valid(), Padding2d::same(), Padding2d::symmetric(0),
                             Padding2d::symmetric(4), Padding2d::explicit_(2, 0)}) {
    const Padding2d back = Padding2d::parse(x.str());
    EXPECT_EQ(back.mode, x.mode) << x.str();
    EXPECT_EQ(back.h, x.h) << x.str();
    EXPECT_EQ(back.w, x.w) << x.str();
  }
  EXPECT_EQ(Padding2d::same().str(), "same");
  EXPECT_EQ(Padding2d::symmetric(2).str(), "2");
  for (const char* bad : {"", "Same", "-1", "1.5", "2x", "1,", ",1", "1,2,3"})
    expect_error(
        [&] { Padding2d::parse(bad); },
        {"expected 'valid', 'same', a non-negative integer", std::string("'") + bad + "'"});
}

TEST(ConvParsing, UpsampleModeAndConvImpl) {
  EXPECT_EQ(parse_upsample_mode("nearest"), UpsampleMode::kNearest);
  EXPECT_EQ(parse_upsample_mode("bilinear"), UpsampleMode::kBilinear);
  expect_error([] { parse_upsample_mode("bicubic"); },
               {"expected 'nearest' or 'bilinear'", "'bicubic'"});
  EXPECT_EQ(parse_conv_impl("native"), ConvImpl::kNative);
  expect_error([] { parse_conv_impl("fast"); }, {"expected 'native' or 'cudnn'", "'fast'"});
  if (cudnn_available()) {
    EXPECT_EQ(parse_conv_impl("cudnn"), ConvImpl::kCudnn);
  } else {
    expect_error([] { parse_conv_impl("cudnn"); }, {"no cuDNN", "HG_CUDNN"});
    expect_error([] { set_conv_impl(ConvImpl::kCudnn); }, {"no cuDNN"});
    EXPECT_EQ(conv_impl(), ConvImpl::kNative);
  }
}

// ---- errors -----------------------------------------------------------------------------------

TEST(ConvErrors, BadShapesAndOptions) {
  const Tensor x = Tensor::zeros(Shape{2, 3, 5, 5});
  const Tensor w = Tensor::zeros(Shape{4, 3, 3, 3});
  const Tensor b = Tensor::zeros(Shape{4});
  expect_error(
      [&] {
        conv2d(Tensor::zeros(Shape{3, 5, 5}), w, b);
      },
      {"conv2d", "rank 4", "[3, 5, 5]"});
  expect_error([&] { conv2d(x, Tensor::zeros(Shape{4, 27}), b); }, {"conv2d", "rank-4 weight"});
  expect_error(
      [&] {
        conv2d(x, Tensor::zeros(Shape{4, 2, 3, 3}), b);
      },
      {"conv2d", "3 channels", "expects 2"});
  expect_error([&] { conv2d(x, w, Tensor::zeros(Shape{3})); },
               {"conv2d", "bias [3]", "expected [4]"});
  expect_error([&] { conv2d(x, w, Tensor::zeros(Shape{4, 1})); }, {"bias [4, 1]"});
  expect_error(
      [&] {
        conv2d(x, Tensor::zeros(Shape{4, 3, 7, 3}), b);
      },
      {"kernel (7", "larger than the padded input (5 + 2 * 0 = 5)"});
  expect_error(
      [&] {
        conv2d(x, w, b, conv_options({1, 1}, Padding2d::valid(), {3, 1}));
      },
      {"extent 7", "larger than the padded input"});
  expect_error(
      [&] {
        conv2d(x, w, b, conv_options({0, 1}, Padding2d::valid()));
      },
      {"conv2d", "stride must be >= 1", "(0, 1)"});
  expect_error(
      [&] {
        conv2d(x, w, b, conv_options({1, 1}, Padding2d::valid(), {1, 0}));
      },
      {"dilation must be >= 1"});
  expect_error(
      [&] {
        conv2d(x, w, b, conv_options({1, 1}, Padding2d::explicit_(-1, 0)));
      },
      {"padding must be >= 0"});
  expect_error(
      [&] {
        conv2d(Tensor::zeros(Shape{2, 3, 5, 5}, Device::cpu(), DType::kInt32), w, b);
      },
      {"conv2d", "float32", "int32"});
  expect_error([&] { conv2d(x, Tensor(), b); }, {"conv2d", "'weight' is undefined"});

  const Tensor wt = Tensor::zeros(Shape{3, 4, 3, 3});  // [in, out, kh, kw]
  expect_error(
      [&] {
        conv_transpose2d(x, Tensor::zeros(Shape{4, 3, 3, 3}), Tensor());
      },
      {"conv_transpose2d", "3 channels", "expects 4", "[in, out, kh, kw]"});
  expect_error([&] { conv_transpose2d(x, wt, Tensor::zeros(Shape{3})); },
               {"conv_transpose2d", "bias [3]", "expected [4]"});
  expect_error(
      [&] {
        conv_transpose2d(x, wt, b, transpose_options({2, 2}, {0, 0}, {2, 0}));
      },
      {"output_padding (2)", "smaller than either stride (2) or dilation (1)"});
  expect_error(
      [&] {
        conv_transpose2d(x, wt, b, transpose_options({1, 1}, {4, 0}, {0, 0}));
      },
      {"output size", "less than 1"});
  expect_error(
      [&] {
        conv_transpose2d(x, wt, b, transpose_options({1, 1}, {-1, 0}, {0, 0}));
      },
      {"padding must be >= 0"});
  expect_error(
      [&] {
        conv_transpose2d(x, wt, b, transpose_options({1, 0}, {0, 0}, {0, 0}));
      },
      {"stride must be >= 1"});

  expect_error([] { conv_output_size(0, 3, 1, 0, 1); }, {"expected in, kernel"});
  expect_error([] { conv_output_size(4, 3, 1, 0, 2); }, {"larger than the padded input"});
  expect_error([] { conv_transpose_output_size(2, 1, 1, 1, 0, 1); }, {"less than 1"});
  expect_error([] { pool_output_size(4, 2, 1, 2, false); }, {"at most half the kernel"});
}

TEST(ConvErrors, DevicesDiffer) {
  HG_REQUIRE_DEVICE(::hg::Device::cuda(0));
  const Tensor x = Tensor::zeros(Shape{1, 2, 4, 4});
  const Tensor w = Tensor::zeros(Shape{2, 2, 3, 3}, Device::cuda());
  expect_error([&] { conv2d(x, w, Tensor()); }, {"conv2d", "different devices", "cuda:0"});
  expect_error([&] { conv2d(x, w.to(Device::cpu()), Tensor::zeros(Shape{2}, Device::cuda())); },
               {"conv2d", "different devices", "'bias'"});
  expect_error([&] { conv_transpose2d(x, w, Tensor()); },
               {"conv_transpose2d", "different devices"});
}

}  // namespace
}  // namespace hg::testing
