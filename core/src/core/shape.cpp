// Shape construction, checked indexing and printing.
#include "hourglass/core/shape.h"

#include <ostream>
#include <sstream>

#include "hourglass/core/error.h"

namespace hg {

namespace {
void check_dims(const int64_t* dims, size_t rank) {
  HG_CHECK(rank <= static_cast<size_t>(kMaxRank), "a shape has at most ", kMaxRank,
           " dimensions, got ", rank);
  for (size_t d = 0; d < rank; ++d)
    HG_CHECK(dims[d] >= 0, "shape dimensions must be >= 0, got ", dims[d], " at dimension ", d);
}
}  // namespace

Shape::Shape(std::initializer_list<int64_t> dims) {
  check_dims(dims.begin(), dims.size());
  rank_ = static_cast<int>(dims.size());
  int d = 0;
  for (int64_t v : dims)
    dims_[d++] = v;
}

Shape::Shape(const std::vector<int64_t>& dims) {
  check_dims(dims.data(), dims.size());
  rank_ = static_cast<int>(dims.size());
  for (int d = 0; d < rank_; ++d)
    dims_[d] = dims[d];
}

int64_t Shape::numel() const {
  // Checked: signed overflow is undefined behaviour. A zero dimension makes the count 0 however
  // large the others are, so it is looked for first.
  for (int d = 0; d < rank_; ++d)
    if (dims_[d] == 0) return 0;
  int64_t n = 1;
  for (int d = 0; d < rank_; ++d)
    HG_CHECK(!__builtin_mul_overflow(n, dims_[d], &n), "shape ", str(),
             " has more elements than an int64 can count");
  return n;
}

int Shape::normalize_axis(int axis) const {
  const int normalized = axis < 0 ? axis + rank_ : axis;
  HG_CHECK(normalized >= 0 && normalized < rank_, "axis ", axis, " is out of range for shape ",
           str());
  return normalized;
}

int64_t Shape::operator[](int d) const {
  return dims_[normalize_axis(d)];
}

int64_t& Shape::at(int d) {
  return dims_[normalize_axis(d)];
}

bool Shape::operator==(const Shape& other) const {
  if (rank_ != other.rank_) return false;
  for (int d = 0; d < rank_; ++d)
    if (dims_[d] != other.dims_[d]) return false;
  return true;
}

std::string Shape::str() const {
  std::ostringstream out;
  out << '[';
  for (int d = 0; d < rank_; ++d)
    out << (d ? ", " : "") << dims_[d];
  out << ']';
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Shape& shape) {
  return out << shape.str();
}

}  // namespace hg
