#ifndef CHARLSTM_INT8_KERNELS_H
#define CHARLSTM_INT8_KERNELS_H

#include <stdint.h>

/// Which kernel this process runs: 0 none, 1 AVX2 (x86-64 with AVX2, checked at run time so one binary runs on every
/// x86-64 machine), 2 NEON (every 64-bit ARM CPU), 3 NEON with SDOT (a build for ARM CPUs with dot products, such
/// as Apple silicon's), 4 AVX512_VNNI (with AVX512VL), 5 AVX-VNNI. Chosen once: the one charlstm_int8_select_kernel
/// chose, else the best the CPU has.
int charlstm_int8_kernel(void);

/// The best kernel this CPU has (a code as above).
int charlstm_int8_best_kernel(void);

/// Makes `code` the process's kernel, before any other call: 1 when the CPU has it (or it was already the one
/// chosen), 0 otherwise.
int charlstm_int8_select_kernel(int code);

/// Puts a matrix's integers (the `a` of charlstm_int8_gemm_rows) into the layout the process's kernel reads: the
/// VNNI kernels read w + 128 as an unsigned byte (w XOR 0x80), the others w as it is. Once per matrix. Vectors
/// (`q`) are never transformed.
void charlstm_int8_to_kernel_layout(long count, int8_t *a);

/// q[j] = round(x[j]·factor), clamped to −127…127, for j < n, rounding to nearest with ties to even: a vector
/// rounded to 8 bits (scale 1/factor; values beyond ±127/factor saturate). Runs on every CPU, with the same result.
void charlstm_int8_quantize(long n, const float *x, float factor, int8_t *q);

/// y[b·ldy + i] = beta·y[b·ldy + i] + (Σ_j a[i·lda + j]·q[b·ldq + j])·(row_scales[i]·q_scales[b·q_scale_stride])
/// for i < m, j < n, b < vectors (a scale stride of 0: one scale for every vector). The sum is exact, in 32-bit
/// integers (|a|, |q| ≤ 127 keep it from overflowing for n below 66,000), and the rest is the same three float
/// operations everywhere, so every kernel, blocking and split of the rows gives the same bits. beta 0 ignores what
/// y held. Every a and q must lie in −127…127, a in the kernel's layout (charlstm_int8_to_kernel_layout). Call only
/// when charlstm_int8_kernel() is not 0.
void charlstm_int8_gemm_rows(long m, long n, const int8_t *a, long lda, const float *row_scales,
                             const int8_t *q, long ldq, const float *q_scales, long q_scale_stride, long vectors,
                             float beta, float *y, long ldy);

/// Runs the process's kernel's instructions for 32 products, eight times over independent accumulators, `iterations`
/// times, from registers: 256·iterations products (on ARM, two 16-product steps count as one), to time the CPU's
/// peak rate of int8 products on one thread. Returns a value that depends on the work, so it is not optimised away.
long charlstm_int8_peak_steps(long iterations);

#endif
