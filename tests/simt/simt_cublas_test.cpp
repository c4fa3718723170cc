// simt_cublas_test.cpp: the emulated cuBLAS follows cuBLAS's column-major semantics for every
// transpose combination, validates leading dimensions like cuBLAS, and reports misuse.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "test_util.h"

namespace hg::simt_test {
namespace {

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "expected \"" << (part) << "\" in:\n" << (text)

class Cublas : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(cublasCreate(&handle_), CUBLAS_STATUS_SUCCESS); }
  void TearDown() override { EXPECT_EQ(cublasDestroy(handle_), CUBLAS_STATUS_SUCCESS); }
  cublasHandle_t handle_ = nullptr;
};

// Element (i, j) of op(X), X column-major with leading dimension ld.
float op_at(const std::vector<float>& X, cublasOperation_t op, int ld, int i, int j) {
  return op == CUBLAS_OP_N ? X[i + static_cast<std::size_t>(j) * ld] : X[j + static_cast<std::size_t>(i) * ld];
}

struct Case {
  cublasOperation_t ta, tb;
};

TEST_F(Cublas, SgemmMatchesReferenceForAllTransposeCombinations) {
  const int m = 37, n = 53, k = 29;
  const float alpha = 1.5f, beta = -0.5f;
  for (const Case c : {Case{CUBLAS_OP_N, CUBLAS_OP_N}, Case{CUBLAS_OP_T, CUBLAS_OP_N}, Case{CUBLAS_OP_N, CUBLAS_OP_T},
                       Case{CUBLAS_OP_T, CUBLAS_OP_T}}) {
    // Stored shapes, with padded leading dimensions.
    const int a_rows = c.ta == CUBLAS_OP_N ? m : k, a_cols = c.ta == CUBLAS_OP_N ? k : m;
    const int b_rows = c.tb == CUBLAS_OP_N ? k : n, b_cols = c.tb == CUBLAS_OP_N ? n : k;
    const int lda = a_rows + 3, ldb = b_rows + 1, ldc = m + 2;
    const std::vector<float> A = random_floats(static_cast<std::size_t>(lda) * a_cols, -1, 1, 10);
    const std::vector<float> B = random_floats(static_cast<std::size_t>(ldb) * b_cols, -1, 1, 11);
    const std::vector<float> C0 = random_floats(static_cast<std::size_t>(ldc) * n, -1, 1, 12);
    DeviceBuffer<float> dA(A), dB(B), dC(C0);
    ASSERT_EQ(cublasSgemm(handle_, c.ta, c.tb, m, n, k, &alpha, dA.get(), lda, dB.get(), ldb, &beta, dC.get(), ldc),
              CUBLAS_STATUS_SUCCESS);
    const std::vector<float> C = dC.download();
    double max_err = 0.0;
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < m; ++i) {
        double acc = 0.0;
        for (int l = 0; l < k; ++l) acc += static_cast<double>(op_at(A, c.ta, lda, i, l)) * op_at(B, c.tb, ldb, l, j);
        const double ref = alpha * acc + beta * static_cast<double>(C0[i + j * ldc]);
        max_err = std::max(max_err, std::fabs(C[i + j * ldc] - ref));
      }
      for (int i = m; i < ldc; ++i) ASSERT_EQ(C[i + j * ldc], C0[i + j * ldc]) << "padding rows are untouched";
    }
    EXPECT_LT(max_err, 1e-5) << "transa " << c.ta << " transb " << c.tb;
  }
}

TEST_F(Cublas, LeadingDimensionsAreValidatedLikeCublas) {
  const int m = 37, n = 53, k = 29;
  const float one = 1.0f, zero = 0.0f;
  DeviceBuffer<float> A(64 * 64), B(64 * 64), C(64 * 64);
  // transa = N: A is m x k, so lda >= m.
  EXPECT_EQ(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &one, A.get(), m - 1, B.get(), k, &zero, C.get(), m),
            CUBLAS_STATUS_INVALID_VALUE);
  EXPECT_CONTAINS(cublasGetStatusString(CUBLAS_STATUS_INVALID_VALUE), "lda=36 < max(1, m=37)");
  // transa = T: A is stored k x m, so lda = k is enough even though k < m.
  EXPECT_EQ(cublasSgemm(handle_, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one, A.get(), k, B.get(), k, &zero, C.get(), m),
            CUBLAS_STATUS_SUCCESS);
  EXPECT_EQ(cublasSgemm(handle_, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &one, A.get(), k - 1, B.get(), k, &zero, C.get(), m),
            CUBLAS_STATUS_INVALID_VALUE);
  // transb = N: B is k x n, ldb >= k; transb = T: B is n x k, ldb >= n.
  EXPECT_EQ(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &one, A.get(), m, B.get(), k - 1, &zero, C.get(), m),
            CUBLAS_STATUS_INVALID_VALUE);
  EXPECT_EQ(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_T, m, n, k, &one, A.get(), m, B.get(), k, &zero, C.get(), m),
            CUBLAS_STATUS_INVALID_VALUE);
  EXPECT_EQ(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &one, A.get(), m, B.get(), k, &zero, C.get(), m - 1),
            CUBLAS_STATUS_INVALID_VALUE);
  EXPECT_EQ(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, -1, n, k, &one, A.get(), m, B.get(), k, &zero, C.get(), m),
            CUBLAS_STATUS_INVALID_VALUE);
  EXPECT_EQ(cublasSgemm(handle_, CUBLAS_OP_CONJG, CUBLAS_OP_N, m, n, k, &one, A.get(), m, B.get(), k,
                        &zero, C.get(), m),
            CUBLAS_STATUS_INVALID_VALUE);
}

TEST_F(Cublas, MisuseOfMemoryIsReported) {
  const float one = 1.0f, zero = 0.0f;
  DeviceBuffer<float> A(16), B(16), C(16);
  std::vector<float> host(16);
  EXPECT_EQ(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, host.data(), 4, B.get(), 4, &zero, C.get(), 4),
            CUBLAS_STATUS_EXECUTION_FAILED);
  EXPECT_CONTAINS(cublasGetStatusString(CUBLAS_STATUS_EXECUTION_FAILED), "matrix A (4 x 4, ld 4)");
  EXPECT_CONTAINS(cublasGetStatusString(CUBLAS_STATUS_EXECUTION_FAILED), "is not device memory");
  // A 4 x 5 product does not fit in 16 floats.
  EXPECT_EQ(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, 4, 5, 4, &one, A.get(), 4, B.get(), 4, &zero, C.get(), 4),
            CUBLAS_STATUS_EXECUTION_FAILED);
  EXPECT_CONTAINS(hg::simt::last_error_message(), "overrun");
  // alpha in device memory with the default (host) pointer mode.
  EXPECT_EQ(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, A.get(), A.get(), 4, B.get(), 4, &zero, C.get(), 4),
            CUBLAS_STATUS_INVALID_VALUE);
  EXPECT_EQ(cublasSgemm(nullptr, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, A.get(), 4, B.get(), 4, &zero, C.get(), 4),
            CUBLAS_STATUS_NOT_INITIALIZED);
  try {
    HG_CUBLAS_CHECK(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, A.get(), 3, B.get(), 4, &zero,
                                C.get(), 4));
    ADD_FAILURE() << "HG_CUBLAS_CHECK did not throw";
  } catch (const hg::kernels::DeviceError& e) {
    EXPECT_CONTAINS(e.what(), "simt_cublas_test.cpp:");
    EXPECT_CONTAINS(e.what(), "CUBLAS_STATUS_INVALID_VALUE: an invalid numeric value was used as an argument");
    EXPECT_CONTAINS(e.what(), "lda=3");
  }
}

TEST_F(Cublas, BetaZeroIgnoresNaNInC) {
  const float one = 1.0f, zero = 0.0f;
  DeviceBuffer<float> A(std::vector<float>(4, 1.0f)), B(std::vector<float>(4, 2.0f)), C(4);  // C starts as NaN
  ASSERT_EQ(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &one, A.get(), 2, B.get(), 2, &zero, C.get(), 2),
            CUBLAS_STATUS_SUCCESS);
  EXPECT_EQ(C.download(), std::vector<float>(4, 4.0f));
}

TEST_F(Cublas, StridedBatchedMatchesSeparateCalls) {
  const int m = 5, n = 6, k = 7, batch = 3;
  const float alpha = 0.75f, beta = 0.0f;
  const long long sA = m * k + 2, sB = k * n, sC = m * n + 1;
  const std::vector<float> A = random_floats(sA * batch, -1, 1, 20), B = random_floats(sB * batch, -1, 1, 21);
  DeviceBuffer<float> dA(A), dB(B), dC(sC * batch), dRef(sC * batch);
  cudaStream_t s = nullptr;
  ASSERT_EQ(cudaStreamCreate(&s), cudaSuccess);
  ASSERT_EQ(cublasSetStream(handle_, s), CUBLAS_STATUS_SUCCESS);
  ASSERT_EQ(cublasSgemmStridedBatched(handle_, CUBLAS_OP_N, CUBLAS_OP_T, m, n, k, &alpha, dA.get(), m, sA, dB.get(), n,
                                      sB, &beta, dC.get(), m, sC, batch),
            CUBLAS_STATUS_SUCCESS);
  for (int b = 0; b < batch; ++b)
    ASSERT_EQ(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_T, m, n, k, &alpha, dA.get() + b * sA, m, dB.get() + b * sB,
                          n, &beta, dRef.get() + b * sC, m),
              CUBLAS_STATUS_SUCCESS);
  const std::vector<float> C = dC.download(), R = dRef.download();
  for (int b = 0; b < batch; ++b)
    for (int i = 0; i < m * n; ++i) EXPECT_EQ(C[b * sC + i], R[b * sC + i]);
  EXPECT_EQ(cublasSgemmStridedBatched(handle_, CUBLAS_OP_N, CUBLAS_OP_T, m, n, k, &alpha, dA.get(), m, sA, dB.get(), n,
                                      sB, &beta, dC.get(), m, sC, -1),
            CUBLAS_STATUS_INVALID_VALUE);
  ASSERT_EQ(cudaStreamDestroy(s), cudaSuccess);
}

}  // namespace
}  // namespace hg::simt_test
