// The image transforms of corrupt() that make inpainting, super-resolution and colorization the
// same paired-training mechanism as denoising, on every device:
// - downsample and grayscale against double references (op_harness: odd sizes, factors that do
//   not divide them, cpu vs device), and downsample against avg_pool2d (ceil mode) + nearest
//   upsample2d cropped back;
// - block masking: exactly one patch x patch square per sample, in every channel, inside the
//   image; its positions cover the image uniformly; cpu and cuda agree bitwise; the generator
//   advances by the 2n numbers backend.h promises (the deterministic transforms draw nothing);
// - names, the recipe's mapping of --noise / --noise-level, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "hourglass/hourglass.h"
#include "hourglass/models/recipe.h"
#include "hourglass/ops/ops.h"
#include "support/expect_error.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

class CorruptionTransforms : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(CorruptionTransforms);

CorruptionOptions block(int64_t patch) {
  CorruptionOptions o;
  o.kind = Corruption::kBlock;
  o.patch = patch;
  return o;
}
CorruptionOptions downsample(int64_t factor) {
  CorruptionOptions o;
  o.kind = Corruption::kDownsample;
  o.factor = factor;
  return o;
}
CorruptionOptions grayscale() {
  CorruptionOptions o;
  o.kind = Corruption::kGrayscale;
  return o;
}

// Pixels in [0.1, 0.9): never 0, so every masked pixel is visible.
Tensor images(const Shape& shape, Device device, uint64_t seed = 99) {
  Generator g(seed);
  return Tensor::rand(shape, device, 0.1f, 0.9f, &g);
}

std::vector<uint32_t> bits_of(const std::vector<float>& v) {
  std::vector<uint32_t> out(v.size());
  std::memcpy(out.data(), v.data(), v.size() * sizeof(float));
  return out;
}

// ---- downsample ---------------------------------------------------------------------------

// y[n, c, h, w] = mean of x over the block of (h, w), blocks clipped to the image.
std::vector<double> downsample_ref(const std::vector<double>& x, int64_t planes, int64_t height,
                                   int64_t width, int64_t f) {
  std::vector<double> y(x.size());
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t h = 0; h < height; ++h)
      for (int64_t w = 0; w < width; ++w) {
        const int64_t h0 = h / f * f, w0 = w / f * f;
        const int64_t h1 = std::min(h0 + f, height), w1 = std::min(w0 + f, width);
        double s = 0.0;
        for (int64_t r = h0; r < h1; ++r)
          for (int64_t c = w0; c < w1; ++c)
            s += x[(p * height + r) * width + c];
        y[(p * height + h) * width + w] = s / double((h1 - h0) * (w1 - w0));
      }
  return y;
}

TEST_P(CorruptionTransforms, DownsampleMatchesDoubleReference) {
  HG_REQUIRE_DEVICE(device());
  for (int trial = 0; trial < 6; ++trial) {
    check_op(device(), [trial](Rng& rng) {
      const int64_t n = pick(rng, {1, 2, 3}), c = pick(rng, {1, 3});
      const int64_t h = pick(rng, {1, 5, 7, 12}), w = pick(rng, {3, 8, 11});
      const int64_t f = trial < 4 ? trial + 1 : pick(rng, {2, 3, 4, 5});
      OpCase k;
      k.name = "downsample x" + std::to_string(f);
      k.inputs = {float_input("x", Shape{n, c, h, w}, uniform(0.0, 1.0), false)};
      k.op = [f](const std::vector<Tensor>& in) { return corrupt(in[0], downsample(f)); };
      k.output_shape = Shape{n, c, h, w};
      k.reference = [=](const HostValues& v) { return downsample_ref(v[0], n * c, h, w, f); };
      k.forward = {1e-6, 1e-6};
      k.check_gradient = false;
      return k;
    });
  }
}

// The composition the kernel replaces: avg_pool2d(kernel f, ceil mode) then nearest upsample2d
// by f, cropped (on the host) to H x W. Same values up to float rounding of the sums.
TEST_P(CorruptionTransforms, DownsampleEqualsPoolThenUpsampleCropped) {
  HG_REQUIRE_DEVICE(device());
  const int64_t n = 2, c = 2, h = 7, w = 10, f = 3;
  const Tensor x = images(Shape{n, c, h, w}, device());
  Pool2dOptions pool;
  pool.kernel = {f, f};
  pool.ceil_mode = true;
  const Tensor up = upsample2d(avg_pool2d(x, pool), f, f);
  ASSERT_EQ(up.shape(), (Shape{n, c, 9, 12}));
  const std::vector<float> upv = up.to_vector();
  const std::vector<float> got = corrupt(x, downsample(f)).to_vector();
  for (int64_t p = 0; p < n * c; ++p)
    for (int64_t r = 0; r < h; ++r)
      for (int64_t q = 0; q < w; ++q)
        ASSERT_NEAR(got[(p * h + r) * w + q], upv[(p * 9 + r) * 12 + q], 1e-6)
            << "plane " << p << " pixel (" << r << ", " << q << ")";
}

TEST_P(CorruptionTransforms, DownsampleFactorOneIsIdentityAndDrawsNothing) {
  HG_REQUIRE_DEVICE(device());
  const Tensor x = images(Shape{3, 5, 7}, device());
  Generator gen(4);
  const uint64_t before = gen.offset();
  EXPECT_EQ(corrupt(x, downsample(1), &gen).to_vector(), x.to_vector());
  EXPECT_EQ(gen.offset(), before);
  // A factor as large as the image averages each plane into one value.
  const std::vector<float> y = corrupt(x, downsample(7), &gen).to_vector();
  const std::vector<float> xv = x.to_vector();
  for (int64_t p = 0; p < 3; ++p) {
    double mean = 0.0;
    for (int64_t i = 0; i < 35; ++i)
      mean += xv[p * 35 + i] / 35.0;
    for (int64_t i = 0; i < 35; ++i)
      ASSERT_NEAR(y[p * 35 + i], mean, 1e-6);
  }
  EXPECT_EQ(gen.offset(), before);
}

// ---- grayscale ----------------------------------------------------------------------------

TEST_P(CorruptionTransforms, GrayscaleMatchesDoubleReference) {
  HG_REQUIRE_DEVICE(device());
  check_op(device(), [](Rng& rng) {
    const int64_t n = pick(rng, {1, 2, 5}), h = pick(rng, {1, 3, 7}), w = pick(rng, {2, 9});
    OpCase k;
    k.name = "grayscale";
    k.inputs = {float_input("x", Shape{n, 3, h, w}, uniform(0.0, 1.0), false)};
    k.op = [](const std::vector<Tensor>& in) { return corrupt(in[0], grayscale()); };
    k.output_shape = Shape{n, 3, h, w};
    k.reference = [=](const HostValues& v) {
      const std::vector<double>& x = v[0];
      std::vector<double> y(x.size());
      const int64_t plane = h * w;
      for (int64_t s = 0; s < n; ++s)
        for (int64_t i = 0; i < plane; ++i) {
          const double* px = &x[s * 3 * plane + i];
          const double luma = 0.299 * px[0] + 0.587 * px[plane] + 0.114 * px[2 * plane];
          for (int64_t ch = 0; ch < 3; ++ch)
            y[s * 3 * plane + ch * plane + i] = luma;
        }
      return y;
    };
    k.forward = {1e-6, 1e-6};
    k.check_gradient = false;
    return k;
  });
}

TEST_P(CorruptionTransforms, GrayscaleOfGrayIsGrayAndOneChannelIsAnError) {
  HG_REQUIRE_DEVICE(device());
  // Equal channels stay (up to rounding of the weights' sum, 0.299 + 0.587 + 0.114 = 1).
  const Tensor gray = images(Shape{2, 1, 4, 5}, device());
  const std::vector<float> g = gray.to_vector();
  std::vector<float> rgb;
  for (int64_t s = 0; s < 2; ++s)
    for (int ch = 0; ch < 3; ++ch)
      rgb.insert(rgb.end(), g.begin() + s * 20, g.begin() + (s + 1) * 20);
  const std::vector<float> y =
      corrupt(Tensor::from_vector(rgb, Shape{2, 3, 4, 5}, device()), grayscale()).to_vector();
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_NEAR(y[i], rgb[i], 1e-6);
  expect_error([&] { corrupt(gray, grayscale()); },
               {"colorization needs colour images", "got 1 channel", "[2, 1, 4, 5]"});
  expect_error(
      [&] {
        corrupt(images(Shape{2, 3, 4}, device()), grayscale());
      },
      {"colorization needs colour images", "got 1 channel"});
}

// ---- block masking ------------------------------------------------------------------------

struct Square {
  int64_t top = -1, left = -1;
};

// Checks that sample s of y [N, C, H, W] is x with exactly one patch x patch square zeroed in
// every channel, inside the image; returns the square's position.
Square masked_square(const std::vector<float>& x, const std::vector<float>& y, int64_t s, int64_t c,
                     int64_t h, int64_t w, int64_t patch) {
  const int64_t size = c * h * w;
  Square sq;
  for (int64_t i = 0; i < h * w && sq.top < 0; ++i)
    if (y[s * size + i] == 0.0f) sq = {i / w, i % w};
  EXPECT_GE(sq.top, 0) << "sample " << s << " has no masked pixel";
  EXPECT_LE(sq.top + patch, h);
  EXPECT_LE(sq.left + patch, w);
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t r = 0; r < h; ++r)
      for (int64_t q = 0; q < w; ++q) {
        const int64_t i = s * size + (ch * h + r) * w + q;
        const bool inside =
            r >= sq.top && r < sq.top + patch && q >= sq.left && q < sq.left + patch;
        EXPECT_EQ(y[i], inside ? 0.0f : x[i])
            << "sample " << s << " channel " << ch << " pixel (" << r << ", " << q << ")";
      }
  return sq;
}

TEST_P(CorruptionTransforms, BlockMasksOneSquarePerSampleInEveryChannel) {
  HG_REQUIRE_DEVICE(device());
  struct Geometry {
    int64_t n, c, h, w, patch;
  };
  for (const Geometry& g : {Geometry{7, 1, 9, 7, 3}, Geometry{5, 3, 5, 6, 5},
                            Geometry{4, 2, 3, 11, 1}, Geometry{3, 1, 4, 4, 4}}) {
    const Tensor x = images(Shape{g.n, g.c, g.h, g.w}, device());
    Generator gen(11);
    const std::vector<float> y = corrupt(x, block(g.patch), &gen).to_vector();
    const std::vector<float> xv = x.to_vector();
    for (int64_t s = 0; s < g.n; ++s)
      masked_square(xv, y, s, g.c, g.h, g.w, g.patch);
    if (::testing::Test::HasFailure()) return;
  }
}

// The patch position comes from Philox numbers 2 s C H W and 2 s C H W + 1 of a 2n draw, so
// cpu and cuda agree bitwise and the generator advances by ceil(2n / 4) counters.
TEST_P(CorruptionTransforms, BlockIsBitwiseTheSameOnEveryDeviceAndAdvancesTheGenerator) {
  HG_REQUIRE_DEVICE(device());
  const Shape shape{37, 2, 7, 9};
  const Tensor x = images(shape, Device::cpu());
  Generator gen(123), cpu_gen(123);
  gen.reserve(5);
  cpu_gen.reserve(5);
  const uint64_t before = gen.offset();
  const std::vector<float> got = corrupt(x.to(device()), block(4), &gen).to_vector();
  const std::vector<float> want = corrupt(x, block(4), &cpu_gen).to_vector();
  EXPECT_EQ(bits_of(got), bits_of(want));
  const int64_t n = shape.numel();
  EXPECT_EQ(gen.offset(), before + static_cast<uint64_t>((2 * n + 3) / 4));
  // The next call draws a different square for most samples.
  const std::vector<float> again = corrupt(x.to(device()), block(4), &gen).to_vector();
  const std::vector<float> xv = x.to_vector();
  int64_t moved = 0;
  for (int64_t s = 0; s < 37; ++s) {
    const Square a = masked_square(xv, got, s, 2, 7, 9, 4);
    const Square b = masked_square(xv, again, s, 2, 7, 9, 4);
    moved += a.top != b.top || a.left != b.left;
  }
  EXPECT_GT(moved, 37 / 2);  // 24 positions: the same one again with probability 1/24
}

// Every position (top, left) in [0, H - p] x [0, W - p] equally likely: chi-square over the
// positions of many samples (CPU only: a statistical test needs many draws).
TEST(CorruptionTransformsCpu, BlockPositionsAreUniform) {
  const int64_t n = 6000, h = 8, w = 6, patch = 3;
  const int64_t rows = h - patch + 1, cols = w - patch + 1;
  const Tensor x = Tensor::ones(Shape{n, 1, h, w});
  Generator gen(2024);
  const std::vector<float> y = corrupt(x, block(patch), &gen).to_vector();
  std::vector<int64_t> count(static_cast<size_t>(rows * cols), 0);
  for (int64_t s = 0; s < n; ++s) {
    int64_t first = -1;
    for (int64_t i = 0; i < h * w && first < 0; ++i)
      if (y[s * h * w + i] == 0.0f) first = i;
    ASSERT_GE(first, 0);
    ASSERT_LT(first / w, rows);
    ASSERT_LT(first % w, cols);
    ++count[(first / w) * cols + first % w];
  }
  const double expected = double(n) / double(rows * cols);
  double chi2 = 0.0;
  for (int64_t k : count)
    chi2 += (k - expected) * (k - expected) / expected;
  // 23 degrees of freedom: P(chi2 > 60) < 1e-4.
  std::printf("[ measured ] block positions: chi2 %.2f over %lld cells (%lld samples)\n", chi2,
              static_cast<long long>(rows * cols), static_cast<long long>(n));
  EXPECT_LT(chi2, 60.0);
  EXPECT_GT(*std::min_element(count.begin(), count.end()), 0);
}

TEST_P(CorruptionTransforms, ImageTransformsNeedImagesAndSensibleSizes) {
  HG_REQUIRE_DEVICE(device());
  const Tensor flat = images(Shape{4, 49}, device());
  expect_error([&] { corrupt(flat, block(3)); },
               {"block masking", "[N, C, H, W] or [N, H, W]", "[4, 49]"});
  expect_error([&] { corrupt(flat, downsample(2)); }, {"downsampling", "[4, 49]"});
  const Tensor x = images(Shape{2, 1, 5, 8}, device());
  expect_error([&] { corrupt(x, block(6)); }, {"patch side in [1, 5]", "5 x 8", "got 6"});
  expect_error([&] { corrupt(x, block(0)); }, {"patch side in [1, 5]", "got 0"});
  expect_error([&] { corrupt(x, downsample(0)); }, {"factor >= 1", "got 0"});
  // [N, H, W] counts as one channel.
  const std::vector<float> y = corrupt(images(Shape{2, 5, 8}, device()), block(5)).to_vector();
  EXPECT_EQ(std::count(y.begin(), y.end(), 0.0f), 2 * 25);
}

// ---- names and recipes --------------------------------------------------------------------

TEST(CorruptionTransformNames, RoundTripAndUnknownNames) {
  for (Corruption kind :
       {Corruption::kNone, Corruption::kGaussian, Corruption::kMasking, Corruption::kSaltPepper,
        Corruption::kBlock, Corruption::kDownsample, Corruption::kGrayscale})
    EXPECT_EQ(parse_corruption(corruption_name(kind)), kind) << corruption_name(kind);
  EXPECT_EQ(corruption_name(Corruption::kBlock), "block");
  EXPECT_EQ(corruption_name(Corruption::kDownsample), "downsample");
  EXPECT_EQ(corruption_name(Corruption::kGrayscale), "grayscale");
  expect_error([] { parse_corruption("blur"); },
               {"unknown corruption 'blur'", "\"block\"", "\"downsample\"", "\"grayscale\""});
}

TEST(CorruptionTransformNames, RecipeNoiseLevelIsThePatchOrTheFactor) {
  models::Recipe r;
  r.noise = "block";
  r.noise_level = 9;
  models::validate_recipe(r);
  CorruptionOptions o = models::recipe_corruption(r);
  EXPECT_EQ(o.kind, Corruption::kBlock);
  EXPECT_EQ(o.patch, 9);
  r.noise = "downsample";
  r.noise_level = 4;
  models::validate_recipe(r);
  o = models::recipe_corruption(r);
  EXPECT_EQ(o.kind, Corruption::kDownsample);
  EXPECT_EQ(o.factor, 4);
  r.noise = "grayscale";
  r.noise_level = 0;
  models::validate_recipe(r);
  EXPECT_EQ(models::recipe_corruption(r).kind, Corruption::kGrayscale);
  EXPECT_NE(models::variant_summary(r).find("grayscale"), std::string::npos);

  r.noise = "block";
  r.noise_level = 2.5f;
  expect_error([&] { models::validate_recipe(r); }, {"block", "whole number >= 1", "got 2.5"});
  r.noise = "downsample";
  r.noise_level = 1;
  expect_error([&] { models::validate_recipe(r); }, {"factor", "whole number >= 2", "got 1"});
  r.noise = "grayscale";
  r.noise_level = 0.5f;
  expect_error([&] { models::validate_recipe(r); }, {"grayscale", "no noise level", "got 0.5"});
}

}  // namespace
}  // namespace hg::testing
