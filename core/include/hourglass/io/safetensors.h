// safetensors: the checkpoint format of the Hugging Face ecosystem, read and written here without
// any library. A file is an 8-byte little-endian header length N, N bytes of JSON
//   {"name": {"dtype": "F32", "shape": [64, 784], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "string value", ...}}
// and then the data section, each tensor's bytes (little-endian, C order) at its offsets.
//
// The reader is strict, because checkpoints come from anywhere: it rejects (hg::Error naming the
// file and the tensor) a file shorter than its header, a header over kSafetensorsMaxHeader bytes,
// a header that is not a JSON object (or holds a NUL byte), duplicate keys, an unknown dtype, a
// dtype this engine cannot hold (anything but F32, I32, U8, which are named in the message),
// negative or non-integer shape entries, offsets that are out of range, reversed, overlapping or
// leave gaps, a byte length that is not shape x dtype size, and trailing bytes after the last
// tensor. Metadata values must be strings.
//
// Integrity: the writer records a CRC-32 (zlib's) of each tensor's bytes in the metadata as
// "crc32/<name>" and one of the other metadata entries as "crc32/__metadata__" (8 hex digits;
// other readers, PyTorch's safetensors among them, ignore metadata). A file with any such entry
// must have all of them, and the reader refuses one whose bytes do not match, so a flipped bit
// anywhere in a checkpoint is reported, not loaded. Files without checksums (other writers) are
// read as before. The checksum entries are not returned in SafetensorsFile::metadata, and user
// metadata keys may not start with "crc32/".
//
// The writer copies every tensor to the host, lays them out in the given order with no gaps, and
// writes the file atomically (atomic_file.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "hourglass/core/tensor.h"

namespace hg::io {

constexpr int64_t kSafetensorsMaxHeader = int64_t{100} * 1000 * 1000;  // 100 MB

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct SafetensorsFile {
  NamedTensors tensors;  // in data-offset order, on the CPU
  std::map<std::string, std::string> metadata;

  bool contains(const std::string& name) const;
  // The tensor called `name`; hg::Error naming the file's keys when absent.
  const Tensor& at(const std::string& name) const;
};

// Tensors of any device, dtype float32 / int32 / uint8, distinct non-empty names (hg::Error
// otherwise, before anything is written).
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});
std::string encode_safetensors(const NamedTensors& tensors,
                               const std::map<std::string, std::string>& metadata = {});

SafetensorsFile load_safetensors(const std::string& path);
// The same checks on bytes in memory; `name` is used in error messages.
SafetensorsFile decode_safetensors(const std::string& bytes, const std::string& name);

}  // namespace hg::io
