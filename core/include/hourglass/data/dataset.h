// Dataset: images (float32, pixels scaled to [0, 1]) and their int32 labels, held on the CPU;
// a DataLoader moves batches to the training device. load_mnist reads the four usual IDX files
// (MNIST and Fashion-MNIST share them), plain or gzip-compressed.
#pragma once

#include <string>

#include "hourglass/core/tensor.h"

namespace hg::data {

struct Dataset {
  Tensor images;  // float32 [N, C, H, W] or [N, D], on the CPU
  Tensor labels;  // int32 [N], on the CPU; undefined for unlabeled data
  std::string name;

  int64_t size() const { return images.defined() ? images.dim(0) : 0; }
  // The shape of one sample: images.shape() without its first dimension.
  Shape sample_shape() const;
  int64_t sample_numel() const;
  // The first `limit` samples (all of them when limit < 0 or limit >= size()), sharing storage.
  Dataset take(int64_t limit) const;
};

// Checks the pairing (float32 images of rank >= 2 on the CPU; labels, when given, int32 [N]) and
// builds a Dataset.
Dataset make_dataset(Tensor images, Tensor labels, std::string name = "");

// Reads an IDX image file [N, H, W] and its label file [N] into a Dataset with images
// [N, 1, H, W] in [0, 1]. At most `limit` samples are converted when limit >= 0. Throws hg::Error
// naming both files when the counts differ.
Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path,
                      int64_t limit = -1);

enum class Split { kTrain, kTest };
const char* split_name(Split split);  // "train", "test"

// The MNIST-format split in `dir`: train-{images-idx3,labels-idx1}-ubyte or
// t10k-{images-idx3,labels-idx1}-ubyte, each optionally with ".gz". When files are missing the
// hg::Error lists them and says how to fetch them (tools/fetch-data mnist).
Dataset load_mnist(const std::string& dir, Split split, int64_t limit = -1);

}  // namespace hg::data
