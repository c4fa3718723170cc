// Element types a Tensor can hold: float32 for computation, int32 for labels, uint8 for raw data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hg {

enum class DType : int { kFloat32, kInt32, kUInt8 };

size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);  // "float32", "int32", "uint8"

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() { return DType::kFloat32; }
template <>
constexpr DType dtype_of<int32_t>() { return DType::kInt32; }
template <>
constexpr DType dtype_of<uint8_t>() { return DType::kUInt8; }

}  // namespace hg
