// vmath: the CPU kernels' transcendental math on SIMD lanes, through SLEEF (libsleef 3.5).
//
// Every function maps arrays element by element: out[i] = f(in[i], ...) for 0 <= i < n. Outputs
// may be the same array as an input (in place) but must not overlap one partially. Each function
// computes the per-element formula of kernels/include/hourglass/kernels/common/*.h (named beside
// it), which stays the definition and what the CUDA twin computes, with SLEEF's 1.0-ulp (`_u10`)
// functions in place of libm's expf / logf / log1pf / tanhf / expm1f and of exp / log in double.
// The arithmetic around them is the formula's, operation for operation, with no fused
// multiply-add contraction, so a result differs from the libm-based scalar formula only by the
// libraries' differences (accuracy bounds: tests/ops/vector_math_test.cpp).
//
// Determinism: an element's result depends only on its own inputs, never on n, on the alignment
// or the position of the element in the array, or on how a caller splits the array between
// threads: the tail of an array (the last n mod width elements) is padded into a full vector and
// goes through the same SIMD function as the rest, never through scalar libm.
//
// Instruction set: chosen once, at the first call, from the running CPU (cpu_features.h): AVX-512F
// (16 floats per vector), else AVX2 + FMA (8), else SSE2 (4, baseline x86-64); off x86, SLEEF's
// portable scalar code. AVX-512 and AVX2 give bitwise the same values (the same FMA-based
// algorithms; only the bits of NaN results may differ); SSE2 and the scalar code have no FMA and
// may differ from them in the last bit. set_isa() switches for tests and benchmarks.
//
// Callers process long arrays in blocks that stay in L1 (kernels/cpu/parallel.h: kVectorBlock),
// splitting work between threads on block boundaries.
#pragma once

#include <cstdint>

namespace hg::kernels::cpu::vmath {

// ---- elementary functions (SLEEF, 1.0 ulp) ----------------------------------------------------
void exp(const float* x, float* y, int64_t n);    // expf
void expm1(const float* x, float* y, int64_t n);  // expm1f
void log(const float* x, float* y, int64_t n);    // logf
void log1p(const float* x, float* y, int64_t n);  // log1pf
void tanh(const float* x, float* y, int64_t n);   // tanhf

// ---- composed activations ---------------------------------------------------------------------
// stable_sigmoid (unary_math.h): 1 / (1 + exp(-x)) for x >= 0, e / (1 + e) with e = exp(x) below;
// never exponentiates a positive number.
void sigmoid(const float* x, float* y, int64_t n);
// Unary<kSoftplus>::forward: x > 20 ? x : log1p(exp(x)) (PyTorch's threshold).
void softplus(const float* x, float* y, int64_t n);
// y = a * stable_sigmoid(x): the softplus backward (dx = dy * sigmoid(x)).
void mul_sigmoid(const float* a, const float* x, float* y, int64_t n);

// ---- losses (loss_math.h) ---------------------------------------------------------------------
// pointwise_loss_value(kBceWithLogits): max(x, 0) - x t + log1p(exp(-|x|)).
void bce_with_logits(const float* x, const float* t, float* loss, int64_t n);
// scale * pointwise_loss_derivative(kBceWithLogits) = scale * (stable_sigmoid(x) - t).
void bce_with_logits_derivative(const float* x, const float* t, float scale, float* dx, int64_t n);
// pointwise_loss_value(kBce): -(t max(log p, -100) + (1 - t) max(log(1 - p), -100)).
void bce(const float* p, const float* t, float* loss, int64_t n);

// ---- regularizers (regularizer_math.h) --------------------------------------------------------
// terms[i] = gaussian_kl_term(mu[i], logvar[i]) = -0.5 (1 + lv - mu^2 - exp(lv)), in double.
void gaussian_kl_terms(const float* mu, const float* logvar, double* terms, int64_t n);
// dlogvar[i] = scale * gaussian_kl_dlogvar(logvar[i]) = scale * (0.5 expm1(logvar[i])).
void gaussian_kl_dlogvar(const float* logvar, float scale, float* dlogvar, int64_t n);
// terms[i] = kl_bernoulli(rho, rho_hat[i]), in double.
void kl_bernoulli_terms(double rho, const float* rho_hat, double* terms, int64_t n);

// ---- instruction set --------------------------------------------------------------------------
enum class Isa { kAvx512, kAvx2, kSse2, kScalar };
const char* isa_name(Isa isa);
bool isa_available(Isa isa);  // compiled in and supported by this CPU
Isa isa();                    // the one in use
// Uses `isa` from now on (tests, benchmarks); throws std::invalid_argument when it is not
// available. Not to be called while another thread runs vmath functions.
void set_isa(Isa isa);

}  // namespace hg::kernels::cpu::vmath
