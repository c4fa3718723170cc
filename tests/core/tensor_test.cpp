// Tensor: creation, host round trips, views (reshape with -1, slice_rows), device moves,
// clone/detach, and the errors for size and dtype mismatches.
#include <gtest/gtest.h>

#include "hourglass/hourglass.h"
#include "hourglass/ops/ops.h"
#include "support/devices.h"
#include "support/op_harness.h"

namespace hg::testing {
namespace {

class TensorTest : public DeviceTest {};
HG_INSTANTIATE_DEVICE_TESTS(TensorTest);

TEST_P(TensorTest, Creation) {
  HG_REQUIRE_DEVICE(device());
  const Tensor z = Tensor::zeros(Shape{2, 3}, device());
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.numel(), 6);
  EXPECT_EQ(z.dtype(), DType::kFloat32);
  EXPECT_EQ(z.device(), device());
  EXPECT_EQ(z.to_vector(), std::vector<float>(6, 0.0f));
  EXPECT_EQ(Tensor::ones(Shape{4}, device()).to_vector(), std::vector<float>(4, 1.0f));
  EXPECT_EQ(Tensor::full(Shape{2, 2}, -2.5f, device()).to_vector(), std::vector<float>(4, -2.5f));
  const Tensor s = Tensor::scalar(3.0f, device());
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.item(), 3.0f);
  const Tensor zi = Tensor::zeros(Shape{3}, device(), DType::kInt32);
  EXPECT_EQ(zi.to_vector_i32(), std::vector<int32_t>(3, 0));
  const Tensor zu = Tensor::zeros(Shape{3}, device(), DType::kUInt8);
  EXPECT_EQ(zu.to_vector_u8(), std::vector<uint8_t>(3, 0));
  EXPECT_EQ(Tensor::zeros(Shape{0, 5}, device()).numel(), 0);
}

TEST_P(TensorTest, FromVectorRoundTrips) {
  HG_REQUIRE_DEVICE(device());
  const std::vector<float> f{1.5f, -2.0f, 3.25f, 0.0f, 7.0f, -1e-7f};
  EXPECT_EQ(Tensor::from_vector(f, Shape{2, 3}, device()).to_vector(), f);
  const std::vector<int32_t> i{-3, 0, 2147483647};
  const Tensor ti = Tensor::from_vector(i, Shape{3}, device());
  EXPECT_EQ(ti.dtype(), DType::kInt32);
  EXPECT_EQ(ti.to_vector_i32(), i);
  const std::vector<uint8_t> u{0, 128, 255};
  const Tensor tu = Tensor::from_vector(u, Shape{3}, device());
  EXPECT_EQ(tu.dtype(), DType::kUInt8);
  EXPECT_EQ(tu.to_vector_u8(), u);
}

TEST_P(TensorTest, FromVectorSizeMismatchIsAnError) {
  HG_REQUIRE_DEVICE(device());
  expect_error(
      [&] {
        Tensor::from_vector(std::vector<float>(5), Shape{2, 3}, device());
      },
      {"from_vector", "5", "[2, 3]", "6"});
}

TEST_P(TensorTest, ReshapeInfersMinusOneAndSharesStorage) {
  HG_REQUIRE_DEVICE(device());
  const Tensor x = Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 4, 5}, Shape{2, 3}, device());
  const Tensor r = x.reshape({-1, 2});
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_TRUE(r.same_storage(x));
  EXPECT_EQ(r.to_vector(), x.to_vector());
  EXPECT_EQ(x.reshape({6}).shape(), Shape{6});
  EXPECT_EQ(x.reshape({1, -1, 1}).shape(), (Shape{1, 6, 1}));
  expect_error([&] { x.reshape({4, -1}); }, {"reshape", "[2, 3]"});
  expect_error([&] { x.reshape({-1, -1}); }, {"-1"});
  expect_error([&] { x.reshape({5}); }, {"[2, 3]", "[5]"});
}

TEST_P(TensorTest, SliceRowsIsAView) {
  HG_REQUIRE_DEVICE(device());
  const Tensor x =
      Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}, Shape{4, 2}, device());
  const Tensor rows = x.slice_rows(1, 3);
  EXPECT_EQ(rows.shape(), (Shape{2, 2}));
  EXPECT_EQ(rows.to_vector(), (std::vector<float>{2, 3, 4, 5}));
  EXPECT_TRUE(rows.same_storage(x));
  EXPECT_EQ(x.slice_rows(4, 4).numel(), 0);
  expect_error([&] { x.slice_rows(3, 5); }, {"slice_rows", "[4, 2]"});
  expect_error([&] { x.slice_rows(2, 1); }, {"slice_rows"});
  expect_error([&] { Tensor::scalar(1.0f).slice_rows(0, 1); }, {"slice_rows", "rank"});
}

TEST_P(TensorTest, ToCloneDetach) {
  HG_REQUIRE_DEVICE(device());
  const Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3}, Shape{3}, device());
  // to() the same device is the same tensor; across devices a copy with equal values.
  EXPECT_TRUE(x.to(device()).same_storage(x));
  const Tensor host = x.to(Device::cpu());
  EXPECT_EQ(host.device(), Device::cpu());
  EXPECT_EQ(host.to_vector(), x.to_vector());
  EXPECT_EQ(host.to(device()).to_vector(), x.to_vector());

  Tensor c = x.clone();
  EXPECT_FALSE(c.same_storage(x));
  c.fill_(9.0f);
  EXPECT_EQ(x.to_vector(), (std::vector<float>{1, 2, 3}));

  Tensor leaf = Tensor::ones(Shape{3}, device());
  leaf.set_requires_grad(true);
  const Tensor y = leaf * 2.0f;
  EXPECT_TRUE(y.requires_grad());
  const Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_TRUE(d.same_storage(y));
  clear_tape();
}

TEST_P(TensorTest, CopyAndFillInPlace) {
  HG_REQUIRE_DEVICE(device());
  Tensor x = Tensor::zeros(Shape{2, 2}, device());
  x.copy_(Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, Shape{2, 2}));  // from the CPU
  EXPECT_EQ(x.to_vector(), (std::vector<float>{1, 2, 3, 4}));
  x.fill_(0.5f);
  EXPECT_EQ(x.to_vector(), std::vector<float>(4, 0.5f));
  expect_error([&] { x.copy_(Tensor::zeros(Shape{4}, device())); }, {"copy_", "[4]", "[2, 2]"});
}

TEST(TensorErrors, DtypeMismatches) {
  const Tensor f = Tensor::zeros(Shape{2});
  const Tensor i = Tensor::zeros(Shape{2}, Device::cpu(), DType::kInt32);
  expect_error([&] { f.data<int32_t>(); }, {"float32", "int32"});
  expect_error([&] { i.data<float>(); }, {"int32", "float32"});
  expect_error([&] { f.to_vector_i32(); }, {"float32", "int32"});
  expect_error([&] { i.to_vector(); }, {"int32", "float32"});
  expect_error([&] { f.item(); }, {"item", "[2]"});
  expect_error([&] { Tensor(i).set_requires_grad(true); }, {"float32", "int32"});
  expect_error([&] { Tensor(f).copy_(i); }, {"copy_", "int32", "float32"});
  expect_error([&] { Tensor().shape(); }, {"undefined"});
}

TEST(TensorErrors, OnlyLeavesTakeRequiresGrad) {
  Tensor leaf = Tensor::ones(Shape{2});
  leaf.set_requires_grad(true);
  Tensor y = leaf * 3.0f;
  expect_error([&] { y.set_requires_grad(true); }, {"leaf"});
  clear_tape();
}

TEST(TensorPrinting, DescribesShapeDtypeDevice) {
  std::ostringstream out;
  out << Tensor::zeros(Shape{2, 3});
  EXPECT_EQ(out.str(), "Tensor[2, 3] float32 cpu");
}

}  // namespace
}  // namespace hg::testing
