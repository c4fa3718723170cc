// Internal to vmath (vector_math.h): the table of one instruction set's implementations. Each
// vector_math_<isa>.cpp fills one from the generic loops of vector_math_lanes.h; vector_math.cpp
// picks the table the running CPU supports and forwards every vmath call to it.
#pragma once

#include <cstdint>

namespace hg::kernels::cpu::vmath {

using Map1 = void (*)(const float* x, float* y, int64_t n);
using Map2 = void (*)(const float* a, const float* b, float* y, int64_t n);

// One field per vmath function, in vector_math.h's order and with its signature.
struct Table {
  Map1 exp, expm1, log, log1p, tanh, sigmoid, softplus;
  Map2 mul_sigmoid, bce_with_logits;
  void (*bce_with_logits_derivative)(const float* x, const float* t, float scale, float* dx,
                                     int64_t n);
  Map2 bce;
  void (*gaussian_kl_terms)(const float* mu, const float* logvar, double* terms, int64_t n);
  void (*gaussian_kl_dlogvar)(const float* logvar, float scale, float* dlogvar, int64_t n);
  void (*kl_bernoulli_terms)(double rho, const float* rho_hat, double* terms, int64_t n);
};

// nullptr where the instruction set is not compiled in (another architecture or compiler). They
// only return the address of a constant table: calling them runs no instruction of that set.
const Table* avx512_table();
const Table* avx2_table();
const Table* sse2_table();
const Table* scalar_table();  // always present

}  // namespace hg::kernels::cpu::vmath
