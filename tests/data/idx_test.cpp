// IDX reader: every kind of malformed file gets its own error naming the file; valid files,
// plain and gzip-compressed, round-trip; load_mnist finds the usual names and reports missing ones.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/data/data.h"

namespace hg::data {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hg-idx-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const Bytes& bytes) {
    const std::string path = (fs::path(dir_) / name).string();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  std::string dir_;
};

// Header bytes of an unsigned-byte IDX file with these dimensions.
Bytes header(const std::vector<uint32_t>& dims, uint8_t type = 0x08) {
  Bytes out = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<uint8_t>(d >> shift));
  }
  return out;
}

Bytes idx(const std::vector<uint32_t>& dims, size_t payload) {
  Bytes out = header(dims);
  for (size_t i = 0; i < payload; ++i)
    out.push_back(static_cast<uint8_t>(i * 7));
  return out;
}

// The hg::Error message `fn` throws; fails the test when it throws nothing.
template <class Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an hg::Error";
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(IdxTest, ValidImagesRoundTrip) {
  const std::string path = write("images", idx({3, 2, 4}, 24));
  const Tensor t = read_idx_images(path);
  EXPECT_EQ(t.shape(), (Shape{3, 2, 4}));
  EXPECT_EQ(t.dtype(), DType::kUInt8);
  const Bytes values = t.to_vector_u8();
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(values[i], static_cast<uint8_t>(i * 7));
}

TEST_F(IdxTest, WriteThenReadPlainAndGzip) {
  std::vector<uint8_t> values(2 * 5 * 3);
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<uint8_t>(255 - i);
  const Tensor t = Tensor::from_vector(values, Shape{2, 5, 3});
  for (const char* name : {"w-images", "w-images.gz"}) {
    const std::string path = (fs::path(dir_) / name).string();
    write_idx(path, t);
    const Tensor back = read_idx_images(path);
    EXPECT_EQ(back.shape(), t.shape()) << name;
    EXPECT_EQ(back.to_vector_u8(), values) << name;
  }
  // No temporary file is left beside them.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);
}

// A gzip payload of several of the writer's 1 MiB chunks (3 x 1000 x 1000 bytes, not a multiple
// of the chunk) round-trips: the writer hands zlib the data chunk by chunk (so sizes of 4 GiB and
// more never pass through gzwrite's unsigned length).
TEST_F(IdxTest, GzipWriterWritesInChunks) {
  std::vector<uint8_t> values(size_t{3} * 1000 * 1000);
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
  const std::string path = (fs::path(dir_) / "big-images.gz").string();
  write_idx(path, Tensor::from_vector(values, Shape{3, 1000, 1000}));
  EXPECT_EQ(read_idx_images(path).to_vector_u8(), values);
}

// The number of open file descriptors of this process.
int64_t open_descriptors() {
  return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator());
}

// A directory opens with fopen but is refused as not a regular file: the FILE must be closed.
TEST_F(IdxTest, DirectoryPathIsRefusedWithoutLeakingItsFile) {
  const int64_t before = open_descriptors();
  for (int i = 0; i < 50; ++i) {
    const std::string m = error_of([&] { read_idx_images(dir_); });
    EXPECT_TRUE(contains(m, "is not a regular file")) << m;
  }
  EXPECT_EQ(open_descriptors(), before);
}

TEST_F(IdxTest, ReadsGzipWrittenByZlib) {
  const Bytes bytes = idx({6}, 6);
  const std::string path = (fs::path(dir_) / "labels.gz").string();
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
  const Tensor t = read_idx_labels(path);
  EXPECT_EQ(t.shape(), (Shape{6}));
  EXPECT_EQ(t.to_vector_u8(), (Bytes{0, 7, 14, 21, 28, 35}));
}

TEST_F(IdxTest, GzipBytesUnderAPlainName) {
  const std::string path = (fs::path(dir_) / "images.gz").string();
  write_idx(path, Tensor::from_vector(Bytes(8, 1), Shape{2, 2, 2}));
  const std::string plain = (fs::path(dir_) / "train-images-idx3-ubyte").string();
  fs::rename(path, plain);
  const std::string m = error_of([&] { read_idx_images(plain); });
  EXPECT_TRUE(contains(m, "is gzip-compressed; decompress it or pass the .gz path")) << m;
  EXPECT_TRUE(contains(m, plain)) << m;
}

TEST_F(IdxTest, TruncatedGzipPayload) {
  const std::string path = (fs::path(dir_) / "images.gz").string();
  gzFile gz = gzopen(path.c_str(), "wb");
  const Bytes bytes = idx({4, 2, 2}, 10);  // 16 elements promised, 10 present
  gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(gz);
  const std::string m = error_of([&] { read_idx_images(path); });
  EXPECT_TRUE(contains(m, "is truncated: expected 32 decompressed bytes")) << m;
  EXPECT_TRUE(contains(m, "found 26")) << m;
}

TEST_F(IdxTest, WrongMagic) {
  Bytes bytes = idx({2, 2, 2}, 8);
  bytes[0] = 0x12, bytes[1] = 0x34;
  const std::string path = write("bad-magic", bytes);
  const std::string m = error_of([&] { read_idx_images(path); });
  EXPECT_TRUE(contains(m, "bad magic number: expected 0x00000803, found 0x12340803")) << m;
  EXPECT_TRUE(contains(m, path)) << m;
}

TEST_F(IdxTest, WrongElementType) {
  Bytes bytes = header({2, 2, 2}, 0x0D);
  bytes.resize(bytes.size() + 32);
  const std::string path = write("floats", bytes);
  const std::string m = error_of([&] { read_idx_images(path); });
  EXPECT_TRUE(contains(m, "type 0xd (float32); only 0x08 (unsigned byte) is supported")) << m;
}

TEST_F(IdxTest, WrongRank) {
  const std::string path = write("labels-as-images", idx({5}, 5));
  const std::string m = error_of([&] { read_idx_images(path); });
  EXPECT_TRUE(contains(m, "has rank 1 (magic 0x00000801), expected an image file of rank 3")) << m;
}

TEST_F(IdxTest, AbsurdDimensions) {
  const std::string zero = write("zero", header({0, 28, 28}));
  std::string m = error_of([&] { read_idx_images(zero); });
  EXPECT_TRUE(contains(m, "absurd dimension 0 = 0")) << m;

  const std::string huge = write("huge", header({4000000000u, 28, 28}));
  m = error_of([&] { read_idx_images(huge); });
  EXPECT_TRUE(contains(m, "absurd dimension 0 = 4000000000")) << m;

  // Each dimension plausible, their product not: rejected before any allocation.
  const std::string product = write("product", header({100000000, 100000, 100}));
  m = error_of([&] { read_idx_images(product); });
  EXPECT_TRUE(contains(m, "absurd dimensions 100000000 x 100000 x 100")) << m;
}

TEST_F(IdxTest, TruncatedPayloadAndHeader) {
  const std::string path = write("short", idx({10, 28, 28}, 100));
  std::string m = error_of([&] { read_idx_images(path); });
  EXPECT_TRUE(contains(m,
                       "is truncated: expected 7856 bytes (header + 10 x 28 x 28 elements), "
                       "found 116"))
      << m;

  const std::string cut = write("cut-header", Bytes{0, 0, 8, 3, 0, 0});
  m = error_of([&] { read_idx_images(cut); });
  EXPECT_TRUE(contains(m, "truncated in its header")) << m;

  const std::string tiny = write("tiny", Bytes{0, 0});
  m = error_of([&] { read_idx_images(tiny); });
  EXPECT_TRUE(contains(m, "shorter than the 4-byte magic number")) << m;
}

TEST_F(IdxTest, TrailingBytes) {
  const std::string path = write("long", idx({2, 2, 2}, 11));
  const std::string m = error_of([&] { read_idx_images(path); });
  EXPECT_TRUE(contains(m, "has 3 trailing bytes: expected 24 bytes")) << m;
}

TEST_F(IdxTest, MissingFile) {
  const std::string m = error_of([&] { read_idx_images(dir_ + "/nope"); });
  EXPECT_TRUE(contains(m, "cannot open IDX file")) << m;
}

TEST_F(IdxTest, PairCountMismatch) {
  const std::string images = write("img", idx({4, 2, 2}, 16));
  const std::string labels = write("lab", idx({3}, 3));
  const std::string m = error_of([&] { load_idx_pair(images, labels); });
  EXPECT_TRUE(contains(m, "image/label count mismatch")) << m;
  EXPECT_TRUE(contains(m, "holds 4 images")) << m;
  EXPECT_TRUE(contains(m, "holds 3 labels")) << m;
}

TEST_F(IdxTest, PairScalesPixelsAndLimits) {
  Bytes pixels = header({3, 1, 2});
  for (uint8_t v : {0, 255, 51, 102, 153, 204})
    pixels.push_back(v);
  const std::string images = write("img", pixels);
  Bytes labels = header({3});
  for (uint8_t v : {7, 1, 9})
    labels.push_back(v);
  const std::string label_path = write("lab", labels);

  const Dataset all = load_idx_pair(images, label_path);
  EXPECT_EQ(all.images.shape(), (Shape{3, 1, 1, 2}));
  const std::vector<float> v = all.images.to_vector();
  EXPECT_FLOAT_EQ(v[0], 0.0f);
  EXPECT_FLOAT_EQ(v[1], 1.0f);
  EXPECT_FLOAT_EQ(v[2], 0.2f);
  EXPECT_EQ(all.labels.to_vector_i32(), (std::vector<int32_t>{7, 1, 9}));

  const Dataset two = load_idx_pair(images, label_path, 2);
  EXPECT_EQ(two.size(), 2);
  EXPECT_EQ(two.labels.to_vector_i32(), (std::vector<int32_t>{7, 1}));
}

TEST_F(IdxTest, LoadMnistFindsPlainAndGzipNames) {
  write("t10k-images-idx3-ubyte", idx({2, 28, 28}, 2 * 28 * 28));
  write_idx(dir_ + "/t10k-labels-idx1-ubyte.gz", Tensor::from_vector(Bytes{3, 4}, Shape{2}));
  const Dataset test = load_mnist(dir_, Split::kTest);
  EXPECT_EQ(test.images.shape(), (Shape{2, 1, 28, 28}));
  EXPECT_EQ(test.labels.to_vector_i32(), (std::vector<int32_t>{3, 4}));

  const std::string m = error_of([&] { load_mnist(dir_, Split::kTrain); });
  EXPECT_TRUE(contains(m, "train-images-idx3-ubyte, train-labels-idx1-ubyte")) << m;
  EXPECT_TRUE(contains(m, "tools/fetch-data mnist")) << m;

  const std::string none = error_of([&] { load_mnist(dir_ + "/absent", Split::kTrain); });
  EXPECT_TRUE(contains(none, "does not exist")) << none;
}

}  // namespace
}  // namespace hg::data
