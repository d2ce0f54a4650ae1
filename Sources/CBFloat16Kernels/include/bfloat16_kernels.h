#ifndef CHARLSTM_BFLOAT16_KERNELS_H
#define CHARLSTM_BFLOAT16_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The bfloat16 kernels a CPU can run (see bfloat16_kernels.c).
enum {
    CHARLSTM_BF16_NONE = 0,
    /// AVX512_BF16's VDPBF16PS: sixteen float lanes, each adding a pair of bfloat16 products.
    CHARLSTM_BF16_AVX512 = 1,
    /// AMX-BF16's TDPBF16PS: a 16×16 float tile += a 16×32 by 32×16 bfloat16 product.
    CHARLSTM_BF16_AMX = 2,
};

/// The fastest bfloat16 kernel this CPU (and, for AMX, the operating system) allows, asked once per process.
int charlstm_bf16_best_kernel(void);

/// The kernel the products below use; CHARLSTM_BF16_NONE until charlstm_bf16_select_kernel chose one.
int charlstm_bf16_kernel(void);

/// Makes `kernel` the one every product uses, for the whole process; returns 1, or 0 (changing nothing) when this
/// CPU cannot run it. Call before any product, from one thread.
int charlstm_bf16_select_kernel(int kernel);

/// Number of uint16_t a packed `k×n` right-hand operand takes: ceil(n/16) panels of 16 columns, each
/// ceil(k/32)·32 rows deep (the padding is zeros).
size_t charlstm_bf16_panels_count(long k, long n);

/// Rounds op(B) (`k×n`; `transpose` means B is stored `n×k`, as a weight matrix W for X·Wᵀ) to bfloat16 (to
/// nearest, ties to even) and packs it in panels of 16 columns: in panel p, row pair r holds
/// (B[2r][16p + j], B[2r + 1][16p + j]) for j < 16 at elements 32r + 2j, 32r + 2j + 1. Writes every element of
/// charlstm_bf16_panels_count(k, n). A block of columns starting at a multiple of 16 may be packed on its own
/// into its place: panel p starts at element p·16·ceil(k/32)·32. Call only after charlstm_bf16_select_kernel chose
/// a kernel (the packing uses the instructions every such CPU has).
void charlstm_bf16_pack_panels(int transpose, long k, long n, const float *b, long ldb, uint16_t *panels);

/// C ← α·op(A)·B + β·C with B packed by charlstm_bf16_pack_panels (the same k) and op(A) `m×k` (`transposeA`
/// means A is stored `k×m`), rounded to bfloat16 as it is packed. Products are summed in float, each element of C
/// by one thread in one order, so the result depends on nothing but the operands. β 0 ignores what C held. Call
/// only after charlstm_bf16_select_kernel.
void charlstm_bf16_gemm_panels(int transposeA, long m, long n, long k, float alpha, const float *a, long lda,
                               const uint16_t *panels, float beta, float *c, long ldc);

/// C ← α·op(A)·op(B) + β·C with both operands rounded to bfloat16 as they are packed (B into this thread's own
/// buffer), otherwise as charlstm_bf16_gemm_panels.
void charlstm_bf16_gemm(int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                        const float *b, long ldb, float beta, float *c, long ldc);

/// y[i] = x[i] rounded to bfloat16 and widened back (to nearest, ties to even), for i < count.
void charlstm_bf16_round(const float *x, float *y, long count);

#endif
