// safetensors reading and writing (format in safetensors.h). The JSON header is parsed with
// nlohmann-json through a parser callback that tracks the keys of every open object, because the
// default parser silently keeps the last of two duplicate keys. Every offset is then checked
// against the data section before any tensor is allocated, and the CRC-32s hourglass writes into
// the metadata are checked against the bytes read.
#include "hourglass/io/safetensors.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>

#include <zlib.h>
#include <nlohmann/json.hpp>

#include "hourglass/core/error.h"
#include "hourglass/io/atomic_file.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.cpp copies tensor bytes as they are: it needs a little-endian host"
#endif

namespace hg::io {
namespace {

using json = nlohmann::json;

constexpr int64_t kLengthBytes = 8;  // the little-endian header length in front of the JSON
constexpr const char* kMetadataKey = "__metadata__";

// Every dtype name of the format (as of safetensors 0.5), so that a file from a newer or foreign
// writer is told apart from a corrupt one.
const std::set<std::string>& known_dtypes() {
  static const std::set<std::string> names = {
      "BOOL", "U8",  "I8",   "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4",  "F6_E2M3", "F6_E3M2", "I16",
      "U16",  "F16", "BF16", "I32",     "U32",     "F32",     "C64", "F64",     "I64",     "U64"};
  return names;
}

const char* format_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "F32";
    case DType::kInt32:
      return "I32";
    case DType::kUInt8:
      return "U8";
  }
  HG_FAIL("unknown dtype ", static_cast<int>(dtype));
}

bool parse_dtype(const std::string& name, DType* out) {
  for (DType dtype : {DType::kFloat32, DType::kInt32, DType::kUInt8}) {
    if (name == format_name(dtype)) {
      *out = dtype;
      return true;
    }
  }
  return false;
}

// nlohmann's dump() throws on invalid UTF-8; say which string it was.
std::string json_string(const std::string& text, const char* what) {
  try {
    return json(text).dump();
  } catch (const json::exception&) {
    HG_FAIL("safetensors ", what, " is not valid UTF-8: '", text, "'");
  }
}

// Parses the header, rejecting duplicate keys in any object (nested ones included).
json parse_header(const std::string& text, const std::string& file) {
  std::vector<std::set<std::string>> open_objects;
  const json::parser_callback_t track = [&](int, json::parse_event_t event, json& value) {
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      open_objects.pop_back();
    } else if (event == json::parse_event_t::key) {
      const std::string key = value.get<std::string>();
      HG_CHECK(open_objects.back().insert(key).second, "safetensors file '", file,
               "': duplicate key '", key, "' in the JSON header");
    }
    return true;
  };
  try {
    return json::parse(text, track);
  } catch (const json::exception& e) {
    HG_FAIL("safetensors file '", file, "': the header is not valid JSON (", e.what(), ")");
  }
}

struct Entry {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int64_t> dims;
  int64_t begin = 0, end = 0;
};

// A non-negative JSON integer, or an hg::Error describing `what` in tensor `name`.
int64_t json_count(const json& value, const std::string& file, const std::string& name,
                   const char* what) {
  const bool non_negative_integer =
      value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0);
  HG_CHECK(non_negative_integer, "safetensors file '", file, "': tensor '", name, "' has ", what,
           " ", value.dump(), "; expected a non-negative integer");
  const uint64_t n = value.get<uint64_t>();
  HG_CHECK(n <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), "safetensors file '",
           file, "': tensor '", name, "' has ", what, " ", n, ", too large");
  return static_cast<int64_t>(n);
}

Entry parse_entry(const std::string& name, const json& spec, const std::string& file) {
  const std::string where = "safetensors file '" + file + "': tensor '" + name + "'";
  HG_CHECK(spec.is_object(), where, " is described by ", spec.dump(),
           "; expected an object with dtype, shape and data_offsets");
  for (const auto& item : spec.items()) {
    HG_CHECK(item.key() == "dtype" || item.key() == "shape" || item.key() == "data_offsets", where,
             " has an unexpected field '", item.key(), "'; expected dtype, shape, data_offsets");
  }
  for (const char* field : {"dtype", "shape", "data_offsets"})
    HG_CHECK(spec.contains(field), where, " has no '", field, "' field");

  Entry entry;
  entry.name = name;
  const json& dtype = spec.at("dtype");
  HG_CHECK(dtype.is_string(), where, " has dtype ", dtype.dump(), "; expected a string");
  const std::string dtype_text = dtype.get<std::string>();
  HG_CHECK(known_dtypes().count(dtype_text) == 1, where, " has an unknown dtype '", dtype_text,
           "'");
  HG_CHECK(parse_dtype(dtype_text, &entry.dtype), where, " has dtype ", dtype_text,
           ", which this engine cannot hold; supported dtypes are F32, I32 and U8");

  const json& shape = spec.at("shape");
  HG_CHECK(shape.is_array(), where, " has shape ", shape.dump(), "; expected an array");
  HG_CHECK(shape.size() <= static_cast<size_t>(kMaxRank), where, " has ", shape.size(),
           " dimensions; at most ", kMaxRank, " are supported");
  for (const json& d : shape)
    entry.dims.push_back(json_count(d, file, name, "shape entry"));

  const json& offsets = spec.at("data_offsets");
  HG_CHECK(offsets.is_array() && offsets.size() == 2, where, " has data_offsets ", offsets.dump(),
           "; expected [begin, end]");
  entry.begin = json_count(offsets[0], file, name, "data offset");
  entry.end = json_count(offsets[1], file, name, "data offset");
  return entry;
}

// numel x element size, or -1 when it does not fit in int64.
int64_t byte_length(const Entry& entry) {
  int64_t bytes = static_cast<int64_t>(dtype_size(entry.dtype));
  const bool empty = std::find(entry.dims.begin(), entry.dims.end(), 0) != entry.dims.end();
  if (empty) return 0;
  for (int64_t d : entry.dims) {
    if (bytes > std::numeric_limits<int64_t>::max() / d) return -1;
    bytes *= d;
  }
  return bytes;
}

// "[2, 3]" for messages; the writer passes "," for compact JSON.
std::string shape_text(const std::vector<int64_t>& dims, const char* separator = ", ") {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < dims.size(); ++i)
    out << (i ? separator : "") << dims[i];
  out << ']';
  return out.str();
}

// ---- checksums: metadata "crc32/<tensor>" for each tensor's bytes, "crc32/__metadata__" for the
// other metadata entries (each key and value followed by a NUL, in key order), 8 hex digits.
constexpr const char* kChecksumPrefix = "crc32/";

bool is_checksum_key(const std::string& key) {
  return key.rfind(kChecksumPrefix, 0) == 0;
}

std::string crc32_hex(const void* data, size_t bytes) {
  // crc32_z takes a size_t length, so tensors over 4 GiB need no chunking.
  const uLong crc = crc32_z(crc32_z(0, nullptr, 0), static_cast<const Bytef*>(data), bytes);
  char text[9];
  std::snprintf(text, sizeof text, "%08lx", static_cast<unsigned long>(crc));
  return text;
}

std::string metadata_crc32(const std::map<std::string, std::string>& metadata) {
  std::string canonical;
  for (const auto& [key, value] : metadata)
    if (!is_checksum_key(key)) canonical += key + '\0' + value + '\0';
  return crc32_hex(canonical.data(), canonical.size());
}

// Little-endian uint64 from 8 bytes.
uint64_t read_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

bool SafetensorsFile::contains(const std::string& name) const {
  for (const auto& item : tensors)
    if (item.first == name) return true;
  return false;
}

const Tensor& SafetensorsFile::at(const std::string& name) const {
  for (const auto& item : tensors)
    if (item.first == name) return item.second;
  std::string keys;
  for (const auto& item : tensors)
    keys += (keys.empty() ? "'" : ", '") + item.first + "'";
  HG_FAIL("no tensor '", name, "' in the safetensors file; it holds ",
          keys.empty() ? std::string("no tensors") : keys);
}

std::string encode_safetensors(const NamedTensors& tensors,
                               const std::map<std::string, std::string>& metadata) {
  std::set<std::string> names;
  for (const auto& [name, tensor] : tensors) {
    HG_CHECK(!name.empty(), "safetensors tensor names must not be empty");
    HG_CHECK(name != kMetadataKey, "'", kMetadataKey,
             "' is reserved for metadata and cannot name a tensor");
    HG_CHECK(names.insert(name).second, "duplicate safetensors tensor name '", name, "'");
    HG_CHECK(tensor.defined(), "safetensors tensor '", name, "' is undefined");
  }
  for (const auto& item : metadata)
    HG_CHECK(!is_checksum_key(item.first), "safetensors metadata key '", item.first,
             "': keys starting with '", kChecksumPrefix, "' are reserved for checksums");

  // Every tensor's bytes on the host, and their checksums in the metadata.
  std::vector<Tensor> hosts;
  std::map<std::string, std::string> full_metadata = metadata;
  for (const auto& [name, tensor] : tensors) {
    hosts.push_back(tensor.detach().to(Device::cpu()));
    full_metadata[kChecksumPrefix + name] =
        crc32_hex(hosts.back().raw_data(), hosts.back().nbytes());
  }
  if (!tensors.empty())
    full_metadata[std::string(kChecksumPrefix) + kMetadataKey] = metadata_crc32(metadata);

  // The header, in the given order. Offsets follow each other with no gaps.
  std::string header = "{";
  if (!full_metadata.empty()) {
    header += json_string(kMetadataKey, "key") + ":{";
    bool first = true;
    for (const auto& [key, value] : full_metadata) {
      header += (first ? "" : ",") + json_string(key, "metadata key") + ":" +
                json_string(value, "metadata value");
      first = false;
    }
    header += "}";
  }
  int64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    const int64_t bytes = static_cast<int64_t>(tensor.nbytes());
    if (header.size() > 1) header += ",";
    header += json_string(name, "tensor name") + ":{\"dtype\":\"" + format_name(tensor.dtype()) +
              "\",\"shape\":" + shape_text(tensor.shape().dims(), ",") + ",\"data_offsets\":[" +
              std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
  }
  header += "}";
  // Spaces pad the header so the data section starts 8-byte aligned, as the reference writer
  // does; JSON ignores them.
  header.append((kLengthBytes - header.size() % kLengthBytes) % kLengthBytes, ' ');
  HG_CHECK(static_cast<int64_t>(header.size()) <= kSafetensorsMaxHeader, "safetensors header of ",
           header.size(), " bytes exceeds the limit of ", kSafetensorsMaxHeader);

  std::string out;
  out.reserve(static_cast<size_t>(kLengthBytes) + header.size() + static_cast<size_t>(offset));
  const uint64_t length = header.size();
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((length >> (8 * i)) & 0xFF));
  out += header;
  for (const Tensor& host : hosts)
    out.append(static_cast<const char*>(host.raw_data()), host.nbytes());
  return out;
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, encode_safetensors(tensors, metadata));
}

SafetensorsFile decode_safetensors(const std::string& bytes, const std::string& name) {
  const int64_t size = static_cast<int64_t>(bytes.size());
  HG_CHECK(size >= kLengthBytes, "safetensors file '", name, "' is ", size,
           " bytes long, shorter than the 8-byte header length");
  const uint64_t header_length = read_u64(bytes.data());
  HG_CHECK(header_length <= static_cast<uint64_t>(kSafetensorsMaxHeader), "safetensors file '",
           name, "' declares a header of ", header_length, " bytes, over the limit of ",
           kSafetensorsMaxHeader, " bytes");
  const int64_t data_start = kLengthBytes + static_cast<int64_t>(header_length);
  HG_CHECK(data_start <= size, "safetensors file '", name, "' is shorter than its header: the ",
           "header needs ", header_length, " bytes after the length, but the file has ",
           size - kLengthBytes);

  const std::string header_text = bytes.substr(kLengthBytes, static_cast<size_t>(header_length));
  // nlohmann's parser stops at a NUL byte as at the end of the text; the format pads with spaces.
  const size_t nul = header_text.find('\0');
  HG_CHECK(nul == std::string::npos, "safetensors file '", name,
           "': the header holds a NUL byte at ", kLengthBytes + static_cast<int64_t>(nul),
           " (it is JSON padded with spaces)");
  const json header = parse_header(header_text, name);
  HG_CHECK(header.is_object(), "safetensors file '", name,
           "': the header is not a JSON object (found ", header.type_name(), ")");

  SafetensorsFile out;
  std::vector<Entry> entries;
  for (const auto& item : header.items()) {
    if (item.key() == kMetadataKey) {
      HG_CHECK(item.value().is_object(), "safetensors file '", name, "': ", kMetadataKey,
               " must be an object of strings, found ", item.value().type_name());
      for (const auto& meta : item.value().items()) {
        HG_CHECK(meta.value().is_string(), "safetensors file '", name, "': metadata value '",
                 meta.key(), "' must be a string, found ", meta.value().dump());
        out.metadata[meta.key()] = meta.value().get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(item.key(), item.value(), name));
  }

  // Each tensor on its own, then the data section as a whole: sorted by offset, the tensors
  // must tile [0, data size) exactly.
  const int64_t data_size = size - data_start;
  for (const Entry& e : entries) {
    const std::string where = "safetensors file '" + name + "': tensor '" + e.name + "'";
    HG_CHECK(e.begin <= e.end, where, " has reversed data_offsets [", e.begin, ", ", e.end, "]");
    HG_CHECK(e.end <= data_size, where, " has data_offsets [", e.begin, ", ", e.end,
             "] out of range: the data section holds ", data_size, " bytes");
    const int64_t expected = byte_length(e);
    HG_CHECK(expected >= 0, where, " has shape ", shape_text(e.dims), ", too large");
    HG_CHECK(e.end - e.begin == expected, where, " holds ", e.end - e.begin,
             " bytes but its shape ", shape_text(e.dims), " x ", dtype_size(e.dtype), "-byte ",
             format_name(e.dtype), " needs ", expected);
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  int64_t covered = 0;
  std::string previous;
  for (const Entry& e : entries) {
    const std::string where = "safetensors file '" + name + "': tensor '" + e.name + "'";
    HG_CHECK(e.begin >= covered, where, " at [", e.begin, ", ", e.end, "] overlaps tensor '",
             previous, "' ending at ", covered);
    HG_CHECK(e.begin == covered, where, " starts at ", e.begin, ", leaving a gap of ",
             e.begin - covered, " bytes after ",
             previous.empty() ? std::string("the start of the data") : "tensor '" + previous + "'",
             " (which ends at ", covered, ")");
    covered = e.end;
    previous = e.name;
  }
  HG_CHECK(covered == data_size, "safetensors file '", name, "' has ", data_size - covered,
           " trailing bytes after the last tensor (data section of ", data_size,
           " bytes, tensors end at ", covered, ")");

  // Checksums: a file that has any (every file hourglass writes) must have one for every tensor
  // and for the metadata, so a bit flip in a checksum's own key is caught too.
  const bool checksummed =
      std::any_of(out.metadata.begin(), out.metadata.end(),
                  [](const auto& item) { return is_checksum_key(item.first); });
  if (checksummed) {
    const std::string metadata_key = std::string(kChecksumPrefix) + kMetadataKey;
    std::set<std::string> expected = {metadata_key};
    for (const Entry& e : entries)
      expected.insert(kChecksumPrefix + e.name);
    for (const auto& item : out.metadata)
      HG_CHECK(!is_checksum_key(item.first) || expected.count(item.first) == 1,
               "safetensors file '", name, "' has a checksum '", item.first,
               "' for a tensor it does not hold");
    for (const std::string& key : expected)
      HG_CHECK(out.metadata.count(key) == 1, "safetensors file '", name,
               "' has checksums, but none for ",
               key == metadata_key ? std::string("its metadata")
                                   : "tensor '" + key.substr(std::strlen(kChecksumPrefix)) + "'",
               ": the header is corrupted");
    const std::string metadata_crc = metadata_crc32(out.metadata);
    HG_CHECK(out.metadata.at(metadata_key) == metadata_crc, "safetensors file '", name,
             "': the metadata's CRC-32 is ", metadata_crc, " but the file records ",
             out.metadata.at(metadata_key), ": the header is corrupted");
  }
  for (const Entry& e : entries) {
    const char* data = bytes.data() + data_start + e.begin;
    const size_t length = static_cast<size_t>(e.end - e.begin);
    if (checksummed) {
      const std::string crc = crc32_hex(data, length);
      const std::string& recorded = out.metadata.at(kChecksumPrefix + e.name);
      HG_CHECK(crc == recorded, "safetensors file '", name, "': tensor '", e.name, "' has CRC-32 ",
               crc, " but the file records ", recorded, ": its bytes are corrupted");
    }
    Tensor t = Tensor::empty(Shape(e.dims), e.dtype, Device::cpu());
    if (length > 0) std::memcpy(t.raw_data(), data, length);
    out.tensors.emplace_back(e.name, std::move(t));
  }
  for (auto it = out.metadata.begin(); it != out.metadata.end();)
    it = is_checksum_key(it->first) ? out.metadata.erase(it) : std::next(it);
  return out;
}

SafetensorsFile load_safetensors(const std::string& path) {
  return decode_safetensors(read_file(path), path);
}

}  // namespace hg::io
