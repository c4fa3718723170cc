// NPY reading and writing (format in npy.h). The header is a Python dict literal; a small parser
// here accepts exactly the literals NumPy writes (quoted strings, True/False, tuples of integers)
// and nothing else, so a header that would need Python to evaluate is an error, not a guess.
// The writer lays the header out as NumPy 1.24 does (keys sorted, spare spaces after it so the
// first dimension can grow in place, padded so the data starts 64-byte aligned), byte for byte.
#include "hourglass/io/npy.h"

#include <cctype>
#include <cstring>
#include <limits>
#include <map>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/io/atomic_file.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.cpp copies little-endian elements as they are: it needs a little-endian host"
#endif

namespace hg::io {
namespace {

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLength = 6;
constexpr size_t kAlign = 64;
constexpr size_t kGrowthDigits = 21;  // room for the first dimension to grow, as NumPy leaves

// One value of the header dict.
struct Value {
  enum Kind { kString, kBool, kTuple } kind = kString;
  std::string text;
  bool flag = false;
  std::vector<int64_t> ints;
};

// Parses the header dict of file `name`; every failure names the file and the offending text.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& name) : text_(text), name_(name) {}

  std::map<std::string, Value> parse() {
    std::map<std::string, Value> out;
    skip_space();
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = parse_string();
      skip_space();
      expect(':');
      skip_space();
      Value value = parse_value(key);
      HG_CHECK(out.emplace(key, std::move(value)).second, "NPY file '", name_, "': duplicate key '",
               key, "' in the header ", quoted());
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_space();
      HG_CHECK(peek() == '}', "NPY file '", name_, "': malformed header ", quoted(),
               ": expected ',' or '}' at offset ", pos_);
    }
    ++pos_;
    skip_space();
    HG_CHECK(pos_ == text_.size(), "NPY file '", name_, "': malformed header ", quoted(),
             ": unexpected text after the dict at offset ", pos_);
    return out;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
      ++pos_;
  }
  std::string quoted() const { return "\"" + text_ + "\""; }
  void expect(char c) {
    HG_CHECK(peek() == c, "NPY file '", name_, "': malformed header ", quoted(), ": expected '", c,
             "' at offset ", pos_);
    ++pos_;
  }

  std::string parse_string() {
    const char quote = peek();
    HG_CHECK(quote == '\'' || quote == '"', "NPY file '", name_, "': malformed header ", quoted(),
             ": expected a quoted string at offset ", pos_);
    const size_t end = text_.find(quote, pos_ + 1);
    HG_CHECK(end != std::string::npos, "NPY file '", name_, "': malformed header ", quoted(),
             ": unterminated string at offset ", pos_);
    std::string out = text_.substr(pos_ + 1, end - pos_ - 1);
    HG_CHECK(out.find('\\') == std::string::npos, "NPY file '", name_, "': malformed header ",
             quoted(), ": escapes in strings are not supported");
    pos_ = end + 1;
    return out;
  }

  Value parse_value(const std::string& key) {
    Value v;
    const char c = peek();
    if (c == '\'' || c == '"') {
      v.kind = Value::kString;
      v.text = parse_string();
    } else if (text_.compare(pos_, 4, "True") == 0 || text_.compare(pos_, 5, "False") == 0) {
      v.kind = Value::kBool;
      v.flag = c == 'T';
      pos_ += v.flag ? 4 : 5;
    } else if (c == '(') {
      v.kind = Value::kTuple;
      ++pos_;
      while (true) {
        skip_space();
        if (peek() == ')') break;
        v.ints.push_back(parse_int(key));
        skip_space();
        if (peek() == ',') {
          ++pos_;
        } else {
          HG_CHECK(peek() == ')', "NPY file '", name_, "': malformed header ", quoted(),
                   ": expected ',' or ')' in '", key, "' at offset ", pos_);
        }
      }
      ++pos_;
    } else if (c == '[' && key == "descr") {
      HG_FAIL("NPY file '", name_, "' holds a structured (record) array, header ", quoted(),
              "; only plain float32, int32 and uint8 arrays are supported");
    } else {
      HG_FAIL("NPY file '", name_, "': malformed header ", quoted(), ": unsupported value for '",
              key, "' at offset ", pos_);
    }
    return v;
  }

  int64_t parse_int(const std::string& key) {
    HG_CHECK(peek() != '-', "NPY file '", name_, "' has a negative dimension in '", key,
             "', header ", quoted());
    HG_CHECK(std::isdigit(static_cast<unsigned char>(peek())), "NPY file '", name_,
             "': malformed header ", quoted(), ": expected an integer in '", key, "' at offset ",
             pos_);
    int64_t n = 0;
    while (std::isdigit(static_cast<unsigned char>(peek()))) {
      const int digit = text_[pos_++] - '0';
      HG_CHECK(n <= (std::numeric_limits<int64_t>::max() - digit) / 10, "NPY file '", name_,
               "' has an absurd dimension in '", key, "', header ", quoted());
      n = n * 10 + digit;
    }
    if (peek() == 'L') ++pos_;  // Python 2 long literals, as old NumPy wrote them
    return n;
  }

  const std::string& text_;
  const std::string& name_;
  size_t pos_ = 0;
};

bool parse_descr(const std::string& descr, DType* out) {
  if (descr == "<f4") {
    *out = DType::kFloat32;
  } else if (descr == "<i4") {
    *out = DType::kInt32;
  } else if (descr == "|u1" || descr == "<u1") {
    *out = DType::kUInt8;
  } else {
    return false;
  }
  return true;
}

const char* descr_of(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "<f4";
    case DType::kInt32:
      return "<i4";
    case DType::kUInt8:
      return "|u1";
  }
  HG_FAIL("unknown dtype ", static_cast<int>(dtype));
}

// Python's repr of a shape tuple: "()", "(5,)", "(2, 3)".
std::string shape_repr(const std::vector<int64_t>& dims) {
  std::string out = "(";
  for (size_t i = 0; i < dims.size(); ++i)
    out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + (dims.size() == 1 ? ",)" : ")");
}

uint32_t read_le(const std::string& bytes, size_t at, int count) {
  uint32_t v = 0;
  for (int i = count - 1; i >= 0; --i)
    v = (v << 8) | static_cast<uint8_t>(bytes[at + i]);
  return v;
}

}  // namespace

Tensor decode_npy(const std::string& bytes, const std::string& name) {
  HG_CHECK(bytes.size() >= kMagicLength && bytes.compare(0, kMagicLength, kMagic) == 0,
           "NPY file '", name, "' does not start with the NPY magic \\x93NUMPY (not an NPY file)");
  HG_CHECK(bytes.size() >= 10, "NPY file '", name, "' is truncated in its preamble (", bytes.size(),
           " bytes)");
  const int major = static_cast<uint8_t>(bytes[6]), minor = static_cast<uint8_t>(bytes[7]);
  HG_CHECK(minor == 0 && major >= 1 && major <= 3, "NPY file '", name, "' has format version ",
           major, ".", minor, "; supported versions are 1.0, 2.0 and 3.0");
  const int length_bytes = major == 1 ? 2 : 4;
  const size_t preamble = kMagicLength + 2 + static_cast<size_t>(length_bytes);
  HG_CHECK(bytes.size() >= preamble, "NPY file '", name, "' is truncated in its preamble (",
           bytes.size(), " bytes)");
  const size_t header_length = read_le(bytes, 8, length_bytes);
  HG_CHECK(bytes.size() - preamble >= header_length, "NPY file '", name,
           "' is truncated in its header: the header needs ", header_length,
           " bytes, the file has ", bytes.size() - preamble, " after the preamble");
  const std::string header = bytes.substr(preamble, header_length);

  const std::map<std::string, Value> dict = HeaderParser(header, name).parse();
  for (const auto& item : dict) {
    HG_CHECK(item.first == "descr" || item.first == "fortran_order" || item.first == "shape",
             "NPY file '", name, "': unexpected key '", item.first, "' in the header \"", header,
             "\"; expected descr, fortran_order and shape");
  }
  for (const char* key : {"descr", "fortran_order", "shape"})
    HG_CHECK(dict.count(key) == 1, "NPY file '", name, "': the header \"", header, "\" has no '",
             key, "'");
  const Value& descr = dict.at("descr");
  const Value& fortran = dict.at("fortran_order");
  const Value& shape = dict.at("shape");
  HG_CHECK(descr.kind == Value::kString, "NPY file '", name, "': 'descr' must be a string");
  HG_CHECK(fortran.kind == Value::kBool, "NPY file '", name,
           "': 'fortran_order' must be True or False");
  HG_CHECK(shape.kind == Value::kTuple, "NPY file '", name, "': 'shape' must be a tuple");

  DType dtype = DType::kFloat32;
  if (!parse_descr(descr.text, &dtype)) {
    const bool big_endian = !descr.text.empty() && descr.text[0] == '>' && descr.text != ">u1";
    const bool object = descr.text.find('O') != std::string::npos;
    HG_FAIL("NPY file '", name, "' holds dtype '", descr.text, "'",
            big_endian ? " (big-endian)"
            : object   ? " (an object array)"
                       : "",
            "; supported dtypes are '<f4' (float32), '<i4' (int32) and '|u1' (uint8)");
  }
  HG_CHECK(!fortran.flag, "NPY file '", name,
           "' is in Fortran (column-major) order; only C order is supported (save "
           "numpy.ascontiguousarray(a))");
  HG_CHECK(shape.ints.size() <= static_cast<size_t>(kMaxRank), "NPY file '", name, "' has shape ",
           shape_repr(shape.ints), ": at most ", kMaxRank, " dimensions are supported");

  // The element count, guarded against overflow (a dimension of 0 makes any shape empty).
  int64_t numel = 1;
  for (int64_t d : shape.ints)
    if (d == 0) numel = 0;
  for (int64_t d : shape.ints) {
    if (numel == 0) break;
    HG_CHECK(numel <= std::numeric_limits<int64_t>::max() / 8 / d, "NPY file '", name,
             "' has an absurd shape ", shape_repr(shape.ints));
    numel *= d;
  }
  const int64_t expected = numel * static_cast<int64_t>(dtype_size(dtype));
  const int64_t found = static_cast<int64_t>(bytes.size() - preamble - header_length);
  HG_CHECK(found >= expected, "NPY file '", name, "' is truncated: shape ", shape_repr(shape.ints),
           " of '", descr.text, "' needs ", expected, " bytes of data, found ", found);
  HG_CHECK(found == expected, "NPY file '", name, "' has ", found - expected,
           " trailing bytes: shape ", shape_repr(shape.ints), " of '", descr.text, "' needs ",
           expected, " bytes of data, found ", found);

  Tensor out = Tensor::empty(Shape(shape.ints), dtype, Device::cpu());
  if (expected > 0)
    std::memcpy(out.raw_data(), bytes.data() + preamble + header_length,
                static_cast<size_t>(expected));
  return out;
}

Tensor read_npy(const std::string& path) {
  return decode_npy(read_file(path), path);
}

std::string encode_npy(const Tensor& tensor) {
  HG_CHECK(tensor.defined(), "encode_npy of an undefined tensor");
  const std::vector<int64_t> dims = tensor.shape().dims();
  std::string dict = std::string("{'descr': '") + descr_of(tensor.dtype()) +
                     "', 'fortran_order': False, 'shape': " + shape_repr(dims) + ", }";
  if (!dims.empty()) {
    const size_t digits = std::to_string(dims[0]).size();
    dict.append(kGrowthDigits > digits ? kGrowthDigits - digits : 0, ' ');
  }
  // The header ends with '\n' and is padded with spaces so that preamble + header is a multiple
  // of 64; like NumPy, a header that is already aligned still gets a full 64 bytes of padding.
  // Version 1.0 has a 2-byte length; 2.0 (4 bytes) is used only when that cannot hold it.
  int major = 1;
  size_t length_bytes = 2;
  size_t padding = kAlign - (kMagicLength + 2 + length_bytes + dict.size() + 1) % kAlign;
  if (dict.size() + 1 + padding > 0xFFFF) {
    major = 2;
    length_bytes = 4;
    padding = kAlign - (kMagicLength + 2 + length_bytes + dict.size() + 1) % kAlign;
  }
  const size_t header_length = dict.size() + padding + 1;

  std::string out(kMagic, kMagicLength);
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  for (size_t i = 0; i < length_bytes; ++i)
    out.push_back(static_cast<char>((header_length >> (8 * i)) & 0xFF));
  out += dict;
  out.append(padding, ' ');
  out.push_back('\n');
  const Tensor host = tensor.detach().to(Device::cpu());
  out.append(static_cast<const char*>(host.raw_data()), host.nbytes());
  return out;
}

void write_npy(const std::string& path, const Tensor& tensor) {
  write_file_atomic(path, encode_npy(tensor));
}

}  // namespace hg::io
