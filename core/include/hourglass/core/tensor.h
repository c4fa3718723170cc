// Tensor: a handle to a contiguous, row-major (NCHW) array on a device. Copies of a Tensor share
// storage; reshape() and flatten() return views of the same storage. A tensor with
// requires_grad() takes part in the autograd tape (see autograd.h).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "hourglass/core/device.h"
#include "hourglass/core/dtype.h"
#include "hourglass/core/shape.h"

namespace hg {

class Generator;

// Raw memory on one device, freed through that device's backend.
struct Storage {
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data = nullptr;
  size_t bytes = 0;
  Device device;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  size_t byte_offset = 0;
  Shape shape;
  DType dtype = DType::kFloat32;
  bool requires_grad = false;
  // Gradient of a leaf tensor, accumulated by backward(); undefined until the first one.
  std::shared_ptr<TensorImpl> grad;
  // Tape generation that produced this tensor; 0 for leaves (see autograd.h).
  uint64_t tape_generation = 0;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- creation -----------------------------------------------------------------------------
  static Tensor empty(const Shape& shape, DType dtype = DType::kFloat32,
                      Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, Device device = Device::cpu(),
                      DType dtype = DType::kFloat32);
  static Tensor ones(const Shape& shape, Device device = Device::cpu());
  static Tensor full(const Shape& shape, float value, Device device = Device::cpu());
  // Copies host data; values.size() must equal shape.numel().
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape,
                            Device device = Device::cpu());
  static Tensor from_vector(const std::vector<int32_t>& values, const Shape& shape,
                            Device device = Device::cpu());
  static Tensor from_vector(const std::vector<uint8_t>& values, const Shape& shape,
                            Device device = Device::cpu());
  static Tensor scalar(float value, Device device = Device::cpu());
  // Random float32 tensors from the Philox stream of `gen` (default_generator() if null).
  static Tensor randn(const Shape& shape, Device device = Device::cpu(), float mean = 0.0f,
                      float stddev = 1.0f, Generator* gen = nullptr);
  static Tensor rand(const Shape& shape, Device device = Device::cpu(), float lo = 0.0f,
                     float hi = 1.0f, Generator* gen = nullptr);

  // ---- properties ---------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int rank() const { return shape().rank(); }
  int64_t dim(int d) const { return shape()[d]; }
  int64_t numel() const { return shape().numel(); }
  DType dtype() const;
  Device device() const;
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype()); }

  // Raw device pointer to the first element; T must match dtype() (checked).
  template <class T>
  T* data() const;
  void* raw_data() const;

  // ---- host access and device moves (not recorded on the tape) ------------------------------
  std::vector<float> to_vector() const;  // float32 only
  std::vector<int32_t> to_vector_i32() const;
  std::vector<uint8_t> to_vector_u8() const;
  float item() const;  // a one-element float32 tensor's value
  // A copy on `device` (the same tensor when already there). Differentiable.
  Tensor to(Device device) const;
  Tensor clone() const;   // a deep copy, differentiable
  Tensor detach() const;  // shares storage, cut from the tape
  // Overwrites this tensor's elements with src's (same shape and dtype; any device). Not
  // recorded on the tape; used for parameter updates and loading checkpoints.
  void copy_(const Tensor& src);
  void fill_(float value);

  // ---- views ----------------------------------------------------------------------------------
  // Same storage, new shape with the same numel; one dimension may be -1. Differentiable.
  Tensor reshape(const std::vector<int64_t>& dims) const;
  // Rows [begin, end) along dimension 0 as a view (not differentiable; for batching data).
  Tensor slice_rows(int64_t begin, int64_t end) const;

  // ---- autograd -----------------------------------------------------------------------------
  bool requires_grad() const;
  // Marks a leaf tensor (a parameter, an input) as needing gradients; returns *this.
  Tensor& set_requires_grad(bool value = true);
  bool is_leaf() const;
  Tensor grad() const;  // undefined until a backward pass reached this leaf
  void zero_grad();     // drops the accumulated gradient

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same_storage(const Tensor& other) const;

 private:
  void check_defined() const;
  std::shared_ptr<TensorImpl> impl_;
};

// "Tensor[2, 3] float32 cpu"
std::ostream& operator<<(std::ostream& out, const Tensor& t);

}  // namespace hg
