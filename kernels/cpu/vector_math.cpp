// vmath's dispatch (vector_math.h): the instruction set is chosen once from cpu_features() and
// every call is forwarded to that set's table (vector_math_<isa>.cpp).
#include "vector_math.h"

#include <atomic>
#include <stdexcept>
#include <string>

#include "cpu_features.h"
#include "vector_math_isa.h"

namespace hg::kernels::cpu::vmath {

namespace {

// The table of `isa` if it is compiled in and this CPU runs it, else nullptr.
const Table* table_of(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return cpu_features().avx512f ? avx512_table() : nullptr;
    case Isa::kAvx2:
      return cpu_features().avx2_fma ? avx2_table() : nullptr;
    case Isa::kSse2:
      return sse2_table();
    case Isa::kScalar:
      return scalar_table();
  }
  return nullptr;
}

// The widest available set, from the fastest down.
Isa best_isa() {
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2, Isa::kSse2})
    if (table_of(isa)) return isa;
  return Isa::kScalar;
}

// The set in use, chosen at the first call (a function-local static, so also for calls made
// while other files' statics are initialized).
struct Active {
  std::atomic<Isa> isa;
  std::atomic<const Table*> table;
};
Active& active() {
  static Active a{best_isa(), table_of(best_isa())};
  return a;
}

const Table& table() {
  return *active().table.load(std::memory_order_relaxed);
}

}  // namespace

void exp(const float* x, float* y, int64_t n) {
  table().exp(x, y, n);
}
void expm1(const float* x, float* y, int64_t n) {
  table().expm1(x, y, n);
}
void log(const float* x, float* y, int64_t n) {
  table().log(x, y, n);
}
void log1p(const float* x, float* y, int64_t n) {
  table().log1p(x, y, n);
}
void tanh(const float* x, float* y, int64_t n) {
  table().tanh(x, y, n);
}
void sigmoid(const float* x, float* y, int64_t n) {
  table().sigmoid(x, y, n);
}
void softplus(const float* x, float* y, int64_t n) {
  table().softplus(x, y, n);
}
void mul_sigmoid(const float* a, const float* x, float* y, int64_t n) {
  table().mul_sigmoid(a, x, y, n);
}
void bce_with_logits(const float* x, const float* t, float* loss, int64_t n) {
  table().bce_with_logits(x, t, loss, n);
}
void bce_with_logits_derivative(const float* x, const float* t, float scale, float* dx, int64_t n) {
  table().bce_with_logits_derivative(x, t, scale, dx, n);
}
void bce(const float* p, const float* t, float* loss, int64_t n) {
  table().bce(p, t, loss, n);
}
void gaussian_kl_terms(const float* mu, const float* logvar, double* terms, int64_t n) {
  table().gaussian_kl_terms(mu, logvar, terms, n);
}
void gaussian_kl_dlogvar(const float* logvar, float scale, float* dlogvar, int64_t n) {
  table().gaussian_kl_dlogvar(logvar, scale, dlogvar, n);
}
void kl_bernoulli_terms(double rho, const float* rho_hat, double* terms, int64_t n) {
  table().kl_bernoulli_terms(rho, rho_hat, terms, n);
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return "avx512f";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kSse2:
      return "sse2";
    case Isa::kScalar:
      return "scalar";
  }
  return "unknown";
}

bool isa_available(Isa isa) {
  return table_of(isa) != nullptr;
}

Isa isa() {
  return active().isa.load();
}

void set_isa(Isa isa) {
  const Table* t = table_of(isa);
  if (!t)
    throw std::invalid_argument(std::string("vmath::set_isa: ") + isa_name(isa) +
                                " is not available on this CPU or in this build");
  active().isa.store(isa);
  active().table.store(t);
}

}  // namespace hg::kernels::cpu::vmath
