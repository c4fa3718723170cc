// Dataset construction and the MNIST-format loader.
#include "hourglass/data/dataset.h"

#include <vector>

#include "hourglass/core/error.h"
#include "hourglass/data/idx.h"
#include "hourglass/io/paths.h"

namespace hg::data {
namespace {

using io::is_dir;
using io::is_file;

// `dir/name` if it exists, else `dir/name.gz` if that exists, else "".
std::string find_file(const std::string& dir, const std::string& name) {
  const std::string plain = dir + "/" + name;
  if (is_file(plain)) return plain;
  if (is_file(plain + ".gz")) return plain + ".gz";
  return "";
}

}  // namespace

Shape Dataset::sample_shape() const {
  HG_CHECK(images.defined(), "sample_shape of an empty Dataset");
  std::vector<int64_t> dims = images.shape().dims();
  dims.erase(dims.begin());
  return Shape(dims);
}

int64_t Dataset::sample_numel() const {
  return sample_shape().numel();
}

Dataset Dataset::take(int64_t limit) const {
  if (limit < 0 || limit >= size()) return *this;
  Dataset out = *this;
  out.images = images.slice_rows(0, limit);
  if (labels.defined()) out.labels = labels.slice_rows(0, limit);
  return out;
}

Dataset make_dataset(Tensor images, Tensor labels, std::string name) {
  HG_CHECK(images.defined() && images.rank() >= 2, "a dataset needs images of rank >= 2 ([N, ...])",
           images.defined() ? ", got shape " : "", images.defined() ? images.shape().str() : "");
  HG_CHECK(images.dtype() == DType::kFloat32 && images.device().is_cpu(),
           "dataset images must be float32 on the CPU, got ", images);
  if (labels.defined()) {
    HG_CHECK(labels.dtype() == DType::kInt32 && labels.rank() == 1 && labels.device().is_cpu(),
             "dataset labels must be int32 [N] on the CPU, got ", labels);
    HG_CHECK(labels.dim(0) == images.dim(0), "dataset has ", images.dim(0), " images but ",
             labels.dim(0), " labels");
  }
  Dataset out;
  out.images = std::move(images);
  out.labels = std::move(labels);
  out.name = std::move(name);
  return out;
}

Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path,
                      int64_t limit) {
  const Tensor raw_images = read_idx_images(images_path);
  const Tensor raw_labels = read_idx_labels(labels_path);
  const int64_t count = raw_images.dim(0);
  HG_CHECK(raw_labels.dim(0) == count, "image/label count mismatch: '", images_path, "' holds ",
           count, " images but '", labels_path, "' holds ", raw_labels.dim(0), " labels");
  const int64_t n = limit >= 0 && limit < count ? limit : count;
  const int64_t height = raw_images.dim(1), width = raw_images.dim(2);
  const int64_t pixels = n * height * width;

  Tensor images = Tensor::empty(Shape{n, 1, height, width}, DType::kFloat32, Device::cpu());
  const uint8_t* src = raw_images.data<uint8_t>();
  float* dst = images.data<float>();
  for (int64_t i = 0; i < pixels; ++i)
    dst[i] = static_cast<float>(src[i]) * (1.0f / 255.0f);

  Tensor labels = Tensor::empty(Shape{n}, DType::kInt32, Device::cpu());
  const uint8_t* label_src = raw_labels.data<uint8_t>();
  int32_t* label_dst = labels.data<int32_t>();
  for (int64_t i = 0; i < n; ++i)
    label_dst[i] = label_src[i];

  return make_dataset(std::move(images), std::move(labels), images_path);
}

const char* split_name(Split split) {
  return split == Split::kTrain ? "train" : "test";
}

Dataset load_mnist(const std::string& dir, Split split, int64_t limit) {
  HG_CHECK(is_dir(dir), "data directory '", dir,
           "' does not exist; fetch MNIST with `tools/fetch-data mnist` (it writes data/mnist "
           "under the repository) or pass a folder holding the four IDX files");
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const std::string images_name = prefix + "-images-idx3-ubyte";
  const std::string labels_name = prefix + "-labels-idx1-ubyte";
  const std::string images_path = find_file(dir, images_name);
  const std::string labels_path = find_file(dir, labels_name);
  if (images_path.empty() || labels_path.empty()) {
    std::string missing;
    for (const std::string* name : {&images_name, &labels_name}) {
      if (find_file(dir, *name).empty()) missing += (missing.empty() ? "" : ", ") + *name;
    }
    HG_FAIL("MNIST ", split_name(split), " files missing in '", dir, "': ", missing,
            " (nor .gz); fetch them with `tools/fetch-data mnist` (writes data/mnist under the "
            "repository) or `tools/fetch-data mnist --dir DIR` (writes DIR/mnist)");
  }
  Dataset out = load_idx_pair(images_path, labels_path, limit);
  out.name = dir + " (" + split_name(split) + ")";
  return out;
}

}  // namespace hg::data
