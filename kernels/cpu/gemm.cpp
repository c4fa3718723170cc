// CPU GEMM through CBLAS (OpenBLAS), row-major. The empty cases are handled here because BLAS
// rejects leading dimensions of 0 and k == 0 must still apply beta to C.
#include <cblas.h>

#include "blas_int.h"
#include "cpu_backend.h"

namespace hg::kernels::cpu {

void CpuBackend::gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                      const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                      float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    // C = beta * C; beta == 0 overwrites (C may be uninitialised), as BLAS does.
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, blas_int(m, "m"), blas_int(n, "n"),
              blas_int(k, "k"), alpha, a, blas_int(lda, "lda"), b, blas_int(ldb, "ldb"), beta, c,
              blas_int(ldc, "ldc"));
}

}  // namespace hg::kernels::cpu
