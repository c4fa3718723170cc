// Tensor creation, host access, device moves and views.
#include "hourglass/core/tensor.h"

#include <ostream>

#include "hourglass/core/autograd.h"
#include "hourglass/core/error.h"
#include "hourglass/core/rng.h"
#include "hourglass/kernels/backend.h"

namespace hg {

Storage::Storage(size_t size, Device dev) : bytes(size), device(dev) {
  // Zero-byte tensors still get a distinct non-null pointer from the backend's allocator.
  data = backend_for(device).allocate(bytes == 0 ? 1 : bytes);
}

Storage::~Storage() {
  backend_for(device).deallocate(data, bytes == 0 ? 1 : bytes);
}

// ---- creation -----------------------------------------------------------------------------

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage =
      std::make_shared<Storage>(static_cast<size_t>(shape.numel()) * dtype_size(dtype), device);
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, Device device, DType dtype) {
  Tensor t = empty(shape, dtype, device);
  kernels::Backend& be = backend_for(device);
  switch (dtype) {
    case DType::kFloat32:
      be.fill(t.data<float>(), 0.0f, t.numel());
      break;
    case DType::kInt32:
      be.fill_i32(t.data<int32_t>(), 0, t.numel());
      break;
    case DType::kUInt8:
      be.fill_u8(t.data<uint8_t>(), 0, t.numel());
      break;
  }
  return t;
}

Tensor Tensor::ones(const Shape& shape, Device device) {
  return full(shape, 1.0f, device);
}

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, DType::kFloat32, device);
  backend_for(device).fill(t.data<float>(), value, t.numel());
  return t;
}

namespace {
template <class T>
Tensor from_host(const std::vector<T>& values, const Shape& shape, Device device) {
  HG_CHECK(static_cast<int64_t>(values.size()) == shape.numel(), "from_vector: ", values.size(),
           " values do not fill shape ", shape, " (", shape.numel(), " elements)");
  Tensor t = Tensor::empty(shape, dtype_of<T>(), device);
  backend_for(device).copy_from_host(t.raw_data(), values.data(), values.size() * sizeof(T));
  return t;
}

template <class T>
std::vector<T> to_host(const Tensor& t) {
  HG_CHECK(t.dtype() == dtype_of<T>(), "cannot read a ", dtype_name(t.dtype()), " tensor as ",
           dtype_name(dtype_of<T>()));
  std::vector<T> out(static_cast<size_t>(t.numel()));
  backend_for(t.device()).copy_to_host(out.data(), t.raw_data(), out.size() * sizeof(T));
  return out;
}
}  // namespace

Tensor Tensor::from_vector(const std::vector<float>& v, const Shape& s, Device d) {
  return from_host(v, s, d);
}
Tensor Tensor::from_vector(const std::vector<int32_t>& v, const Shape& s, Device d) {
  return from_host(v, s, d);
}
Tensor Tensor::from_vector(const std::vector<uint8_t>& v, const Shape& s, Device d) {
  return from_host(v, s, d);
}

Tensor Tensor::scalar(float value, Device device) {
  return full(Shape{}, value, device);
}

Tensor Tensor::randn(const Shape& shape, Device device, float mean, float stddev, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  Tensor t = empty(shape, DType::kFloat32, device);
  const uint64_t offset = g.reserve(t.numel());
  backend_for(device).random_normal(t.data<float>(), t.numel(), g.seed(), offset, mean, stddev);
  return t;
}

Tensor Tensor::rand(const Shape& shape, Device device, float lo, float hi, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  Tensor t = empty(shape, DType::kFloat32, device);
  const uint64_t offset = g.reserve(t.numel());
  backend_for(device).random_uniform(t.data<float>(), t.numel(), g.seed(), offset, lo, hi);
  return t;
}

// ---- properties ---------------------------------------------------------------------------

void Tensor::check_defined() const {
  HG_CHECK(impl_ != nullptr, "operation on an undefined (default-constructed) Tensor");
}

const Shape& Tensor::shape() const {
  check_defined();
  return impl_->shape;
}

DType Tensor::dtype() const {
  check_defined();
  return impl_->dtype;
}

Device Tensor::device() const {
  check_defined();
  return impl_->storage->device;
}

void* Tensor::raw_data() const {
  check_defined();
  return static_cast<char*>(impl_->storage->data) + impl_->byte_offset;
}

template <class T>
T* Tensor::data() const {
  HG_CHECK(dtype() == dtype_of<T>(), "tensor holds ", dtype_name(dtype()), ", not ",
           dtype_name(dtype_of<T>()));
  return static_cast<T*>(raw_data());
}
template float* Tensor::data<float>() const;
template int32_t* Tensor::data<int32_t>() const;
template uint8_t* Tensor::data<uint8_t>() const;

bool Tensor::same_storage(const Tensor& other) const {
  return defined() && other.defined() && impl_->storage == other.impl_->storage;
}

// ---- host access and moves ----------------------------------------------------------------

std::vector<float> Tensor::to_vector() const {
  return to_host<float>(*this);
}
std::vector<int32_t> Tensor::to_vector_i32() const {
  return to_host<int32_t>(*this);
}
std::vector<uint8_t> Tensor::to_vector_u8() const {
  return to_host<uint8_t>(*this);
}

float Tensor::item() const {
  HG_CHECK(numel() == 1, "item() needs a one-element tensor, got shape ", shape());
  return to_vector()[0];
}

namespace {
// Copies bytes between any two devices, staging through the host when they differ.
void copy_bytes(const Tensor& dst, const Tensor& src) {
  const size_t bytes = src.nbytes();
  if (bytes == 0) return;
  if (dst.device() == src.device()) {
    backend_for(src.device()).copy(dst.raw_data(), src.raw_data(), bytes);
  } else if (src.device().is_cpu()) {
    backend_for(dst.device()).copy_from_host(dst.raw_data(), src.raw_data(), bytes);
  } else if (dst.device().is_cpu()) {
    backend_for(src.device()).copy_to_host(dst.raw_data(), src.raw_data(), bytes);
  } else {
    std::vector<char> staging(bytes);
    backend_for(src.device()).copy_to_host(staging.data(), src.raw_data(), bytes);
    backend_for(dst.device()).copy_from_host(dst.raw_data(), staging.data(), bytes);
  }
}
}  // namespace

Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  Tensor out = empty(shape(), dtype(), device);
  copy_bytes(out, *this);
  if (autograd::should_record({*this})) {
    const Device source = this->device();
    autograd::record("to", {*this}, out,
                     [source](const Tensor& g) { return std::vector<Tensor>{g.to(source)}; });
  }
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype(), device());
  copy_bytes(out, *this);
  if (autograd::should_record({*this}))
    autograd::record("clone", {*this}, out, [](const Tensor& g) { return std::vector<Tensor>{g}; });
  return out;
}

Tensor Tensor::detach() const {
  check_defined();
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->byte_offset = impl_->byte_offset;
  impl->shape = impl_->shape;
  impl->dtype = impl_->dtype;
  return Tensor(std::move(impl));
}

void Tensor::copy_(const Tensor& src) {
  HG_CHECK(src.shape() == shape() && src.dtype() == dtype(), "copy_: source ", src.shape(), " ",
           dtype_name(src.dtype()), " does not match destination ", shape(), " ",
           dtype_name(dtype()));
  copy_bytes(*this, src);
}

void Tensor::fill_(float value) {
  backend_for(device()).fill(data<float>(), value, numel());
}

// ---- views --------------------------------------------------------------------------------

Tensor Tensor::reshape(const std::vector<int64_t>& requested) const {
  check_defined();
  // Resolve a single -1 from the remaining dimensions.
  std::vector<int64_t> dims = requested;
  int inferred = -1;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == -1) {
      HG_CHECK(inferred < 0, "reshape: only one dimension may be -1");
      inferred = static_cast<int>(d);
    } else {
      HG_CHECK(dims[d] >= 0, "reshape: invalid dimension ", dims[d]);
    }
  }
  if (inferred >= 0) {
    int64_t known = 1;  // checked multiply: signed overflow is undefined behaviour
    for (size_t d = 0; d < dims.size(); ++d)
      HG_CHECK(static_cast<int>(d) == inferred || !__builtin_mul_overflow(known, dims[d], &known),
               "cannot reshape ", shape(),
               " with a -1 dimension: the other dimensions multiply "
               "past what an int64 can count");
    HG_CHECK(known > 0 && numel() % known == 0, "cannot reshape ", shape(), " (", numel(),
             " elements) with a -1 dimension beside ", known, " known elements");
    dims[inferred] = numel() / known;
  }
  Shape target(dims);
  HG_CHECK(target.numel() == numel(), "cannot reshape ", shape(), " (", numel(), " elements) to ",
           target, " (", target.numel(), " elements)");
  auto impl = std::make_shared<TensorImpl>(*impl_);
  impl->shape = target;
  impl->grad.reset();
  impl->requires_grad = false;
  impl->tape_generation = 0;
  Tensor out(std::move(impl));
  if (autograd::should_record({*this})) {
    const Shape original = shape();
    autograd::record("reshape", {*this}, out, [original](const Tensor& g) {
      return std::vector<Tensor>{g.reshape(original.dims())};
    });
  }
  return out;
}

Tensor Tensor::slice_rows(int64_t begin, int64_t end) const {
  HG_CHECK(rank() >= 1, "slice_rows needs a tensor of rank >= 1, got shape ", shape());
  HG_CHECK(0 <= begin && begin <= end && end <= dim(0), "slice_rows: rows [", begin, ", ", end,
           ") out of range for shape ", shape());
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->dtype = impl_->dtype;
  impl->shape = shape();
  impl->shape.at(0) = end - begin;
  const int64_t row_elements = dim(0) == 0 ? 0 : numel() / dim(0);
  impl->byte_offset =
      impl_->byte_offset + static_cast<size_t>(begin * row_elements) * dtype_size(dtype());
  return Tensor(std::move(impl));
}

// ---- autograd -----------------------------------------------------------------------------

bool Tensor::requires_grad() const {
  return defined() && impl_->requires_grad;
}

Tensor& Tensor::set_requires_grad(bool value) {
  check_defined();
  HG_CHECK(is_leaf(), "set_requires_grad applies to leaf tensors, not to results of ops");
  HG_CHECK(!value || dtype() == DType::kFloat32, "only float32 tensors can require grad, not ",
           dtype_name(dtype()));
  impl_->requires_grad = value;
  return *this;
}

bool Tensor::is_leaf() const {
  return defined() && impl_->tape_generation == 0;
}

Tensor Tensor::grad() const {
  check_defined();
  return impl_->grad ? Tensor(impl_->grad) : Tensor();
}

void Tensor::zero_grad() {
  check_defined();
  impl_->grad.reset();
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) {
  if (!t.defined()) return out << "Tensor(undefined)";
  return out << "Tensor" << t.shape() << ' ' << dtype_name(t.dtype()) << ' ' << t.device().str();
}

}  // namespace hg
