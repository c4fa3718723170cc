// Dataset: images (float32, pixels scaled to [0, 1]) and their int32 labels, held on the CPU;
// a DataLoader moves batches to the training device. load_mnist reads the four usual IDX files
// (MNIST and Fashion-MNIST share them), plain or gzip-compressed; load_npy_split reads NumPy
// arrays; load_split takes whichever of the two a directory holds.
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

// The NPY layout of a split in `dir`: train_images.npy and, optionally, train_labels.npy (for the
// test split test_images.npy, test_labels.npy). Images are uint8 (scaled by 1/255) or float32
// already in [0, 1] (checked), shaped [N, H, W] (loaded as [N, 1, H, W]), [N, C, H, W] or [N, D];
// labels are int32 or uint8 [N] (loaded as int32). At most `limit` samples are converted when
// limit >= 0. Errors name the file.
Dataset load_npy_split(const std::string& dir, Split split, int64_t limit = -1);

// The split in `dir` in whichever layout it holds: the MNIST IDX files when both are present
// (load_mnist), else the NPY arrays (load_npy_split), else an hg::Error listing both layouts.
Dataset load_split(const std::string& dir, Split split, int64_t limit = -1);

}  // namespace hg::data
