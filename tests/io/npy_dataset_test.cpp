// NPY datasets: every accepted image layout and dtype becomes float32 [N, C, H, W] or [N, D] in
// [0, 1] with int32 labels; every bad file is an error naming it; load_split picks the MNIST IDX
// files or the NPY arrays a directory holds, and lists both layouts when it holds neither.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/data/data.h"
#include "hourglass/io/npy.h"
#include "support/expect_error.h"

namespace hg::data {
namespace {

namespace fs = std::filesystem;
using hg::testing::expect_error;

class NpyDatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hg-npy-dataset-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  void write(const std::string& name, const Tensor& t) const { io::write_npy(path(name), t); }
  std::string dir_;
};

// uint8 pixels 0, 1, 2, ... for a shape.
Tensor ramp_u8(const Shape& shape) {
  std::vector<uint8_t> values(static_cast<size_t>(shape.numel()));
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<uint8_t>(i * 5);
  return Tensor::from_vector(values, shape);
}

TEST_F(NpyDatasetTest, Uint8ImagesNHWAreScaledAndGetAChannel) {
  write("train_images.npy", ramp_u8(Shape{3, 2, 4}));
  write("train_labels.npy", Tensor::from_vector(std::vector<uint8_t>{7, 0, 255}, Shape{3}));
  const Dataset d = load_npy_split(dir_, Split::kTrain);
  EXPECT_EQ(d.images.shape(), (Shape{3, 1, 2, 4}));
  EXPECT_EQ(d.images.dtype(), DType::kFloat32);
  const std::vector<float> pixels = d.images.to_vector();
  for (size_t i = 0; i < pixels.size(); ++i)
    EXPECT_EQ(pixels[i], static_cast<float>(static_cast<uint8_t>(i * 5)) * (1.0f / 255.0f));
  EXPECT_EQ(d.labels.dtype(), DType::kInt32);
  EXPECT_EQ(d.labels.to_vector_i32(), (std::vector<int32_t>{7, 0, 255}));
  EXPECT_NE(d.name.find("train"), std::string::npos);
}

TEST_F(NpyDatasetTest, Float32NCHWWithInt32LabelsAndALimit) {
  std::vector<float> values(4 * 3 * 2 * 2);
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<float>(i) / 47.0f;
  write("test_images.npy", Tensor::from_vector(values, Shape{4, 3, 2, 2}));
  write("test_labels.npy", Tensor::from_vector(std::vector<int32_t>{-1, 5, 9, 100000}, Shape{4}));
  const Dataset all = load_npy_split(dir_, Split::kTest);
  EXPECT_EQ(all.images.shape(), (Shape{4, 3, 2, 2}));
  EXPECT_EQ(all.images.to_vector(), values);
  EXPECT_EQ(all.labels.to_vector_i32(), (std::vector<int32_t>{-1, 5, 9, 100000}));

  const Dataset two = load_npy_split(dir_, Split::kTest, 2);
  EXPECT_EQ(two.images.shape(), (Shape{2, 3, 2, 2}));
  EXPECT_EQ(two.images.to_vector(), std::vector<float>(values.begin(), values.begin() + 24));
  EXPECT_EQ(two.labels.to_vector_i32(), (std::vector<int32_t>{-1, 5}));
  EXPECT_EQ(load_npy_split(dir_, Split::kTest, 10).size(), 4);
}

TEST_F(NpyDatasetTest, FlatImagesWithoutLabels) {
  write("train_images.npy",
        Tensor::from_vector(std::vector<float>{0, 1, 0.5f, 0.25f, 1, 0}, Shape{2, 3}));
  const Dataset d = load_npy_split(dir_, Split::kTrain);
  EXPECT_EQ(d.images.shape(), (Shape{2, 3}));
  EXPECT_FALSE(d.labels.defined());
  // The test split has no files here.
  expect_error([&] { load_npy_split(dir_, Split::kTest); },
               {path("test_images.npy"), "not found", "test_labels.npy"});
}

TEST_F(NpyDatasetTest, Float32PixelsOutsideZeroOneAreRejected) {
  write("train_images.npy",
        Tensor::from_vector(std::vector<float>{0, 0.5f, 1, 0.2f, 255, 0}, Shape{2, 3}));
  expect_error([&] { load_npy_split(dir_, Split::kTrain); },
               {path("train_images.npy"), "255", "sample 1, element 1", "[0, 1]"});
  write("train_images.npy", Tensor::from_vector(std::vector<float>{-0.01f, 0}, Shape{1, 2}));
  expect_error([&] { load_npy_split(dir_, Split::kTrain); }, {"-0.01", "sample 0, element 0"});
  write("train_images.npy",
        Tensor::from_vector(std::vector<float>{0, std::numeric_limits<float>::quiet_NaN()},
                            Shape{1, 2}));
  expect_error([&] { load_npy_split(dir_, Split::kTrain); }, {"nan", "element 1"});
  // Inf, and only the first bad value is named (the NaN after it is not).
  write("train_images.npy",
        Tensor::from_vector(std::vector<float>{0, 0, -std::numeric_limits<float>::infinity(),
                                               std::numeric_limits<float>::quiet_NaN()},
                            Shape{2, 2}));
  expect_error([&] { load_npy_split(dir_, Split::kTrain); },
               {path("train_images.npy"), "-inf", "sample 1, element 0"});
  // The check covers the samples loaded: a limit that stops before the bad one loads fine.
  write("train_images.npy", Tensor::from_vector(std::vector<float>{0, 1, 2, 3}, Shape{2, 2}));
  EXPECT_EQ(load_npy_split(dir_, Split::kTrain, 1).size(), 1);
}

TEST_F(NpyDatasetTest, BadImageFilesAreRejectedByName) {
  write("train_images.npy", Tensor::from_vector(std::vector<int32_t>{1, 2}, Shape{1, 2}));
  expect_error([&] { load_npy_split(dir_, Split::kTrain); },
               {path("train_images.npy"), "int32", "uint8", "float32"});
  write("train_images.npy", Tensor::zeros(Shape{6}));
  expect_error([&] { load_npy_split(dir_, Split::kTrain); },
               {path("train_images.npy"), "[6]", "[N, H, W], [N, C, H, W] or [N, D]"});
  write("train_images.npy", Tensor::zeros(Shape{1, 1, 1, 2, 2}));
  expect_error([&] { load_npy_split(dir_, Split::kTrain); }, {"[1, 1, 1, 2, 2]"});
  write("train_images.npy", Tensor::zeros(Shape{0, 4}));
  expect_error([&] { load_npy_split(dir_, Split::kTrain); }, {"[0, 4]", "no pixels"});
  // Not an NPY file at all: the reader's error, naming the file.
  std::ofstream(path("train_images.npy")) << "not numpy";
  expect_error([&] { load_npy_split(dir_, Split::kTrain); },
               {path("train_images.npy"), "not an NPY file"});
}

TEST_F(NpyDatasetTest, BadLabelFilesAreRejectedByName) {
  write("train_images.npy", ramp_u8(Shape{3, 2, 2}));
  write("train_labels.npy", Tensor::from_vector(std::vector<float>{1, 2, 3}, Shape{3}));
  expect_error([&] { load_npy_split(dir_, Split::kTrain); },
               {path("train_labels.npy"), "float32", "int32 or uint8"});
  write("train_labels.npy", Tensor::from_vector(std::vector<int32_t>{1, 2, 3}, Shape{3, 1}));
  expect_error([&] { load_npy_split(dir_, Split::kTrain); },
               {path("train_labels.npy"), "[3, 1]", "[N]"});
  write("train_labels.npy", Tensor::from_vector(std::vector<int32_t>{1, 2}, Shape{2}));
  expect_error([&] { load_npy_split(dir_, Split::kTrain, 1); },
               {path("train_images.npy"), "3 images", path("train_labels.npy"), "2 labels"});
}

// ---- load_split -------------------------------------------------------------------------------

TEST_F(NpyDatasetTest, LoadSplitTakesIdxFilesFirst) {
  write_idx(path("train-images-idx3-ubyte"), ramp_u8(Shape{2, 3, 3}));
  write_idx(path("train-labels-idx1-ubyte.gz"),
            Tensor::from_vector(std::vector<uint8_t>{4, 2}, Shape{2}));
  write("train_images.npy", Tensor::zeros(Shape{5, 4}));  // ignored: the IDX pair is complete
  const Dataset d = load_split(dir_, Split::kTrain);
  EXPECT_EQ(d.images.shape(), (Shape{2, 1, 3, 3}));
  EXPECT_EQ(d.labels.to_vector_i32(), (std::vector<int32_t>{4, 2}));
  EXPECT_EQ(load_split(dir_, Split::kTrain, 1).size(), 1);
}

TEST_F(NpyDatasetTest, LoadSplitFallsBackToNpy) {
  // Only half of the IDX pair: the NPY arrays are used.
  write_idx(path("t10k-images-idx3-ubyte"), ramp_u8(Shape{2, 3, 3}));
  write("test_images.npy", ramp_u8(Shape{5, 4}));
  const Dataset d = load_split(dir_, Split::kTest);
  EXPECT_EQ(d.images.shape(), (Shape{5, 4}));
  EXPECT_FALSE(d.labels.defined());
  EXPECT_EQ(load_split(dir_, Split::kTest, 3).size(), 3);
}

TEST_F(NpyDatasetTest, LoadSplitListsBothLayoutsWhenNeitherIsThere) {
  write("train_images.npy", ramp_u8(Shape{5, 4}));  // the other split
  expect_error([&] { load_split(dir_, Split::kTest); },
               {"no test data", dir_, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", ".gz",
                "test_images.npy", "test_labels.npy"});
  expect_error([&] { load_split(dir_ + "/missing", Split::kTrain); },
               {dir_ + "/missing", "does not exist"});
}

}  // namespace
}  // namespace hg::data
