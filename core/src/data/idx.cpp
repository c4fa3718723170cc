// IDX reading and writing. Plain files are measured with stat() and checked against the header
// before the payload is allocated; .gz files are decompressed in chunks, so memory grows only
// with data actually present, never with what a header claims.
#include "hourglass/data/idx.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/io/atomic_file.h"

namespace hg::data {
namespace {

constexpr uint8_t kUnsignedByte = 0x08;
constexpr size_t kGzChunk = size_t{1} << 20;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string hex32(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08X", value);
  return text;
}

const char* idx_type_name(uint8_t code) {
  switch (code) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return "unknown type";
  }
}

const char* kind_for_rank(int rank) {
  return rank == 3 ? "an image file" : rank == 1 ? "a label file" : "an IDX file";
}

// A sequential byte stream over a plain file or a gzip file.
class Source {
 public:
  Source(const std::string& path, bool gz) : path_(path), gz_(gz) {
    if (gz_) {
      gz_file_.reset(gzopen(path.c_str(), "rb"));
      HG_CHECK(gz_file_ != nullptr, "cannot open IDX file '", path, "': ", std::strerror(errno));
      gzbuffer(gz_file_.get(), 1 << 17);
    } else {
      file_.reset(std::fopen(path.c_str(), "rb"));
      HG_CHECK(file_ != nullptr, "cannot open IDX file '", path, "': ", std::strerror(errno));
      struct stat info {};
      HG_CHECK(fstat(fileno(file_.get()), &info) == 0 && S_ISREG(info.st_mode), "IDX file '", path,
               "' is not a regular file");
      size_ = static_cast<int64_t>(info.st_size);
    }
  }

  bool gz() const { return gz_; }
  int64_t plain_size() const { return size_; }  // plain files only

  // Reads up to n bytes; returns how many were read (fewer only at the end of the data).
  size_t read(void* dst, size_t n) {
    if (!gz_) {
      const size_t got = std::fread(dst, 1, n, file_.get());
      HG_CHECK(!std::ferror(file_.get()), "cannot read IDX file '", path_,
               "': ", std::strerror(errno));
      return got;
    }
    size_t total = 0;
    while (total < n) {
      const unsigned want = static_cast<unsigned>(std::min<size_t>(n - total, 1u << 30));
      const int got = gzread(gz_file_.get(), static_cast<char*>(dst) + total, want);
      if (got < 0) {
        int code = 0;
        const char* message = gzerror(gz_file_.get(), &code);
        HG_FAIL("cannot decompress IDX file '", path_, "': ", message,
                " (corrupt or truncated gzip data)");
      }
      if (got == 0) break;
      total += static_cast<size_t>(got);
    }
    return total;
  }

 private:
  std::string path_;
  bool gz_;
  // Owned handles (RAII): closed however the constructor or a read ends, including when the
  // constructor throws after opening (a directory passes fopen but not the S_ISREG check).
  struct CloseFile {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  struct CloseGz {
    void operator()(gzFile f) const { gzclose(f); }
  };
  std::unique_ptr<std::FILE, CloseFile> file_;
  std::unique_ptr<gzFile_s, CloseGz> gz_file_;
  int64_t size_ = -1;
};

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? " x " : "") + std::to_string(dims[i]);
  return text;
}

}  // namespace

Tensor read_idx(const std::string& path, int expected_rank) {
  const bool gz = ends_with(path, ".gz");
  Source source(path, gz);
  const uint32_t expected_magic =
      expected_rank >= 0 ? (uint32_t{kUnsignedByte} << 8) | static_cast<uint32_t>(expected_rank)
                         : 0;
  const std::string expect_text =
      expected_rank >= 0 ? hex32(expected_magic) : std::string("0x000008NN (unsigned bytes)");

  uint8_t magic[4] = {};
  const size_t got_magic = source.read(magic, 4);
  if (!gz && got_magic >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    HG_FAIL("IDX file '", path,
            "' is gzip-compressed; decompress it or pass the .gz path (a name ending in .gz)");
  }
  HG_CHECK(got_magic == 4, "IDX file '", path, "' is truncated: ", got_magic,
           " bytes, shorter than the 4-byte magic number");
  const uint32_t found_magic = (uint32_t{magic[0]} << 24) | (uint32_t{magic[1]} << 16) |
                               (uint32_t{magic[2]} << 8) | uint32_t{magic[3]};
  HG_CHECK(magic[0] == 0 && magic[1] == 0, "IDX file '", path,
           "' has a bad magic number: expected ", expect_text, ", found ", hex32(found_magic),
           " (not an IDX file)");
  HG_CHECK(magic[2] == kUnsignedByte, "IDX file '", path, "' holds elements of type 0x", std::hex,
           int{magic[2]}, std::dec, " (", idx_type_name(magic[2]),
           "); only 0x08 (unsigned byte) is supported (magic ", hex32(found_magic), ")");
  const int rank = magic[3];
  HG_CHECK(expected_rank < 0 || rank == expected_rank, "IDX file '", path, "' has rank ", rank,
           " (magic ", hex32(found_magic), "), expected ", kind_for_rank(expected_rank),
           " of rank ", expected_rank, " (magic ", expect_text, ")");
  HG_CHECK(rank >= 1 && rank <= kMaxRank, "IDX file '", path, "' has rank ", rank,
           "; supported ranks are 1 to ", kMaxRank);

  uint8_t header[4 * kMaxRank] = {};
  const size_t header_bytes = 4 * static_cast<size_t>(rank);
  const size_t got_header = source.read(header, header_bytes);
  HG_CHECK(got_header == header_bytes, "IDX file '", path,
           "' is truncated in its header: ", 4 + got_header, " bytes, the header of a rank-", rank,
           " file needs ", 4 + header_bytes);

  std::vector<int64_t> dims(rank);
  int64_t elements = 1;
  for (int d = 0; d < rank; ++d) {
    const uint8_t* b = header + 4 * d;
    dims[d] = (int64_t{b[0]} << 24) | (int64_t{b[1]} << 16) | (int64_t{b[2]} << 8) | int64_t{b[3]};
  }
  for (int d = 0; d < rank; ++d) {
    HG_CHECK(dims[d] >= 1 && dims[d] <= kIdxMaxDim, "IDX file '", path,
             "' has an absurd dimension ", d, " = ", dims[d], " (header says ", dims_text(dims),
             "; each dimension must be in [1, ", kIdxMaxDim, "])");
    HG_CHECK(elements <= kIdxMaxElements / dims[d], "IDX file '", path, "' has absurd dimensions ",
             dims_text(dims), ": more than ", kIdxMaxElements, " elements");
    elements *= dims[d];
  }
  const int64_t expected_bytes = 4 + static_cast<int64_t>(header_bytes) + elements;

  if (!source.gz()) {
    const int64_t actual = source.plain_size();
    HG_CHECK(actual >= expected_bytes, "IDX file '", path, "' is truncated: expected ",
             expected_bytes, " bytes (header + ", dims_text(dims), " elements), found ", actual);
    HG_CHECK(actual == expected_bytes, "IDX file '", path, "' has ", actual - expected_bytes,
             " trailing bytes: expected ", expected_bytes, " bytes (header + ", dims_text(dims),
             " elements), found ", actual);
    Tensor out = Tensor::empty(Shape(dims), DType::kUInt8, Device::cpu());
    const size_t got = source.read(out.data<uint8_t>(), static_cast<size_t>(elements));
    HG_CHECK(static_cast<int64_t>(got) == elements, "IDX file '", path,
             "' is truncated: it shrank while being read (", got, " of ", elements,
             " elements read)");
    return out;
  }

  // gzip: decompress chunk by chunk, at most one byte past the expected payload.
  std::vector<uint8_t> payload;
  int64_t have = 0;
  while (have <= elements) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(kGzChunk, elements + 1 - have));
    payload.resize(static_cast<size_t>(have) + want);
    const size_t got = source.read(payload.data() + have, want);
    have += static_cast<int64_t>(got);
    if (got < want) break;
  }
  HG_CHECK(have >= elements, "IDX file '", path, "' is truncated: expected ", expected_bytes,
           " decompressed bytes (header + ", dims_text(dims), " elements), found ",
           expected_bytes - elements + have);
  HG_CHECK(have == elements, "IDX file '", path, "' has trailing bytes: more than the expected ",
           expected_bytes, " decompressed bytes (header + ", dims_text(dims), " elements)");
  payload.resize(static_cast<size_t>(elements));
  return Tensor::from_vector(payload, Shape(dims), Device::cpu());
}

Tensor read_idx_images(const std::string& path) {
  return read_idx(path, 3);
}
Tensor read_idx_labels(const std::string& path) {
  return read_idx(path, 1);
}

void write_idx(const std::string& path, const Tensor& bytes) {
  HG_CHECK(bytes.dtype() == DType::kUInt8, "write_idx needs a uint8 tensor, got ",
           dtype_name(bytes.dtype()));
  HG_CHECK(bytes.rank() >= 1 && bytes.rank() <= kMaxRank, "write_idx needs rank 1 to ", kMaxRank,
           ", got shape ", bytes.shape());
  std::vector<uint8_t> out = {0, 0, kUnsignedByte, static_cast<uint8_t>(bytes.rank())};
  for (int d = 0; d < bytes.rank(); ++d) {
    const int64_t n = bytes.dim(d);
    HG_CHECK(n >= 1 && n <= kIdxMaxDim, "write_idx: dimension ", d, " = ", n, " out of [1, ",
             kIdxMaxDim, "]");
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<uint8_t>(n >> shift));
  }
  const std::vector<uint8_t> values = bytes.to_vector_u8();
  out.insert(out.end(), values.begin(), values.end());

  if (!ends_with(path, ".gz")) {
    io::write_file_atomic(path, std::string(out.begin(), out.end()));
    return;
  }
  // gzwrite takes an unsigned length and returns an int: the payload goes in chunks of
  // kGzChunk bytes, so files of 4 GiB and more are written whole (no truncated casts).
  io::write_file_atomic_with(path, [&](int fd) {
    const int own = ::dup(fd);  // gzclose closes its descriptor; the writer fsyncs and closes fd
    if (own < 0) return false;
    gzFile gz = gzdopen(own, "wb");
    if (gz == nullptr) {
      ::close(own);
      return false;
    }
    bool ok = true;
    for (size_t at = 0; ok && at < out.size(); at += kGzChunk) {
      const size_t n = std::min(kGzChunk, out.size() - at);
      ok = gzwrite(gz, out.data() + at, static_cast<unsigned>(n)) == static_cast<int>(n);
    }
    return (gzclose(gz) == Z_OK) && ok;
  });
}

}  // namespace hg::data
