#ifndef CHARLSTM_INT8_KERNELS_H
#define CHARLSTM_INT8_KERNELS_H

#include <stdint.h>

/// Which kernel this CPU runs: 0 none, 1 AVX2 (x86-64 with AVX2, checked at run time so one binary runs on every
/// x86-64 machine), 2 NEON (every 64-bit ARM CPU), 3 NEON with SDOT (a build for ARM CPUs with dot products, such
/// as Apple silicon's).
int charlstm_int8_kernel(void);

/// q[j] = round(x[j]·factor), clamped to −127…127, for j < n, rounding to nearest with ties to even: a vector
/// rounded to 8 bits (scale 1/factor; values beyond ±127/factor saturate). Runs on every CPU, with the same result.
void charlstm_int8_quantize(long n, const float *x, float factor, int8_t *q);

/// y[b·ldy + i] = beta·y[b·ldy + i] + (Σ_j a[i·lda + j]·q[b·ldq + j])·(row_scales[i]·q_scales[b·q_scale_stride])
/// for i < m, j < n, b < vectors (a scale stride of 0: one scale for every vector). The sum is exact, in 32-bit
/// integers (|a|, |q| ≤ 127 keep it from overflowing for n below 133,000), and the rest is the same three float
/// operations everywhere, so every kernel, blocking and split of the rows gives the same bits. beta 0 ignores what
/// y held. Every a and q must lie in −127…127. Call only when charlstm_int8_kernel() is not 0.
void charlstm_int8_gemm_rows(long m, long n, const int8_t *a, long lda, const float *row_scales,
                             const int8_t *q, long ldq, const float *q_scales, long q_scale_stride, long vectors,
                             float beta, float *y, long ldy);

#endif
