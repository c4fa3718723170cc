// Shape: the dimensions of a contiguous tensor, rank 0 (a scalar) up to kMaxRank.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "hourglass/kernels/broadcast.h"

namespace hg {

constexpr int kMaxRank = kernels::kMaxRank;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(const std::vector<int64_t>& dims);

  int rank() const { return rank_; }
  int64_t numel() const;
  // Dimension d; negative d counts from the end. Throws hg::Error when out of range.
  int64_t operator[](int d) const;
  int64_t& at(int d);  // mutable access, d in [0, rank)
  std::vector<int64_t> dims() const { return {dims_, dims_ + rank_}; }
  int normalize_axis(int axis) const;  // negative axes count from the end; checked

  bool operator==(const Shape& other) const;
  bool operator!=(const Shape& other) const { return !(*this == other); }
  std::string str() const;  // "[2, 3, 4]"

 private:
  int rank_ = 0;
  int64_t dims_[kMaxRank] = {};
};

std::ostream& operator<<(std::ostream& out, const Shape& shape);

}  // namespace hg
