// safetensors: round trips of every dtype and odd shapes, the exact byte layout against the format
// spec, one test per rejection the reader promises (malformed files built by hand), and atomic
// saves that leave an existing file alone when they fail.
#include "hourglass/io/safetensors.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/core/printable.h"
#include "hourglass/io/atomic_file.h"
#include "io/io_test_util.h"
#include "support/devices.h"
#include "support/expect_error.h"

namespace hg::io {
namespace {

namespace fs = std::filesystem;
using hg::testing::expect_error;

// A file as the format lays it out: 8-byte little-endian header length, header, data.
std::string file_bytes(const std::string& header, const std::string& data = "") {
  std::string out;
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  return out + header + data;
}

std::string f32_bytes(const std::vector<float>& values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// Decoding `bytes` must fail with a message holding every part (the file name included).
void expect_rejected(const std::string& bytes, const std::vector<std::string>& parts) {
  std::vector<std::string> all = parts;
  all.push_back("'bad.safetensors'");
  expect_error([&] { decode_safetensors(bytes, "bad.safetensors"); }, all);
}

class SafetensorsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "hg-safetensors-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string dir_;
};

NamedTensors sample_tensors() {
  return {
      {"weight", Tensor::from_vector(std::vector<float>{1.5f, -2.25f, 3e-8f, 1e30f, -0.0f, 7.0f},
                                     Shape{2, 3})},
      {"labels",
       Tensor::from_vector(std::vector<int32_t>{-7, 0, 2147483647, -2147483647 - 1}, Shape{4})},
      {"pixels",
       Tensor::from_vector(std::vector<uint8_t>{0, 1, 127, 128, 254, 255, 9, 10}, Shape{2, 2, 2})},
      {"scalar", Tensor::scalar(0.125f)},
      {"empty", Tensor::zeros(Shape{0, 3})},
      {"empty_u8", Tensor::empty(Shape{4, 0}, DType::kUInt8)},
      {"rank6", Tensor::from_vector(std::vector<float>{1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f, 9.f,
                                                       10.f, 11.f, 12.f},
                                    Shape{1, 2, 1, 3, 1, 2})},
  };
}

// A corrupted dtype field (invalid UTF-8, a terminal escape) is reported escaped (\xNN), never as
// raw bytes on the terminal.
TEST(SafetensorsTest, CorruptDtypeBytesAreEscapedInTheError) {
  std::string bytes = encode_safetensors({{"w", Tensor::zeros(Shape{2})}});
  for (const std::string& junk : {std::string("\xff\xfe\x80"), std::string("\x1b[2")}) {
    std::string bad = bytes;
    const size_t at = bad.find("F32");
    ASSERT_NE(at, std::string::npos);
    bad.replace(at, 3, junk);
    try {
      decode_safetensors(bad, "bad.safetensors");
      ADD_FAILURE() << "a corrupt dtype was accepted";
    } catch (const hg::Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("bad.safetensors"), std::string::npos) << m;
      for (const char c : m) {
        const auto u = static_cast<unsigned char>(c);
        EXPECT_TRUE(u >= 0x20 && u < 0x7F) << "raw byte " << int{u} << " in: " << hg::printable(m);
      }
      // Invalid UTF-8 is escaped by hg::printable; the JSON parser already spells ESC as U+001B.
      if (junk[0] != '\x1b') {
        EXPECT_NE(m.find("\\xFF"), std::string::npos) << m;
      }
    }
  }
}

TEST(SafetensorsTest, RoundTripsEveryDtypeAndOddShapesInMemory) {
  const NamedTensors tensors = sample_tensors();
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "ü \"quoted\""}};
  const SafetensorsFile file = decode_safetensors(encode_safetensors(tensors, metadata), "mem");
  ASSERT_EQ(file.tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    SCOPED_TRACE(tensors[i].first);
    // Written in the given order with no gaps, so data-offset order is the given order.
    EXPECT_EQ(file.tensors[i].first, tensors[i].first);
    hg::testing::expect_same_tensor(tensors[i].second, file.tensors[i].second);
  }
  EXPECT_EQ(file.metadata, metadata);
  EXPECT_EQ(file.at("scalar").rank(), 0);
  EXPECT_EQ(file.at("empty").shape(), (Shape{0, 3}));
}

TEST_F(SafetensorsFiles, RoundTripsThroughAFileAndLeavesNoTemporary) {
  const NamedTensors tensors = sample_tensors();
  save_safetensors(path("model.safetensors"), tensors, {{"step", "12"}});
  const SafetensorsFile file = load_safetensors(path("model.safetensors"));
  ASSERT_EQ(file.tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i)
    hg::testing::expect_same_tensor(tensors[i].second, file.tensors[i].second);
  EXPECT_EQ(file.metadata.at("step"), "12");
  EXPECT_EQ(listing(), std::vector<std::string>{"model.safetensors"});
}

TEST(SafetensorsTest, SavesTensorsOfEveryDevice) {
  for (const Device& device : hg::testing::test_devices()) {
    if (device.is_cuda() && !cuda_available()) continue;
    SCOPED_TRACE(hg::testing::device_test_name(device));
    const Tensor x = Tensor::from_vector(std::vector<float>{1.0f, 2.0f, 3.0f}, Shape{3}, device);
    const Tensor y = Tensor::from_vector(std::vector<int32_t>{4, 5}, Shape{2}, device);
    const SafetensorsFile file = decode_safetensors(encode_safetensors({{"x", x}, {"y", y}}), "m");
    EXPECT_EQ(file.at("x").to_vector(), (std::vector<float>{1.0f, 2.0f, 3.0f}));
    EXPECT_EQ(file.at("y").to_vector_i32(), (std::vector<int32_t>{4, 5}));
  }
}

TEST(SafetensorsTest, ByteLayoutMatchesTheFormatSpec) {
  const NamedTensors tensors = {
      {"b", Tensor::from_vector(std::vector<float>{1.0f, -2.0f}, Shape{2})},
      {"a", Tensor::from_vector(std::vector<uint8_t>{1, 2, 3}, Shape{1, 3})},
  };
  // Metadata first, then the tensors in the given order; the header is padded with spaces to a
  // multiple of 8 bytes so that the data section is aligned.
  // The CRC-32s (zlib.crc32 in Python) of b's 8 bytes, a's 3 and of "k\0v\0" come first among
  // the metadata, in key order.
  std::string header =
      "{\"__metadata__\":{\"crc32/__metadata__\":\"b406716e\",\"crc32/a\":\"55bc801d\","
      "\"crc32/b\":\"c3872656\",\"k\":\"v\"},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"a\":{\"dtype\":\"U8\",\"shape\":[1,3],\"data_offsets\":[8,11]}}";
  while (header.size() % 8 != 0)
    header += ' ';
  const std::string data = std::string("\x00\x00\x80\x3f", 4) + std::string("\x00\x00\x00\xc0", 4) +
                           std::string("\x01\x02\x03", 3);
  const std::string encoded = encode_safetensors(tensors, {{"k", "v"}});
  EXPECT_EQ(encoded, file_bytes(header, data));
  ASSERT_GE(encoded.size(), 8u);
  EXPECT_EQ(static_cast<uint8_t>(encoded[0]), header.size());
  EXPECT_EQ(encoded.substr(1, 7), std::string(7, '\0'));
}

// Every single-bit flip anywhere in a file hourglass wrote (length, header, checksums, data) is
// refused with an hg::Error: the checksums cover the data and the metadata, and a flip in the
// JSON's structure, a name, a dtype or an offset breaks one of the reader's other checks.
TEST(SafetensorsTest, EveryBitFlipIsRefused) {
  const NamedTensors tensors = {
      {"enc.weight",
       Tensor::from_vector(std::vector<float>{0.25f, -1.5f, 3.0f, 0.0f}, Shape{2, 2})},
      {"enc.bias", Tensor::from_vector(std::vector<float>{1.0f}, Shape{1})},
      {"step", Tensor::from_vector(std::vector<int32_t>{7}, Shape{})},
  };
  const std::string good = encode_safetensors(tensors, {{"format", "pt"}, {"epoch", "3"}});
  EXPECT_NO_THROW(decode_safetensors(good, "good"));
  int loaded = 0;
  for (size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
      try {
        decode_safetensors(bad, "flipped");
        ++loaded;
        ADD_FAILURE() << "a flip of bit " << bit << " of byte " << byte << " (of " << good.size()
                      << ") was loaded";
      } catch (const hg::Error&) {
      }
    }
  }
  EXPECT_EQ(loaded, 0) << "of " << good.size() * 8 << " single-bit flips";
  // A checksum for a tensor the file does not hold, and one that does not match, by name.
  std::string renamed = good;
  renamed.replace(renamed.find("crc32/step"), 10, "crc32/stop");
  expect_error([&] { decode_safetensors(renamed, "r"); }, {"'crc32/stop'", "does not hold"});
  std::string data_flip = good;
  data_flip[data_flip.size() - 1] ^= 1;
  expect_error([&] { decode_safetensors(data_flip, "d"); },
               {"tensor 'step'", "CRC-32", "corrupted"});
}

TEST(SafetensorsTest, ChecksumKeysAreReservedAndNotReturned) {
  const Tensor t = Tensor::zeros(Shape{2});
  expect_error([&] { encode_safetensors({{"t", t}}, {{"crc32/t", "0"}}); }, {"reserved"});
  const SafetensorsFile file =
      decode_safetensors(encode_safetensors({{"t", t}}, {{"k", "v"}}), "m");
  EXPECT_EQ(file.metadata, (std::map<std::string, std::string>{{"k", "v"}}));
}

TEST(SafetensorsTest, ReadsAForeignLayoutInDataOffsetOrder) {
  // Another writer: whitespace, keys in another order, the second listed tensor first in the data,
  // an unpadded header, an empty tensor at the end.
  const std::string header =
      "{ \"late\" : {\"shape\": [2], \"dtype\": \"I32\", \"data_offsets\": [4, 12]},\n"
      "  \"early\": {\"data_offsets\": [0, 4], \"dtype\": \"F32\", \"shape\": []},\n"
      "  \"none\": {\"dtype\": \"U8\", \"shape\": [0], \"data_offsets\": [12, 12]} }";
  std::string data = f32_bytes({0.5f});
  const int32_t ints[2] = {-3, 70000};
  data.append(reinterpret_cast<const char*>(ints), 8);
  const SafetensorsFile file = decode_safetensors(file_bytes(header, data), "foreign");
  ASSERT_EQ(file.tensors.size(), 3u);
  EXPECT_EQ(file.tensors[0].first, "early");
  EXPECT_EQ(file.tensors[1].first, "late");
  EXPECT_EQ(file.tensors[2].first, "none");
  EXPECT_EQ(file.at("early").item(), 0.5f);
  EXPECT_EQ(file.at("late").to_vector_i32(), (std::vector<int32_t>{-3, 70000}));
  EXPECT_EQ(file.at("none").numel(), 0);
  EXPECT_TRUE(file.metadata.empty());
}

TEST(SafetensorsTest, AtNamesTheKeysWhenATensorIsAbsent) {
  const SafetensorsFile file =
      decode_safetensors(encode_safetensors({{"enc.weight", Tensor::zeros(Shape{1})}}), "m");
  EXPECT_TRUE(file.contains("enc.weight"));
  EXPECT_FALSE(file.contains("dec.weight"));
  expect_error([&] { file.at("dec.weight"); }, {"'dec.weight'", "'enc.weight'"});
}

// ---- writer validation ------------------------------------------------------------------------

TEST(SafetensorsTest, WriterRejectsDuplicateEmptyReservedAndUndefined) {
  const Tensor t = Tensor::zeros(Shape{2});
  expect_error([&] { encode_safetensors({{"a", t}, {"a", t}}); }, {"duplicate", "'a'"});
  expect_error([&] { encode_safetensors({{"", t}}); }, {"empty"});
  expect_error([&] { encode_safetensors({{"__metadata__", t}}); }, {"reserved"});
  expect_error([&] { encode_safetensors({{"u", Tensor()}}); }, {"'u'", "undefined"});
}

TEST_F(SafetensorsFiles, FailedValidationLeavesTheExistingFileUntouched) {
  const std::string target = path("model.safetensors");
  save_safetensors(target, {{"w", Tensor::ones(Shape{3})}});
  const std::string before = read_file(target);
  const Tensor t = Tensor::zeros(Shape{2});
  expect_error([&] { save_safetensors(target, {{"a", t}, {"a", t}}); }, {"duplicate"});
  EXPECT_EQ(read_file(target), before);
  EXPECT_EQ(listing(), std::vector<std::string>{"model.safetensors"});
}

TEST_F(SafetensorsFiles, FailedWriteLeavesTheTargetAndNoTemporary) {
  // The target is a non-empty directory: the temporary is written, the rename over it fails (this
  // fails even for root, unlike a read-only directory), and the temporary must be removed.
  const std::string target = path("model.safetensors");
  fs::create_directory(target);
  std::ofstream(target + "/inside") << "keep";
  expect_error(
      [&] {
        save_safetensors(target, {{"w", Tensor::ones(Shape{3})}});
      },
      {"'" + target + "'"});
  EXPECT_TRUE(fs::is_directory(target));
  EXPECT_EQ(read_file(target + "/inside"), "keep");
  EXPECT_EQ(listing(), std::vector<std::string>{"model.safetensors"});
}

// ---- reader rejections: one test each -----------------------------------------------------------

const std::string kOneF32 = "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";

TEST(SafetensorsReject, FileShorterThanTheLength) {
  expect_rejected(std::string("\x04\x00\x00", 3), {"3 bytes", "8-byte header length"});
  expect_rejected("", {"0 bytes"});
}

TEST(SafetensorsReject, FileShorterThanItsHeader) {
  const std::string full = file_bytes(kOneF32, f32_bytes({1.0f}));
  expect_rejected(full.substr(0, 8 + kOneF32.size() - 5), {"shorter than its header"});
}

TEST(SafetensorsReject, HeaderOverTheLimit) {
  std::string bytes(16, ' ');
  const uint64_t n = static_cast<uint64_t>(kSafetensorsMaxHeader) + 1;
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  expect_rejected(bytes, {"100000001", "limit of 100000000"});
  // A huge declared length (as from a random file) is the same error, not an allocation.
  expect_rejected(std::string(8, '\xff') + "{}", {"over the limit"});
}

TEST(SafetensorsReject, HeaderThatIsNotJson) {
  expect_rejected(file_bytes("{\"t\": {\"dtype\": "), {"not valid JSON"});
  expect_rejected(file_bytes("{\"t\xff\":{}}"), {"not valid JSON"});
}

TEST(SafetensorsReject, HeaderThatIsNotAnObject) {
  expect_rejected(file_bytes("[1, 2]"), {"not a JSON object", "array"});
  expect_rejected(file_bytes("\"text\""), {"not a JSON object", "string"});
}

TEST(SafetensorsReject, DuplicateKeys) {
  expect_rejected(file_bytes("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                             "\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                             f32_bytes({1, 2})),
                  {"duplicate key 't'"});
  expect_rejected(
      file_bytes(
          "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"dtype\":\"U8\",\"data_offsets\":[0,4]}}",
          f32_bytes({1})),
      {"duplicate key 'dtype'"});
}

TEST(SafetensorsReject, UnknownDtype) {
  expect_rejected(
      file_bytes("{\"t\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", "abcd"),
      {"tensor 't'", "unknown dtype 'F33'"});
}

TEST(SafetensorsReject, DtypeThisEngineCannotHold) {
  expect_rejected(
      file_bytes("{\"t\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", "abcd"),
      {"tensor 't'", "F16", "F32, I32 and U8"});
  expect_rejected(
      file_bytes("{\"t\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", "abcdefgh"),
      {"I64", "F32, I32 and U8"});
}

TEST(SafetensorsReject, NegativeShapeEntry) {
  expect_rejected(
      file_bytes("{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "abcd"),
      {"tensor 't'", "shape entry -1", "non-negative integer"});
}

TEST(SafetensorsReject, NonIntegerShapeEntry) {
  expect_rejected(
      file_bytes("{\"t\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", "abcd"),
      {"tensor 't'", "shape entry 1.0"});
  expect_rejected(
      file_bytes("{\"t\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", "abcd"),
      {"shape entry \"1\""});
}

TEST(SafetensorsReject, OffsetsOutOfRange) {
  expect_rejected(
      file_bytes("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "abcd"),
      {"tensor 't'", "[0, 8] out of range", "holds 4 bytes"});
  expect_rejected(
      file_bytes("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,-4]}}", "abcd"),
      {"data offset -4"});
}

TEST(SafetensorsReject, ReversedOffsets) {
  expect_rejected(
      file_bytes("{\"t\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]}}", "abcd"),
      {"tensor 't'", "reversed data_offsets [4, 0]"});
}

TEST(SafetensorsReject, OverlappingTensors) {
  expect_rejected(file_bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                             "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                             f32_bytes({1, 2, 3})),
                  {"tensor 'b'", "overlaps tensor 'a'"});
  // Two tensors on the same bytes overlap too.
  expect_rejected(file_bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                             "\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                             f32_bytes({1})),
                  {"overlaps"});
}

TEST(SafetensorsReject, GapsBetweenTensors) {
  expect_rejected(file_bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                             "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                             f32_bytes({1, 2, 3})),
                  {"tensor 'b'", "gap of 4 bytes", "after tensor 'a'"});
  expect_rejected(file_bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                             f32_bytes({1, 2})),
                  {"tensor 'a'", "gap of 4 bytes", "the start of the data"});
}

TEST(SafetensorsReject, ByteLengthNotShapeTimesDtypeSize) {
  expect_rejected(file_bytes("{\"t\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}",
                             f32_bytes({1, 2, 3})),
                  {"tensor 't'", "holds 12 bytes", "[2, 2]", "needs 16"});
  // A shape whose byte count overflows int64 cannot match any length.
  expect_rejected(file_bytes("{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                             "\"data_offsets\":[0,4]}}",
                             f32_bytes({1})),
                  {"too large"});
}

TEST(SafetensorsReject, TrailingBytes) {
  expect_rejected(file_bytes(kOneF32, f32_bytes({1.0f}) + "xy"),
                  {"2 trailing bytes", "after the last tensor"});
}

TEST(SafetensorsReject, MetadataValuesThatAreNotStrings) {
  expect_rejected(file_bytes("{\"__metadata__\":{\"step\":12}}"),
                  {"metadata value 'step'", "must be a string", "12"});
  expect_rejected(file_bytes("{\"__metadata__\":[\"a\"]}"), {"__metadata__", "object"});
}

TEST(SafetensorsReject, MalformedTensorEntries) {
  expect_rejected(file_bytes("{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}"),
                  {"tensor 't'", "no 'data_offsets'"});
  expect_rejected(file_bytes("{\"t\":[1]}"), {"tensor 't'", "expected an object"});
  expect_rejected(
      file_bytes("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}",
                 "abcd"),
      {"unexpected field 'x'"});
  expect_rejected(file_bytes("{\"t\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1],"
                             "\"data_offsets\":[0,4]}}",
                             "abcd"),
                  {"7 dimensions"});
}

TEST(SafetensorsTest, LoadNamesAMissingFile) {
  expect_error([] { load_safetensors("/nonexistent/dir/x.safetensors"); },
               {"/nonexistent/dir/x.safetensors"});
}

}  // namespace
}  // namespace hg::io
