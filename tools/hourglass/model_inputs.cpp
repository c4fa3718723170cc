// Reading the inputs and labels the commands on a trained run take: .npy arrays (recognised by
// their magic bytes) or IDX files (plain or .gz), reshaped to the model's sample shape.
#include "model_inputs.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/data/idx.h"
#include "hourglass/io/npy.h"
#include "hourglass/ops/elementwise.h"

namespace hg::cli {
namespace {

// True when the file starts with NumPy's magic; false for anything else (IDX, gzip).
bool is_npy_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HG_CHECK(in.good(), "cannot open '", path, "'");
  char magic[6] = {};
  in.read(magic, sizeof(magic));
  return in.gcount() == 6 && std::string(magic, 6) == "\x93NUMPY";
}

std::string dims_text(const std::vector<int64_t>& dims) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < dims.size(); ++i)
    out << (i ? ", " : "") << dims[i];
  return out.str() + "]";
}

// Whether one sample laid out as `given` is the model's `sample` in one of the accepted layouts:
// the same shape, flat, or without a leading single channel.
bool layout_matches(const std::vector<int64_t>& given, const std::vector<int64_t>& sample) {
  if (given == sample) return true;
  if (Shape(given).numel() != Shape(sample).numel()) return false;
  if (given.size() == 1) return true;
  return sample.size() == given.size() + 1 && sample[0] == 1 &&
         std::equal(given.begin(), given.end(), sample.begin() + 1);
}

std::string accepted_layouts(const std::vector<int64_t>& sample) {
  std::string text = "[N, " + dims_text(sample).substr(1);
  if (sample.size() > 1 && sample[0] == 1) {
    text += ", [N, " + dims_text({sample.begin() + 1, sample.end()}).substr(1);
  }
  if (sample.size() > 1) text += " or [N, " + std::to_string(Shape(sample).numel()) + "]";
  return text;
}

}  // namespace

Tensor read_model_inputs(const std::string& path, const std::vector<int64_t>& sample_shape,
                         int64_t limit) {
  const Tensor raw = is_npy_file(path) ? io::read_npy(path) : data::read_idx(path);
  const std::vector<int64_t> dims = raw.shape().dims();
  HG_CHECK(dims.size() >= 2, "'", path, "' holds an array of shape ", dims_text(dims),
           "; expected a batch of samples, ", accepted_layouts(sample_shape));
  const std::vector<int64_t> given(dims.begin() + 1, dims.end());
  HG_CHECK(layout_matches(given, sample_shape), "'", path, "' holds samples of shape ",
           dims_text(given), " (array ", dims_text(dims), "); the model takes samples of shape ",
           dims_text(sample_shape), ": ", accepted_layouts(sample_shape));
  HG_CHECK(dims[0] > 0, "'", path, "' holds no samples");
  const int64_t n = limit >= 0 ? std::min(limit, dims[0]) : dims[0];
  HG_CHECK(n > 0, "--limit 0 leaves no samples of '", path, "'");
  const Tensor rows = raw.slice_rows(0, n);

  Tensor pixels;
  if (rows.dtype() == DType::kUInt8) {
    pixels = to_float(rows, 1.0f / 255.0f);
  } else {
    HG_CHECK(rows.dtype() == DType::kFloat32, "'", path, "' holds ", dtype_name(rows.dtype()),
             " values; expected float32 pixels in [0, 1] or uint8 pixels");
    pixels = rows.clone();
    const std::vector<float> values = pixels.to_vector();
    for (size_t i = 0; i < values.size(); ++i) {
      HG_CHECK(values[i] >= 0.0f && values[i] <= 1.0f, "'", path,
               "': float32 pixels must lie in [0, 1]; element ", i, " is ", values[i]);
    }
  }
  std::vector<int64_t> shape{n};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  return pixels.reshape(shape);
}

Tensor read_labels(const std::string& path) {
  const Tensor raw = is_npy_file(path) ? io::read_npy(path) : data::read_idx_labels(path);
  HG_CHECK(raw.rank() == 1, "'", path, "' holds an array of shape ", raw.shape(),
           "; expected labels [N]");
  if (raw.dtype() == DType::kInt32) return raw;
  HG_CHECK(raw.dtype() == DType::kUInt8, "'", path, "' holds ", dtype_name(raw.dtype()),
           " labels; expected int32 or uint8");
  const std::vector<uint8_t> bytes = raw.to_vector_u8();
  return Tensor::from_vector(std::vector<int32_t>(bytes.begin(), bytes.end()), raw.shape());
}

}  // namespace hg::cli
