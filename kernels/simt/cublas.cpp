// cublas.cpp: emulated cuBLAS handles and SGEMM. Arguments are validated in the reference-BLAS
// order cuBLAS follows (operations, sizes, then leading dimensions), the matrices must be device
// allocations large enough for the described shapes, and the product is accumulated in double.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cublas.h"
#include "device_memory.h"
#include "errors.h"
#include "runtime_internal.h"

struct cublasContext {
  cudaStream_t stream = nullptr;
  cublasPointerMode_t pointer_mode = CUBLAS_POINTER_MODE_HOST;
  cublasMath_t math_mode = CUBLAS_DEFAULT_MATH;
};

namespace hg::simt::detail {
namespace {

struct Handles {
  std::mutex mutex;
  std::set<cublasHandle_t> live;
};

Handles& handles() {
  static Handles h;
  return h;
}

bool is_live(cublasHandle_t handle) {
  Handles& h = handles();
  std::lock_guard<std::mutex> lock(h.mutex);
  return h.live.count(handle) != 0;
}

cublasStatus_t not_initialized(const char* api, cublasHandle_t handle) {
  return fail(CUBLAS_STATUS_NOT_INITIALIZED,
              format("%s: handle %p is not a live handle from cublasCreate", api, (void*)handle));
}

bool valid_op(cublasOperation_t op) { return op == CUBLAS_OP_N || op == CUBLAS_OP_T || op == CUBLAS_OP_C; }

const char* op_name(cublasOperation_t op) {
  return op == CUBLAS_OP_N ? "CUBLAS_OP_N" : op == CUBLAS_OP_T ? "CUBLAS_OP_T" : "CUBLAS_OP_C";
}

int max1(int v) { return v > 1 ? v : 1; }

// Checks that a matrix stored with `rows` x `cols` (column-major, leading dimension ld) in each of
// `batch` slices `stride` elements apart lies inside one device allocation.
bool check_matrix(const char* api, const char* name, const float* p, int rows, int cols, int ld, long long stride,
                  int batch, std::string* why) {
  if (rows == 0 || cols == 0 || batch == 0) return true;
  const long long extent = static_cast<long long>(ld) * (cols - 1) + rows;  // elements of one slice
  const long long lo = stride < 0 ? stride * (batch - 1) : 0;
  const long long hi = (stride > 0 ? stride * (batch - 1) : 0) + extent;
  const std::string what = format("%s: matrix %s (%d x %d, ld %d%s)", api, name, rows, cols, ld,
                                  batch > 1 ? format(", %d batches, stride %lld", batch, stride).c_str() : "");
  return check_device_range(p + lo, static_cast<std::size_t>(hi - lo) * sizeof(float), what.c_str(), why);
}

// Reads a scalar (alpha, beta) according to the pointer mode.
bool read_scalar(const char* api, const char* name, const float* p, cublasPointerMode_t mode, float* out,
                 std::string* why) {
  if (p == nullptr) {
    *why = format("%s: %s is a null pointer", api, name);
    return false;
  }
  const bool device = is_device_pointer(p);
  if (mode == CUBLAS_POINTER_MODE_HOST && device) {
    *why = format("%s: %s points to device memory but the handle's pointer mode is CUBLAS_POINTER_MODE_HOST", api,
                  name);
    return false;
  }
  if (mode == CUBLAS_POINTER_MODE_DEVICE && !device) {
    *why = format("%s: %s is not device memory but the handle's pointer mode is CUBLAS_POINTER_MODE_DEVICE", api,
                  name);
    return false;
  }
  *out = *p;
  return true;
}

// C = alpha * op(A) * op(B) + beta * C for one slice, accumulated in double. When beta is 0, C
// is not read (it may hold NaN), as in cuBLAS.
void gemm_slice(cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, float alpha, const float* A,
                int lda, const float* B, int ldb, float beta, float* C, int ldc, std::vector<double>& acc) {
  acc.assign(static_cast<std::size_t>(m), 0.0);
  for (int j = 0; j < n; ++j) {
    std::fill(acc.begin(), acc.end(), 0.0);
    if (alpha != 0.0f) {
      for (int l = 0; l < k; ++l) {
        const double b = tb == CUBLAS_OP_N ? B[l + static_cast<long long>(j) * ldb]
                                           : B[j + static_cast<long long>(l) * ldb];
        if (ta == CUBLAS_OP_N) {
          const float* a = A + static_cast<long long>(l) * lda;
          for (int i = 0; i < m; ++i) acc[i] += static_cast<double>(a[i]) * b;
        } else {
          for (int i = 0; i < m; ++i) acc[i] += static_cast<double>(A[l + static_cast<long long>(i) * lda]) * b;
        }
      }
    }
    float* c = C + static_cast<long long>(j) * ldc;
    for (int i = 0; i < m; ++i) {
      const double scaled = static_cast<double>(alpha) * acc[i];
      c[i] = static_cast<float>(beta == 0.0f ? scaled : scaled + static_cast<double>(beta) * c[i]);
    }
  }
}

cublasStatus_t gemm(const char* api, cublasHandle_t handle, cublasOperation_t ta, cublasOperation_t tb, int m,
                    int n, int k, const float* alpha, const float* A, int lda, long long strideA, const float* B,
                    int ldb, long long strideB, const float* beta, float* C, int ldc, long long strideC,
                    int batch) {
  if (!is_live(handle)) return not_initialized(api, handle);
  const int a_rows = ta == CUBLAS_OP_N ? m : k;
  const int a_cols = ta == CUBLAS_OP_N ? k : m;
  const int b_rows = tb == CUBLAS_OP_N ? k : n;
  const int b_cols = tb == CUBLAS_OP_N ? n : k;
  if (!valid_op(ta)) return fail(CUBLAS_STATUS_INVALID_VALUE, format("%s: transa %d is not an operation", api, static_cast<int>(ta)));
  if (!valid_op(tb)) return fail(CUBLAS_STATUS_INVALID_VALUE, format("%s: transb %d is not an operation", api, static_cast<int>(tb)));
  if (m < 0 || n < 0 || k < 0)
    return fail(CUBLAS_STATUS_INVALID_VALUE, format("%s: negative size m=%d n=%d k=%d", api, m, n, k));
  if (lda < max1(a_rows))
    return fail(CUBLAS_STATUS_INVALID_VALUE,
                format("%s: lda=%d < max(1, %s=%d): with transa=%s, A is stored as %d x %d (column-major)", api, lda,
                       ta == CUBLAS_OP_N ? "m" : "k", a_rows, op_name(ta), a_rows, a_cols));
  if (ldb < max1(b_rows))
    return fail(CUBLAS_STATUS_INVALID_VALUE,
                format("%s: ldb=%d < max(1, %s=%d): with transb=%s, B is stored as %d x %d (column-major)", api, ldb,
                       tb == CUBLAS_OP_N ? "k" : "n", b_rows, op_name(tb), b_rows, b_cols));
  if (ldc < max1(m))
    return fail(CUBLAS_STATUS_INVALID_VALUE,
                format("%s: ldc=%d < max(1, m=%d): C is stored as %d x %d (column-major)", api, ldc, m, m, n));
  if (batch < 0) return fail(CUBLAS_STATUS_INVALID_VALUE, format("%s: batchCount=%d < 0", api, batch));
  if (m == 0 || n == 0 || batch == 0) return CUBLAS_STATUS_SUCCESS;

  const cublasPointerMode_t mode = handle->pointer_mode;
  float a = 0.0f;
  float b = 0.0f;
  std::string why;
  if (!read_scalar(api, "alpha", alpha, mode, &a, &why) || !read_scalar(api, "beta", beta, mode, &b, &why))
    return fail(CUBLAS_STATUS_INVALID_VALUE, why);
  if (b == 1.0f && (a == 0.0f || k == 0)) return CUBLAS_STATUS_SUCCESS;  // C unchanged, nothing is read
  const bool reads_ab = a != 0.0f && k > 0;
  if ((reads_ab && (!check_matrix(api, "A", A, a_rows, a_cols, lda, strideA, batch, &why) ||
                    !check_matrix(api, "B", B, b_rows, b_cols, ldb, strideB, batch, &why))) ||
      !check_matrix(api, "C", C, m, n, ldc, strideC, batch, &why))
    return fail(CUBLAS_STATUS_EXECUTION_FAILED, why);
  auto product = [=] {
    std::vector<double> acc;
    for (int i = 0; i < batch; ++i)
      gemm_slice(ta, tb, m, n, reads_ab ? k : 0, a, reads_ab ? A + strideA * i : A, lda,
                 reads_ab ? B + strideB * i : B, ldb, b, C + strideC * i, ldc, acc);
    return cudaSuccess;
  };
  // A capturing stream records the product (arguments checked now, scalars read now as with
  // CUBLAS_POINTER_MODE_HOST on a GPU); the graph computes it.
  if (record_if_capturing(handle->stream, recorded_call(product))) return CUBLAS_STATUS_SUCCESS;
  product();
  return CUBLAS_STATUS_SUCCESS;
}

}  // namespace

const char* cublas_status_text(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "success";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "the library was not initialized";
    case CUBLAS_STATUS_ALLOC_FAILED: return "the resource allocation failed";
    case CUBLAS_STATUS_INVALID_VALUE: return "an invalid numeric value was used as an argument";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "an absent device architectural feature is required";
    case CUBLAS_STATUS_MAPPING_ERROR: return "an access to GPU memory space failed";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "the GPU program failed to execute";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "an internal operation failed";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "the feature required is not supported";
    case CUBLAS_STATUS_LICENSE_ERROR: return "licensing error";
  }
  return "unknown error";
}

}  // namespace hg::simt::detail

using hg::simt::detail::fail;
using hg::simt::detail::format;

cublasStatus_t cublasCreate(cublasHandle_t* handle) {
  if (handle == nullptr) return fail(CUBLAS_STATUS_INVALID_VALUE, "cublasCreate: null handle");
  *handle = new cublasContext;
  hg::simt::detail::Handles& h = hg::simt::detail::handles();
  std::lock_guard<std::mutex> lock(h.mutex);
  h.live.insert(*handle);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy(cublasHandle_t handle) {
  hg::simt::detail::Handles& h = hg::simt::detail::handles();
  {
    std::lock_guard<std::mutex> lock(h.mutex);
    if (h.live.erase(handle) == 1) {
      delete handle;
      return CUBLAS_STATUS_SUCCESS;
    }
  }
  return hg::simt::detail::not_initialized("cublasDestroy", handle);
}

cublasStatus_t cublasSetStream(cublasHandle_t handle, cudaStream_t stream) {
  if (!hg::simt::detail::is_live(handle)) return hg::simt::detail::not_initialized("cublasSetStream", handle);
  if (!hg::simt::detail::is_valid_stream(stream))
    return fail(CUBLAS_STATUS_INVALID_VALUE, format("cublasSetStream: %p is not a live stream", (void*)stream));
  handle->stream = stream;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetStream(cublasHandle_t handle, cudaStream_t* stream) {
  if (!hg::simt::detail::is_live(handle)) return hg::simt::detail::not_initialized("cublasGetStream", handle);
  if (stream == nullptr) return fail(CUBLAS_STATUS_INVALID_VALUE, "cublasGetStream: null stream");
  *stream = handle->stream;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetPointerMode(cublasHandle_t handle, cublasPointerMode_t mode) {
  if (!hg::simt::detail::is_live(handle)) return hg::simt::detail::not_initialized("cublasSetPointerMode", handle);
  if (mode != CUBLAS_POINTER_MODE_HOST && mode != CUBLAS_POINTER_MODE_DEVICE)
    return fail(CUBLAS_STATUS_INVALID_VALUE, format("cublasSetPointerMode: mode %d", static_cast<int>(mode)));
  handle->pointer_mode = mode;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetPointerMode(cublasHandle_t handle, cublasPointerMode_t* mode) {
  if (!hg::simt::detail::is_live(handle)) return hg::simt::detail::not_initialized("cublasGetPointerMode", handle);
  if (mode == nullptr) return fail(CUBLAS_STATUS_INVALID_VALUE, "cublasGetPointerMode: null mode");
  *mode = handle->pointer_mode;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode) {
  if (!hg::simt::detail::is_live(handle)) return hg::simt::detail::not_initialized("cublasSetMathMode", handle);
  handle->math_mode = mode;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetMathMode(cublasHandle_t handle, cublasMath_t* mode) {
  if (!hg::simt::detail::is_live(handle)) return hg::simt::detail::not_initialized("cublasGetMathMode", handle);
  if (mode == nullptr) return fail(CUBLAS_STATUS_INVALID_VALUE, "cublasGetMathMode: null mode");
  *mode = handle->math_mode;
  return CUBLAS_STATUS_SUCCESS;
}

const char* cublasGetStatusName(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "CUBLAS_STATUS_UNKNOWN";
}

const char* cublasGetStatusString(cublasStatus_t status) {
  if (const char* detailed = hg::simt::detail::detailed_cublas_string(status)) return detailed;
  return hg::simt::detail::cublas_status_text(status);
}

cublasStatus_t cublasSgemm(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n,
                           int k, const float* alpha, const float* A, int lda, const float* B, int ldb,
                           const float* beta, float* C, int ldc) {
  return hg::simt::detail::gemm("cublasSgemm", handle, transa, transb, m, n, k, alpha, A, lda, 0, B, ldb, 0, beta, C,
                                ldc, 0, 1);
}

cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                         int m, int n, int k, const float* alpha, const float* A, int lda,
                                         long long int strideA, const float* B, int ldb, long long int strideB,
                                         const float* beta, float* C, int ldc, long long int strideC,
                                         int batchCount) {
  return hg::simt::detail::gemm("cublasSgemmStridedBatched", handle, transa, transb, m, n, k, alpha, A, lda, strideA,
                                B, ldb, strideB, beta, C, ldc, strideC, batchCount);
}
