// Datasets from NumPy arrays (load_npy_split) and the loader that picks a directory's layout,
// MNIST IDX or NPY (load_split).

#include <string>
#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/data/dataset.h"
#include "hourglass/io/npy.h"
#include "hourglass/io/paths.h"

namespace hg::data {
namespace {

using io::is_dir;
using io::is_file;

std::string npy_path(const std::string& dir, Split split, const char* what) {
  return dir + "/" + split_name(split) + "_" + what + ".npy";
}

// The IDX names load_mnist looks for.
std::vector<std::string> idx_names(Split split) {
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  return {prefix + "-images-idx3-ubyte", prefix + "-labels-idx1-ubyte"};
}

bool idx_present(const std::string& dir, Split split) {
  for (const std::string& name : idx_names(split)) {
    const std::string path = dir + "/" + name;
    if (!is_file(path) && !is_file(path + ".gz")) return false;
  }
  return true;
}

// The first n samples of uint8 or float32 `raw` as float32 pixels in [0, 1], in `dims`.
Tensor to_pixels(const Tensor& raw, const std::vector<int64_t>& dims, const std::string& path) {
  Tensor out = Tensor::empty(Shape(dims), DType::kFloat32, Device::cpu());
  const int64_t count = out.numel();
  const int64_t per_sample = count / dims[0];
  float* dst = out.data<float>();
  if (raw.dtype() == DType::kUInt8) {
    const uint8_t* src = raw.data<uint8_t>();
    for (int64_t i = 0; i < count; ++i)
      dst[i] = static_cast<float>(src[i]) * (1.0f / 255.0f);
    return out;
  }
  const float* src = raw.data<float>();
  for (int64_t i = 0; i < count; ++i) {
    // Written so that NaN fails too.
    HG_CHECK(src[i] >= 0.0f && src[i] <= 1.0f, "NPY images '", path, "' hold float32 pixel ",
             src[i], " (sample ", i / per_sample, ", element ", i % per_sample,
             "); float32 images must be in [0, 1] (or save uint8 pixels 0-255)");
    dst[i] = src[i];
  }
  return out;
}

}  // namespace

Dataset load_npy_split(const std::string& dir, Split split, int64_t limit) {
  const std::string images_path = npy_path(dir, split, "images");
  const std::string labels_path = npy_path(dir, split, "labels");
  HG_CHECK(is_file(images_path), "NPY ", split_name(split), " images '", images_path,
           "' not found (the NPY layout is ", split_name(split), "_images.npy with an optional ",
           split_name(split), "_labels.npy)");

  const Tensor raw = io::read_npy(images_path);
  HG_CHECK(raw.rank() >= 2 && raw.rank() <= 4, "NPY images '", images_path, "' have shape ",
           raw.shape(), "; expected [N, H, W], [N, C, H, W] or [N, D]");
  HG_CHECK(raw.dtype() == DType::kUInt8 || raw.dtype() == DType::kFloat32, "NPY images '",
           images_path, "' are ", dtype_name(raw.dtype()),
           "; expected uint8 pixels (0-255) or float32 pixels in [0, 1]");
  const int64_t count = raw.dim(0);
  HG_CHECK(count > 0 && raw.numel() > 0, "NPY images '", images_path, "' have shape ", raw.shape(),
           ": no pixels");
  const int64_t n = limit >= 0 && limit < count ? limit : count;

  std::vector<int64_t> dims = raw.shape().dims();
  dims[0] = n;
  if (raw.rank() == 3) dims.insert(dims.begin() + 1, 1);  // [N, H, W] -> [N, 1, H, W]
  Tensor images = to_pixels(raw, dims, images_path);

  Tensor labels;
  if (is_file(labels_path)) {
    const Tensor raw_labels = io::read_npy(labels_path);
    HG_CHECK(raw_labels.rank() == 1, "NPY labels '", labels_path, "' have shape ",
             raw_labels.shape(), "; expected [N]");
    HG_CHECK(raw_labels.dtype() == DType::kInt32 || raw_labels.dtype() == DType::kUInt8,
             "NPY labels '", labels_path, "' are ", dtype_name(raw_labels.dtype()),
             "; expected int32 or uint8");
    HG_CHECK(raw_labels.dim(0) == count, "image/label count mismatch: '", images_path, "' holds ",
             count, " images but '", labels_path, "' holds ", raw_labels.dim(0), " labels");
    labels = Tensor::empty(Shape{n}, DType::kInt32, Device::cpu());
    int32_t* dst = labels.data<int32_t>();
    for (int64_t i = 0; i < n; ++i) {
      dst[i] = raw_labels.dtype() == DType::kUInt8 ? raw_labels.data<uint8_t>()[i]
                                                   : raw_labels.data<int32_t>()[i];
    }
  }
  return make_dataset(std::move(images), std::move(labels), dir + " (" + split_name(split) + ")");
}

Dataset load_split(const std::string& dir, Split split, int64_t limit) {
  HG_CHECK(is_dir(dir), "data directory '", dir,
           "' does not exist; fetch MNIST with `tools/fetch-data mnist` or pass a folder holding "
           "MNIST IDX files or NPY arrays");
  if (idx_present(dir, split)) return load_mnist(dir, split, limit);
  if (is_file(npy_path(dir, split, "images"))) return load_npy_split(dir, split, limit);
  const std::vector<std::string> idx = idx_names(split);
  HG_FAIL("no ", split_name(split), " data in '", dir, "': expected either the MNIST IDX files ",
          idx[0], " and ", idx[1], " (each optionally .gz), or NPY arrays ", split_name(split),
          "_images.npy (uint8 or float32 in [0, 1]; [N, H, W], [N, C, H, W] or [N, D]) with an "
          "optional ",
          split_name(split), "_labels.npy (int32 or uint8 [N])");
}

}  // namespace hg::data
