// Properties of the CUDA backend that the op tests do not see: the caching allocator's reuse,
// device discovery, Philox draws bit-identical to the CPU twin, bitwise-reproducible reduce_sum
// on every branch of its partition, and kernel paths chosen by size or alignment (float4 vs
// scalar, warp vs block rows, split reductions, strided gemm, overlapping copies), each checked
// against the CPU backend. Skips when the build has no usable cuda device.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "hourglass/core/device.h"
#include "hourglass/kernels/backend.h"
#include "hourglass/kernels/cpu_backend.h"
#include "support/devices.h"

namespace hg {
namespace {

using kernels::Backend;

std::vector<float> ramp(size_t n, float scale) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = scale * static_cast<float>(static_cast<int64_t>((i * 7919) % 2003) - 1001) / 1001.0f;
  return v;
}

class CudaBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HG_REQUIRE_DEVICE(::hg::Device::cuda(0));
    gpu_ = &backend_for(Device::cuda(0));
  }
  void TearDown() override {
    for (auto& [ptr, bytes] : owned_)
      gpu_->deallocate(ptr, bytes);
  }

  float* upload(const std::vector<float>& host) {
    auto* p = static_cast<float*>(alloc(host.size() * sizeof(float)));
    gpu_->copy_from_host(p, host.data(), host.size() * sizeof(float));
    return p;
  }
  void* alloc(size_t bytes) {
    void* p = gpu_->allocate(bytes);
    owned_.emplace_back(p, bytes);
    return p;
  }
  std::vector<float> download(const float* p, size_t n) {
    std::vector<float> host(n);
    gpu_->copy_to_host(host.data(), p, n * sizeof(float));
    return host;
  }

  Backend& cpu() { return kernels::cpu_backend(); }
  Backend& gpu() { return *gpu_; }

 private:
  Backend* gpu_ = nullptr;
  std::vector<std::pair<void*, size_t>> owned_;
};

void expect_close(const std::vector<float>& expected, const std::vector<float>& actual, float rel,
                  const char* what) {
  ASSERT_EQ(expected.size(), actual.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i)
    ASSERT_NEAR(expected[i], actual[i], rel * (1.0f + std::fabs(expected[i])))
        << what << " at " << i;
}

bool bitwise_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST_F(CudaBackendTest, DeviceCountAgreesWithAvailability) {
  EXPECT_GE(cuda_device_count(), 1);
  EXPECT_EQ(gpu().name(), "cuda:0");
}

TEST_F(CudaBackendTest, FreedBlocksAreReusedBySizeClass) {
  // 1000 and 1100 bytes round to different 512-byte classes; 1000 and 1024 to the same one.
  void* a = gpu().allocate(1000);
  gpu().deallocate(a, 1000);
  void* b = gpu().allocate(1024);
  EXPECT_EQ(a, b) << "a freed block of the same size class is handed out again";
  void* c = gpu().allocate(1100);
  EXPECT_NE(b, c);
  gpu().deallocate(b, 1024);
  gpu().deallocate(c, 1100);
  // A zero-byte request still yields a distinct, freeable block.
  void* z = gpu().allocate(0);
  EXPECT_NE(z, nullptr);
  gpu().deallocate(z, 0);
}

TEST_F(CudaBackendTest, HostCopiesRoundTripAcrossStagingChunks) {
  // Larger than the 8 MiB staging buffer, so the copy runs in several chunks.
  const size_t n = (9u << 20) / sizeof(float) + 3;
  std::vector<float> host(n);
  for (size_t i = 0; i < n; ++i)
    host[i] = static_cast<float>(i);
  float* d = upload(host);
  EXPECT_TRUE(bitwise_equal(host, download(d, n)));
}

TEST_F(CudaBackendTest, OverlappingDeviceCopyBehavesLikeMemmove) {
  std::vector<float> host = ramp(1000, 1.0f);
  float* d = upload(host);
  gpu().copy(d + 10, d, 900 * sizeof(float));
  std::vector<float> expected = host;
  std::memmove(expected.data() + 10, host.data(), 900 * sizeof(float));
  EXPECT_TRUE(bitwise_equal(expected, download(d, 1000)));
}

TEST_F(CudaBackendTest, PhiloxDrawsEqualTheCpuBitForBit) {
  const int64_t n = 1003;  // not a multiple of 4: the last counter is used partially
  for (uint64_t offset : {uint64_t{0}, uint64_t{12345}}) {
    std::vector<float> cpu_u(n), cpu_z(n);
    cpu().random_uniform(cpu_u.data(), n, 42, offset, -0.3f, 1.7f);
    cpu().random_normal(cpu_z.data(), n, 42, offset, 0.25f, 3.5f);
    auto* u = static_cast<float*>(alloc(n * sizeof(float)));
    auto* z = static_cast<float*>(alloc(n * sizeof(float)));
    gpu().random_uniform(u, n, 42, offset, -0.3f, 1.7f);
    gpu().random_normal(z, n, 42, offset, 0.25f, 3.5f);
    EXPECT_TRUE(bitwise_equal(cpu_u, download(u, n))) << "uniform, offset " << offset;
    EXPECT_TRUE(bitwise_equal(cpu_z, download(z, n))) << "normal, offset " << offset;
  }
}

struct ReduceShape {
  int64_t outer, axis, inner;
  const char* branch;
};

TEST_F(CudaBackendTest, ReduceSumIsReproducibleAndMatchesCpuOnEveryBranch) {
  const ReduceShape shapes[] = {
      {1000, 7, 1, "short rows: thread per row"},
      {100, 50, 1, "rows: one warp per row"},
      {4, 3000, 1, "rows: 256 threads per row"},
      {2, 70000, 1, "few long rows: split into parts, two passes"},
      {3, 500, 7, "columns: axis split, two passes"},
      {1, 3, 70000, "columns: thread per output"},
      {2, 0, 3, "empty axis: zeros"},
  };
  for (const ReduceShape& s : shapes) {
    const size_t n = static_cast<size_t>(s.outer * s.axis * s.inner);
    const size_t outputs = static_cast<size_t>(s.outer * s.inner);
    const std::vector<float> x = ramp(n, 2.0f);
    std::vector<float> expected(outputs);
    cpu().reduce_sum(x.data(), expected.data(), s.outer, s.axis, s.inner);
    const float* dx = upload(x.empty() ? std::vector<float>{0.0f} : x);
    auto* dy = static_cast<float*>(alloc(outputs * sizeof(float)));
    gpu().reduce_sum(dx, dy, s.outer, s.axis, s.inner);
    const std::vector<float> first = download(dy, outputs);
    gpu().fill(dy, -1.0f, static_cast<int64_t>(outputs));
    gpu().reduce_sum(dx, dy, s.outer, s.axis, s.inner);
    EXPECT_TRUE(bitwise_equal(first, download(dy, outputs))) << s.branch;
    expect_close(expected, first, 1e-5f, s.branch);
  }
}

TEST_F(CudaBackendTest, VectorAndScalarPathsAgreeWithCpu) {
  // 4099 elements: float4 body plus a 3-element tail when aligned; starting one float into the
  // buffer makes every pointer misaligned, which forces the scalar path.
  const int64_t n = 4099;
  const std::vector<float> x = ramp(n + 1, 3.0f), g = ramp(n + 1, 0.5f);
  for (int64_t shift : {0, 1}) {
    float* dx = upload(x) + shift;
    float* dg = upload(g) + shift;
    auto* dy = static_cast<float*>(alloc((n + 1) * sizeof(float))) + shift;
    std::vector<float> expected(n);
    cpu().unary(kernels::UnaryOp::kSigmoid, 0.0f, x.data() + shift, expected.data(), n);
    gpu().unary(kernels::UnaryOp::kSigmoid, 0.0f, dx, dy, n);
    expect_close(expected, download(dy, n), 1e-6f, "sigmoid");

    // Adam over w (=x), g, m, v, all updated in place: a one-tensor multi-tensor step (its table
    // in host memory for the CPU, device memory for CUDA) at update count 2, so step 3.
    std::vector<float> w(x.begin() + shift, x.begin() + shift + n), m(n, 0.1f), v(n, 0.2f);
    kernels::AdamParams p;
    p.weight_decay = 0.01f;
    float* dm = upload(m);
    float* dv = upload(v);
    float* dw = upload(w);
    struct OneTensorTable {
      kernels::MultiTensorHeader header;
      kernels::MultiTensorEntry entry;
    };
    auto table_of = [&](float* tw, const float* tg, float* tm, float* tv) {
      OneTensorTable t;
      t.header.lr = p.lr;
      t.entry.w = tw, t.entry.g = tg, t.entry.state0 = tm, t.entry.state1 = tv;
      t.entry.n = n, t.entry.step = 2;
      return t;
    };
    OneTensorTable cpu_table = table_of(w.data(), g.data() + shift, m.data(), v.data());
    const OneTensorTable gpu_host = table_of(dw, dg, dm, dv);
    void* gpu_table = alloc(sizeof(OneTensorTable));
    gpu().copy_from_host(gpu_table, &gpu_host, sizeof(OneTensorTable));
    const int64_t chunks = kernels::multi_tensor_chunks(n);
    cpu().adam_multi_step(kernels::MultiTensorTable{&cpu_table, 1, chunks, n}, p);
    gpu().adam_multi_step(kernels::MultiTensorTable{gpu_table, 1, chunks, n}, p);
    OneTensorTable gpu_after;
    gpu().copy_to_host(&gpu_after, gpu_table, sizeof(OneTensorTable));
    EXPECT_EQ(cpu_table.entry.step, 3);
    EXPECT_EQ(gpu_after.entry.step, 3);
    expect_close(w, download(dw, n), 1e-6f, "adam w");
    expect_close(m, download(dm, n), 1e-6f, "adam m");
    expect_close(v, download(dv, n), 1e-6f, "adam v");
  }
}

TEST_F(CudaBackendTest, GemmWithTransposesAndPaddedRowsMatchesCpu) {
  const int64_t m = 37, n = 29, k = 53, pad = 5;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      // Stored shapes: A is [m, k] or [k, m], B is [k, n] or [n, k]; each row padded by `pad`.
      const int64_t a_rows = ta ? k : m, a_cols = ta ? m : k;
      const int64_t b_rows = tb ? n : k, b_cols = tb ? k : n;
      const int64_t lda = a_cols + pad, ldb = b_cols + pad, ldc = n + pad;
      const std::vector<float> a = ramp(a_rows * lda, 1.0f), b = ramp(b_rows * ldb, 0.7f);
      std::vector<float> c = ramp(m * ldc, 0.3f);
      const std::vector<float> c0 = c;
      cpu().gemm(ta, tb, m, n, k, 0.8f, a.data(), lda, b.data(), ldb, 0.5f, c.data(), ldc);
      float* dc = upload(c0);
      gpu().gemm(ta, tb, m, n, k, 0.8f, upload(a), lda, upload(b), ldb, 0.5f, dc, ldc);
      expect_close(c, download(dc, c.size()), 1e-4f, ta ? (tb ? "TT" : "TN") : (tb ? "NT" : "NN"));
    }
}

TEST_F(CudaBackendTest, SoftmaxCrossEntropyWideRowsMatchCpu) {
  // 1500 classes take the 256-thread-per-row kernels.
  const int64_t rows = 3, classes = 1500;
  const std::vector<float> logits = ramp(rows * classes, 8.0f);
  const std::vector<int32_t> labels = {0, 777, 1499};
  std::vector<float> loss(rows), grad(rows * classes);
  const float dloss = 0.75f;
  cpu().softmax_cross_entropy(logits.data(), labels.data(), loss.data(), rows, classes);
  cpu().softmax_cross_entropy_backward(logits.data(), labels.data(), &dloss, 0.5f, grad.data(),
                                       rows, classes);
  float* dlogits = upload(logits);
  auto* dlabels = static_cast<int32_t*>(alloc(rows * sizeof(int32_t)));
  gpu().copy_from_host(dlabels, labels.data(), rows * sizeof(int32_t));
  float* ddloss = upload({dloss});
  auto* dl = static_cast<float*>(alloc(rows * sizeof(float)));
  auto* dg = static_cast<float*>(alloc(rows * classes * sizeof(float)));
  gpu().softmax_cross_entropy(dlogits, dlabels, dl, rows, classes);
  gpu().softmax_cross_entropy_backward(dlogits, dlabels, ddloss, 0.5f, dg, rows, classes);
  expect_close(loss, download(dl, rows), 1e-5f, "loss");
  expect_close(grad, download(dg, rows * classes), 1e-5f, "gradient");
}

// write_bytes sends the bytes as kernel arguments in 2 KiB pieces: every size around the piece
// boundary lands exactly, at an odd destination offset, and leaves the bytes around it alone.
TEST_F(CudaBackendTest, WriteBytesLandsExactlyAroundItsPieceSize) {
  for (size_t n :
       {size_t{0}, size_t{1}, size_t{63}, size_t{2047}, size_t{2048}, size_t{2049}, size_t{5000}}) {
    std::vector<unsigned char> host(n), expected(n + 2, 0xAB);
    for (size_t i = 0; i < n; ++i)
      host[i] = expected[i + 1] = static_cast<unsigned char>(i * 131 + 7);
    auto* dst = static_cast<unsigned char*>(alloc(n + 2));
    gpu().fill_u8(dst, 0xAB, static_cast<int64_t>(n + 2));
    gpu().write_bytes(dst + 1, host.data(), n);
    std::vector<unsigned char> back(n + 2);
    gpu().copy_to_host(back.data(), dst, n + 2);
    EXPECT_EQ(back, expected) << n << " bytes";
  }
}

}  // namespace
}  // namespace hg
