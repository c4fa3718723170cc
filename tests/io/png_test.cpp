// PNG files: encode -> decode round trips pixel for pixel, files start with the PNG signature and
// are written atomically, and oversized, truncated or non-PNG input fails with a message naming the
// problem.
#include "hourglass/io/png.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "hourglass/io/atomic_file.h"
#include "support/expect_error.h"

namespace hg::io {
namespace {

std::filesystem::path temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "hg-png-XXXXXX").string();
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

// Every pixel different: (x, y) -> (x * 37 + y, y * 53 + x, x ^ y).
Image pattern_image(int w, int h) {
  Image image(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      image.set(x, y,
                {static_cast<uint8_t>(x * 37 + y), static_cast<uint8_t>(y * 53 + x),
                 static_cast<uint8_t>(x ^ y)});
  return image;
}

TEST(Png, RoundTripsOddSizesExactly) {
  const std::filesystem::path dir = temp_dir();
  for (const auto& [w, h] : {std::pair{7, 3}, {1, 1}, {13, 1}, {1, 9}, {31, 17}}) {
    const Image image = pattern_image(w, h);
    const std::string path = (dir / "p.png").string();
    write_png(path, image);
    const std::string bytes = read_file(path);
    ASSERT_GE(bytes.size(), 8u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(bytes, encode_png(image));
    const Image back = read_png(path);
    EXPECT_EQ(back.width, w);
    EXPECT_EQ(back.height, h);
    EXPECT_EQ(back.pixels, image.pixels) << w << "x" << h;
  }
  // Only the picture is left: the temporary file was renamed over it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);
  std::filesystem::remove_all(dir);
}

TEST(Png, RejectsOversizedAndMalformedImages) {
  Image wide;
  wide.width = kMaxImageSide + 1;
  wide.height = 1;
  wide.pixels.resize(static_cast<size_t>(wide.width) * 3);
  testing::expect_error([&] { encode_png(wide); }, {"8193x1", "8192"});
  Image short_buffer;
  short_buffer.width = 2;
  short_buffer.height = 2;
  short_buffer.pixels.resize(5);
  testing::expect_error([&] { encode_png(short_buffer); }, {"needs 12 bytes", "found 5"});
}

TEST(Png, ReadRejectsFilesThatAreNotPngOrTooLarge) {
  const std::filesystem::path dir = temp_dir();
  const std::string text = (dir / "notes.png").string();
  write_file_atomic(text, "hello, this is not a picture");
  testing::expect_error([&] { read_png(text); }, {"notes.png", "not a PNG file"});
  testing::expect_error([&] { read_png((dir / "missing.png").string()); }, {"missing.png"});

  // A valid PNG whose header claims 9000 pixels of width (IHDR's width is bytes 16..19,
  // big-endian; stb does not check chunk CRCs): refused before decoding.
  std::string png = encode_png(pattern_image(4, 4));
  png[16] = 0;
  png[17] = 0;
  png[18] = static_cast<char>(9000 >> 8);
  png[19] = static_cast<char>(9000 & 0xff);
  const std::string big = (dir / "big.png").string();
  write_file_atomic(big, png);
  testing::expect_error([&] { read_png(big); }, {"big.png", "9000x4", "8192"});

  // The signature alone, then garbage: a readable error, not a crash.
  const std::string cut = (dir / "cut.png").string();
  write_file_atomic(cut, std::string("\x89PNG\r\n\x1a\n", 8) + "garbage!");
  testing::expect_error([&] { read_png(cut); }, {"cut.png", "truncated", "before the IEND"});
  std::filesystem::remove_all(dir);
}

// The chunk walk before stb (png.cpp): found by fuzz_png, which has regression files for both.
TEST(Png, ReadChecksChunksBeforeDecoding) {
  const std::filesystem::path dir = temp_dir();
  const Image image = pattern_image(3, 2);
  const std::string png = encode_png(image);
  const size_t after_ihdr = 8 + 12 + 13;  // signature, then IHDR: length, type, 13 bytes, CRC
  ASSERT_EQ(png.substr(after_ihdr + 4, 4), "IDAT");

  // A chunk declaring 2^30 bytes of data that the file does not have: stb would allocate them.
  std::string huge = png;
  huge[after_ihdr] = 0x40;
  const std::string huge_path = (dir / "huge.png").string();
  write_file_atomic(huge_path, huge);
  testing::expect_error([&] { read_png(huge_path); },
                        {"huge.png", "chunk at byte 33", "declares 1073741", "only"});

  // The last chunk (IEND) cut off.
  const std::string no_end = (dir / "no-end.png").string();
  write_file_atomic(no_end, png.substr(0, png.size() - 12));
  testing::expect_error([&] { read_png(no_end); }, {"no-end.png", "truncated", "IEND"});

  // An empty IDAT chunk (length 0, "IDAT", its CRC 35 af 06 1e) before the real one is legal PNG
  // and decodes to the same pixels (stb alone would copy from a null pointer).
  std::string empty_idat = png;
  empty_idat.insert(after_ihdr, std::string("\0\0\0\0IDAT\x35\xaf\x06\x1e", 12));
  const std::string empty_path = (dir / "empty-idat.png").string();
  write_file_atomic(empty_path, empty_idat);
  EXPECT_EQ(read_png(empty_path).pixels, image.pixels);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hg::io
