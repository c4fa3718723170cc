// IDX files, the format of MNIST and Fashion-MNIST: a 4-byte magic number (0, 0, element type,
// rank), `rank` big-endian uint32 dimensions, then the elements in row-major order. Only unsigned
// bytes (type 0x08) are supported. Paths ending in ".gz" are read through zlib.
//
// The reader trusts nothing in the header: every dimension and the payload size are checked
// against the file before anything is allocated from them, and each kind of damage (gzip bytes
// under a plain name, wrong magic, wrong element type, wrong rank, absurd dimensions, a truncated
// file, trailing bytes) raises its own hg::Error naming the file.
#pragma once

#include <string>

#include "hourglass/core/tensor.h"

namespace hg::data {

// Largest accepted dimension, and largest accepted element count, of an IDX file.
constexpr int64_t kIdxMaxDim = 100000000;
constexpr int64_t kIdxMaxElements = int64_t{1} << 36;

// A uint8 CPU tensor shaped as the file's header says. expected_rank >= 0 requires that rank.
Tensor read_idx(const std::string& path, int expected_rank = -1);
// Images: magic 0x00000803, [N, H, W]. Labels: magic 0x00000801, [N].
Tensor read_idx_images(const std::string& path);
Tensor read_idx_labels(const std::string& path);

// Writes a uint8 tensor (rank 1 to 4, any device) as an IDX file, gzip-compressed when the path
// ends in ".gz". Atomic: written to a temporary file beside it, then renamed.
void write_idx(const std::string& path, const Tensor& bytes);

}  // namespace hg::data
