// upsample2d through the op harness on every device: nearest and bilinear (align_corners=False)
// with scale 2, scale 3, non-square scales and scale 1, on odd non-square inputs including 1-pixel
// planes (where bilinear clamps both neighbours to the one row); then known values and errors.
//
// Tolerances: forward abs/rel 1e-5 (bilinear mixes four values with weights that are exact
// in float for these scales or nearly so); gradients 1e-3.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hourglass/hourglass.h"
#include "ops/spatial_reference.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

class UpsampleOps : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(UpsampleOps);

OpCase upsample_case(int64_t n, int64_t c, int64_t h, int64_t w, int64_t sh, int64_t sw,
                     UpsampleMode mode) {
  kernels::Upsample2dGeometry g;
  g.batch = n, g.channels = c, g.in_h = h, g.in_w = w, g.scale_h = sh, g.scale_w = sw;
  const bool bilinear = mode == UpsampleMode::kBilinear;
  OpCase oc;
  oc.name = std::string(bilinear ? "bilinear" : "nearest") + " upsample x(" + std::to_string(sh) +
            ", " + std::to_string(sw) + ")";
  oc.inputs = {float_input("x", Shape{n, c, h, w}, uniform(-1, 1))};
  oc.op = [sh, sw, mode](const std::vector<Tensor>& in) { return upsample2d(in[0], sh, sw, mode); };
  oc.output_shape = Shape{n, c, h * sh, w * sw};
  oc.reference = [g, bilinear](const HostValues& v) { return ref_upsample2d(g, bilinear, v[0]); };
  oc.forward = {1e-5, 1e-5};
  return oc;
}

TEST_P(UpsampleOps, NearestAndBilinear) {
  HG_REQUIRE_DEVICE(device());
  struct Spec {
    int64_t n, c, h, w, sh, sw;
  };
  const Spec specs[] = {
      {2, 3, 4, 5, 2, 2},  // the autoencoders' UpSampling2D(2)
      {1, 2, 3, 4, 3, 3},  // scale 3
      {2, 1, 5, 3, 2, 3},  // non-square scale
      {1, 3, 1, 4, 3, 2},  // a one-row plane
      {1, 2, 4, 1, 1, 4},  // a one-column plane, scale 1 in height
      {1, 5, 3, 3, 1, 1},  // identity
  };
  for (UpsampleMode mode : {UpsampleMode::kNearest, UpsampleMode::kBilinear})
    for (const Spec& s : specs)
      check_op(device(), [&](Rng&) { return upsample_case(s.n, s.c, s.h, s.w, s.sh, s.sw, mode); });
}

TEST_P(UpsampleOps, KnownValues) {
  HG_REQUIRE_DEVICE(device());
  const Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, Shape{1, 1, 2, 2}, device());
  EXPECT_EQ(upsample2d(x, 2, 2).to_vector(),
            (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
  // torch.nn.functional.interpolate(x, scale_factor=2, mode='bilinear') of [[1, 2], [3, 4]].
  const std::vector<float> want = {1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5,
                                   2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0};
  const std::vector<float> got = upsample2d(x, 2, 2, UpsampleMode::kBilinear).to_vector();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-6) << "element " << i;
}

TEST(UpsampleErrors, BadShapesAndScales) {
  expect_error(
      [] {
        upsample2d(Tensor::zeros(Shape{2, 3, 4}), 2, 2);
      },
      {"upsample2d", "rank 4", "[2, 3, 4]"});
  expect_error(
      [] {
        upsample2d(Tensor::zeros(Shape{1, 1, 2, 2}), 0, 2);
      },
      {"scale factors must be >= 1", "(0, 2)"});
  expect_error(
      [] {
        upsample2d(Tensor::zeros(Shape{1, 1, 2, 2}, Device::cpu(), DType::kInt32), 2, 2);
      },
      {"upsample2d", "float32", "int32"});
}

}  // namespace
}  // namespace hg::testing
