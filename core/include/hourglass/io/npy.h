// NPY: NumPy's array file. A magic "\x93NUMPY", a version (1.0, 2.0 or 3.0), a header length, and
// a Python-dict header {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), } padded
// with spaces to a multiple of 64 bytes, then the raw elements.
//
// Supported: float32 ('<f4'), int32 ('<i4') and uint8 ('|u1' or '<u1'), little-endian, C order.
// Anything else (big-endian, Fortran order, other dtypes, object arrays, a malformed header, a
// payload shorter or longer than the shape says) is an hg::Error naming the file and what was
// found. Files are written as version 1.0 (2.0 when the header needs it), atomically.
#pragma once

#include <string>

#include "hourglass/core/tensor.h"

namespace hg::io {

// A CPU tensor of the file's dtype and shape (a 0-d array becomes shape []).
Tensor read_npy(const std::string& path);
Tensor decode_npy(const std::string& bytes, const std::string& name);

// Any device; float32, int32 or uint8.
void write_npy(const std::string& path, const Tensor& tensor);
std::string encode_npy(const Tensor& tensor);

}  // namespace hg::io
