// NPY: round trips of every dtype and odd shapes, the byte layout against the format spec,
// hand-built headers of every version, one test per rejection, and a cross-check with NumPy
// itself ($HG_PYTHON, default /usr/bin/python3) in both directions; without numpy that part
// skips, unless HG_REQUIRE_NUMPY=1 (CI), where it fails.
#include "hourglass/io/npy.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <string>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/io/atomic_file.h"
#include "io/io_test_util.h"
#include "support/devices.h"
#include "support/expect_error.h"
#include "support/requirements.h"

namespace hg::io {
namespace {

namespace fs = std::filesystem;
using hg::testing::expect_error;

// An NPY file with this header dict, padded like NumPy pads it (version 1.0 unless given).
std::string npy_bytes(const std::string& dict, const std::string& data, int major = 1) {
  const size_t length_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  while ((8 + length_bytes + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  for (size_t i = 0; i < length_bytes; ++i)
    out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xFF));
  return out + header + data;
}

std::string raw(const void* data, size_t bytes) {
  return std::string(static_cast<const char*>(data), bytes);
}

void expect_rejected(const std::string& bytes, const std::vector<std::string>& parts) {
  std::vector<std::string> all = parts;
  all.push_back("'bad.npy'");
  expect_error([&] { decode_npy(bytes, "bad.npy"); }, all);
}

std::vector<Tensor> sample_tensors() {
  return {
      Tensor::from_vector(std::vector<float>{1.5f, -2.25f, 3e-8f, 1e30f, -0.0f, 7.0f}, Shape{2, 3}),
      Tensor::from_vector(std::vector<int32_t>{-7, 0, 2147483647, -2147483647 - 1, 5}, Shape{5}),
      Tensor::from_vector(std::vector<uint8_t>{0, 1, 127, 128, 254, 255, 9, 10}, Shape{2, 2, 2}),
      Tensor::scalar(0.125f),
      Tensor::zeros(Shape{0, 3}),
      Tensor::empty(Shape{4, 0}, DType::kInt32),
      Tensor::from_vector(
          std::vector<float>{1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f, 9.f, 10.f, 11.f, 12.f},
          Shape{1, 2, 1, 3, 1, 2}),
      Tensor::zeros(Shape{int64_t{12345678901}, 0}),
  };
}

class NpyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hg-npy-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  std::string dir_;
};

TEST(NpyTest, RoundTripsEveryDtypeAndOddShapesInMemory) {
  for (const Tensor& t : sample_tensors()) {
    SCOPED_TRACE(t.shape().str());
    const std::string bytes = encode_npy(t);
    EXPECT_EQ((bytes.size() - t.nbytes()) % 64, 0u) << "data must start 64-byte aligned";
    hg::testing::expect_same_tensor(t, decode_npy(bytes, "mem"));
  }
}

TEST_F(NpyFiles, RoundTripsThroughAFile) {
  const Tensor t = Tensor::from_vector(std::vector<uint8_t>{3, 1, 4, 1, 5, 9}, Shape{3, 2});
  write_npy(path("a.npy"), t);
  hg::testing::expect_same_tensor(t, read_npy(path("a.npy")));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST(NpyTest, WritesTensorsOfEveryDevice) {
  for (const Device& device : hg::testing::test_devices()) {
    if (device.is_cuda() && !cuda_available()) continue;
    SCOPED_TRACE(hg::testing::device_test_name(device));
    const Tensor t =
        Tensor::from_vector(std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f}, Shape{2, 2}, device);
    EXPECT_EQ(decode_npy(encode_npy(t), "m").to_vector(), (std::vector<float>{1, 2, 3, 4}));
  }
}

TEST(NpyTest, ByteLayoutMatchesTheFormatSpec) {
  // Version 1.0, a 2-byte header length (118), the dict with NumPy's spare spaces for growing the
  // first dimension, padded to 128 bytes in all with a final newline, then the elements.
  const Tensor t = Tensor::from_vector(std::vector<float>{1.0f, -2.0f}, Shape{1, 2});
  std::string expected("\x93NUMPY\x01\x00\x76\x00", 10);
  expected += "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }";
  expected += std::string(128 - 1 - expected.size(), ' ') + "\n";
  expected += std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8);
  EXPECT_EQ(encode_npy(t), expected);

  const std::string scalar = encode_npy(Tensor::from_vector(std::vector<uint8_t>{7}, Shape{}));
  EXPECT_NE(scalar.find("{'descr': '|u1', 'fortran_order': False, 'shape': (), }"),
            std::string::npos);
  EXPECT_EQ(scalar.size(), 129u);
  EXPECT_EQ(scalar.back(), '\x07');
  EXPECT_NE(encode_npy(Tensor::zeros(Shape{5})).find("'shape': (5,), }"), std::string::npos);
}

TEST(NpyTest, ReadsEveryVersionAndHeaderSpelling) {
  const int32_t ints[3] = {-1, 2, 70000};
  const std::string data = raw(ints, sizeof(ints));
  const std::vector<std::string> dicts = {
      "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
      "{\"shape\": (3,), \"descr\": \"<i4\", \"fortran_order\": False}",
      "{'descr':'<i4','fortran_order':False,'shape':(3L,)}",
  };
  for (int major : {1, 2, 3}) {
    for (const std::string& dict : dicts) {
      SCOPED_TRACE(dict + " v" + std::to_string(major));
      const Tensor t = decode_npy(npy_bytes(dict, data, major), "x.npy");
      EXPECT_EQ(t.dtype(), DType::kInt32);
      EXPECT_EQ(t.to_vector_i32(), (std::vector<int32_t>{-1, 2, 70000}));
    }
  }
  const Tensor u8 = decode_npy(
      npy_bytes("{'descr': '<u1', 'fortran_order': False, 'shape': (2, 1), }", "ab"), "u.npy");
  EXPECT_EQ(u8.shape(), (Shape{2, 1}));
  EXPECT_EQ(u8.to_vector_u8(), (std::vector<uint8_t>{'a', 'b'}));
}

// ---- rejections: one test each ----------------------------------------------------------------

const std::string kF32Dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
const std::string kTwoFloats = std::string(8, '\0');

TEST(NpyReject, NotAnNpyFile) {
  expect_rejected("PK\x03\x04 zip", {"magic"});
  expect_rejected("", {"not an NPY file"});
}

TEST(NpyReject, UnsupportedVersion) {
  std::string bytes = npy_bytes(kF32Dict, kTwoFloats);
  bytes[6] = 4;
  expect_rejected(bytes, {"version 4.0", "1.0, 2.0 and 3.0"});
  bytes[6] = 1;
  bytes[7] = 1;
  expect_rejected(bytes, {"version 1.1"});
}

TEST(NpyReject, TruncatedPreambleOrHeader) {
  const std::string bytes = npy_bytes(kF32Dict, kTwoFloats);
  expect_rejected(bytes.substr(0, 9), {"truncated in its preamble"});
  expect_rejected(bytes.substr(0, 40), {"truncated in its header"});
}

TEST(NpyReject, BigEndian) {
  expect_rejected(
      npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", kTwoFloats),
      {"'>f4'", "big-endian", "'<f4'"});
}

TEST(NpyReject, FortranOrder) {
  expect_rejected(
      npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", kTwoFloats),
      {"Fortran", "C order"});
}

TEST(NpyReject, OtherDtypes) {
  expect_rejected(
      npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", kTwoFloats),
      {"'<f8'", "float32", "int32", "uint8"});
  expect_rejected(
      npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", kTwoFloats),
      {"'<i8'"});
}

TEST(NpyReject, ObjectArrays) {
  expect_rejected(npy_bytes("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", kTwoFloats),
                  {"'|O'", "object array"});
}

TEST(NpyReject, StructuredArrays) {
  expect_rejected(
      npy_bytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", kTwoFloats),
      {"structured"});
}

TEST(NpyReject, MalformedHeader) {
  expect_rejected(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", kTwoFloats),
                  {"malformed header"});
  expect_rejected(npy_bytes("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", kTwoFloats),
                  {"malformed header", "'fortran_order'"});
  expect_rejected(
      npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", kTwoFloats),
      {"after the dict"});
  expect_rejected(npy_bytes("{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }", kTwoFloats),
                  {"malformed header"});
  expect_rejected(
      npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,), }", kTwoFloats),
      {"malformed header", "'shape'"});
  expect_rejected(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': 2, }", kTwoFloats),
                  {"malformed header", "'shape'"});
}

TEST(NpyReject, MissingExtraOrDuplicateKeys) {
  expect_rejected(npy_bytes("{'descr': '<f4', 'shape': (2,), }", kTwoFloats),
                  {"no 'fortran_order'"});
  expect_rejected(
      npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 'y'}", kTwoFloats),
      {"unexpected key 'x'"});
  expect_rejected(
      npy_bytes("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
                kTwoFloats),
      {"duplicate key 'descr'"});
}

TEST(NpyReject, BadDimensions) {
  expect_rejected(
      npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", kTwoFloats),
      {"negative dimension"});
  expect_rejected(npy_bytes("{'descr': '<f4', 'fortran_order': False, "
                            "'shape': (1, 1, 1, 1, 1, 1, 2), }",
                            kTwoFloats),
                  {"(1, 1, 1, 1, 1, 1, 2)", "at most 6 dimensions"});
  expect_rejected(npy_bytes("{'descr': '<f4', 'fortran_order': False, "
                            "'shape': (4294967296, 4294967296), }",
                            kTwoFloats),
                  {"absurd shape"});
}

TEST(NpyReject, PayloadShorterThanTheShape) {
  expect_rejected(
      npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", kTwoFloats),
      {"truncated", "(3,)", "needs 12 bytes", "found 8"});
}

TEST(NpyReject, PayloadLongerThanTheShape) {
  expect_rejected(
      npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", kTwoFloats),
      {"4 trailing bytes", "needs 4 bytes"});
}

TEST(NpyTest, ReadNamesAMissingFile) {
  expect_error([] { read_npy("/nonexistent/dir/x.npy"); }, {"/nonexistent/dir/x.npy"});
}

// ---- NumPy cross-check ------------------------------------------------------------------------

// Runs a Python program (no single quotes in it) with `arg` as sys.argv[1]; its stdout.
std::string run_python(const std::string& code, const std::string& arg) {
  const std::string command =
      "'" + testing::python_path() + "' -c '" + code + "' '" + arg + "' 2>&1";
  std::FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[512];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << out;
  return out;
}

TEST_F(NpyFiles, NumPyReadsWhatHourglassWrites) {
  HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_NUMPY", testing::python_missing("numpy"));
  const std::vector<Tensor> tensors = sample_tensors();
  for (size_t i = 0; i < tensors.size(); ++i)
    write_npy(path("hg" + std::to_string(i) + ".npy"), tensors[i]);
  // NumPy loads each file and saves it again; the bytes must be ours exactly. It also prints the
  // small arrays, checked against their values here.
  const std::string out = run_python(
      "import numpy as np, sys\n"
      "for i in range(" +
          std::to_string(tensors.size()) +
          "):\n"
          "    a = np.load(sys.argv[1] + \"/hg%d.npy\" % i)\n"
          "    np.save(sys.argv[1] + \"/np%d.npy\" % i, a)\n"
          "    print(a.dtype.str, a.shape, a.tolist() if 0 < a.size < 10 else a.sum())\n",
      dir_);
  for (size_t i = 0; i < tensors.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(read_file(path("np" + std::to_string(i) + ".npy")), encode_npy(tensors[i]));
  }
  EXPECT_NE(out.find("<f4 (2, 3) [[1.5, -2.25"), std::string::npos) << out;
  EXPECT_NE(out.find("<i4 (5,) [-7, 0, 2147483647, -2147483648, 5]"), std::string::npos) << out;
  EXPECT_NE(out.find("|u1 (2, 2, 2) [[[0, 1], [127, 128]], [[254, 255], [9, 10]]]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("<f4 () 0.125"), std::string::npos) << out;
  EXPECT_NE(out.find("<f4 (0, 3) 0.0"), std::string::npos) << out;
  EXPECT_NE(out.find("<i4 (4, 0) 0"), std::string::npos) << out;
  EXPECT_NE(out.find("<f4 (1, 2, 1, 3, 1, 2) 78.0"), std::string::npos) << out;
  EXPECT_NE(out.find("<f4 (12345678901, 0) 0.0"), std::string::npos) << out;
}

TEST_F(NpyFiles, HourglassReadsWhatNumPyWrites) {
  HG_SKIP_UNLESS_REQUIRED("HG_REQUIRE_NUMPY", testing::python_missing("numpy"));
  run_python(
      "import numpy as np, sys\n"
      "d = sys.argv[1]\n"
      "np.save(d + \"/f.npy\", (np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 7.5) / 3)\n"
      "np.save(d + \"/i.npy\", np.array([-5, 0, 1 << 30], dtype=np.int32))\n"
      "np.save(d + \"/u.npy\", np.arange(250, 256, dtype=np.uint8).reshape(3, 2))\n"
      "np.save(d + \"/s.npy\", np.float32(2.5))\n"
      "np.save(d + \"/e.npy\", np.zeros((0, 7), dtype=np.uint8))\n"
      "np.save(d + \"/fortran.npy\", np.asfortranarray(np.ones((2, 3), dtype=np.float32)))\n"
      "np.save(d + \"/big.npy\", np.ones(3, dtype=\">f4\"))\n"
      "np.save(d + \"/f64.npy\", np.ones(3))\n"
      "np.save(d + \"/obj.npy\", np.array([1, \"a\"], dtype=object), allow_pickle=True)\n",
      dir_);

  const Tensor f = read_npy(path("f.npy"));
  ASSERT_EQ(f.shape(), (Shape{2, 3, 4}));
  const std::vector<float> values = f.to_vector();
  for (int i = 0; i < 24; ++i)
    EXPECT_EQ(values[i], (static_cast<float>(i) - 7.5f) / 3.0f) << i;
  EXPECT_EQ(read_npy(path("i.npy")).to_vector_i32(), (std::vector<int32_t>{-5, 0, 1 << 30}));
  const Tensor u = read_npy(path("u.npy"));
  EXPECT_EQ(u.shape(), (Shape{3, 2}));
  EXPECT_EQ(u.to_vector_u8(), (std::vector<uint8_t>{250, 251, 252, 253, 254, 255}));
  const Tensor s = read_npy(path("s.npy"));
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.item(), 2.5f);
  EXPECT_EQ(read_npy(path("e.npy")).shape(), (Shape{0, 7}));

  expect_error([&] { read_npy(path("fortran.npy")); }, {"fortran.npy", "Fortran"});
  expect_error([&] { read_npy(path("big.npy")); }, {"big.npy", "big-endian"});
  expect_error([&] { read_npy(path("f64.npy")); }, {"f64.npy", "'<f8'"});
  expect_error([&] { read_npy(path("obj.npy")); }, {"obj.npy", "object array"});
}

}  // namespace
}  // namespace hg::io
