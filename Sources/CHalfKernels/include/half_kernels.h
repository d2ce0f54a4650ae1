#ifndef CHARLSTM_HALF_KERNELS_H
#define CHARLSTM_HALF_KERNELS_H

#include <stdint.h>

/// 1 when this CPU can run charlstm_half_gemv (x86-64 with F16C, AVX2 and FMA, checked at run time so one binary
/// runs on every x86-64 machine; every 64-bit ARM CPU), else 0.
int charlstm_half_gemv_available(void);

/// The SIMD width the kernels use on this CPU, in floats: 16 with AVX-512, 8 with AVX2, 4 on ARM, 0 without
/// kernels. Every kernel uses the same width, so their sums agree with each other on one machine.
int charlstm_half_kernel_lanes(void);

/// y[i] = beta·y[i] + Σ_j widen(a[i·lda + j])·x[j] for i < m, j < n: a matrix of IEEE binary16 weights times a
/// float vector, the weights widened to float on the fly. beta 0 ignores what y held. Call only when
/// charlstm_half_gemv_available() says so.
void charlstm_half_gemv(long m, long n, const uint16_t *a, long lda, const float *x, float beta, float *y);

/// y[b·ldy + i] = beta·y[b·ldy + i] + Σ_j widen(a[i·lda + j])·x[b·ldx + j] for i < m, j < n, b < vectors: the
/// same product for several vectors, each element summed exactly as charlstm_half_gemv sums it (so a vector's
/// result does not depend on how many others are multiplied with it). Call only when available.
void charlstm_half_gemm_rows(long m, long n, const uint16_t *a, long lda, const float *x, long ldx, long vectors,
                             float beta, float *y, long ldy);

#endif
