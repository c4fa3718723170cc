// CUDA gemm through cuBLAS. The Backend contract is row-major; cuBLAS is column-major. A row-major
// matrix with row stride ld is, read column-major, its transpose with leading dimension ld. So
// row-major C = op(A) op(B) is computed as column-major C^T = op(B)^T op(A)^T: cublasSgemm with
// the operands swapped, dimensions (n, m, k), each operand keeping its own transpose flag, and the
// leading dimensions passed through unchanged.
#include "cuda_platform.cuh"

#include <limits>
#include <stdexcept>
#include <string>

#include "cuda_backend_impl.cuh"

namespace hg::kernels::cuda {

namespace {

int to_int(int64_t v, const char* what) {
  if (v < 0 || v > std::numeric_limits<int>::max())
    throw std::invalid_argument(std::string("gemm: ") + what + " = " + std::to_string(v) +
                                " does not fit cuBLAS's int arguments");
  return static_cast<int>(v);
}

}  // namespace

void CudaBackend::gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                       const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                       float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  activate();
  // With k == 0 cuBLAS only scales C by beta (zeroing it when beta == 0) and never reads A or B,
  // whose leading dimensions may then legitimately be 0; cuBLAS still insists on >= 1.
  if (k == 0) {
    lda = lda < 1 ? 1 : lda;
    ldb = ldb < 1 ? 1 : ldb;
  }
  hg::cuda::launch_counter().fetch_add(1, std::memory_order_relaxed);  // one library call
  HG_CUBLAS_CHECK(cublasSgemm(cublas_, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                              trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, to_int(n, "n"), to_int(m, "m"),
                              to_int(k, "k"), &alpha, b, to_int(ldb, "ldb"), a, to_int(lda, "lda"),
                              &beta, c, to_int(ldc, "ldc")));
}

}  // namespace hg::kernels::cuda
