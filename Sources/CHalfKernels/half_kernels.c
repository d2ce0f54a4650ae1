// Matrix-vector products with half-precision weights, for the batch-1 recurrence (priming and sampling) and for
// a few vectors at once (a server's conversations, one character each).
//
// A batch-1 step reads every weight once and does one multiply-add with it, so it is bound by how fast weights
// arrive from memory; weights stored as 16-bit halves arrive twice as fast as floats. F16C widens eight halves to
// eight floats in one instruction (vcvtph2ps), after which the arithmetic is an ordinary float FMA.
//
// On x86-64 the kernels are compiled for F16C/AVX2/FMA, and for AVX-512 where the CPU has it, with function
// attributes rather than for the whole package, and are only called after charlstm_half_gemv_available() has
// asked the CPU, so the binary still runs on any x86-64. On 64-bit ARM (Apple silicon, Graviton) every CPU converts halves in its NEON unit (FCVTL widens four
// halves to four floats), so the kernel is always there. Both widen and then multiply-add in float: the result
// is the float product of the same weights, summed in a different order, never a half-precision sum.

#include "half_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

// Which kernels this CPU runs: 0 none, 8 the F16C/AVX2 ones (eight lanes), 16 the AVX-512 ones (sixteen).
static int lanes = -1;

static int choose_lanes(void) {
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return 0;
    return __builtin_cpu_supports("avx512f") ? 16 : 8;
}

int charlstm_half_gemv_available(void) { return charlstm_half_kernel_lanes() != 0; }

int charlstm_half_kernel_lanes(void) {
    if (lanes < 0) lanes = choose_lanes();   // the same answer whichever thread asks first
    return lanes;
}

__attribute__((target("avx2,fma,f16c")))
static inline float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Every product in this file sums each (row, vector) pair the same way, whatever else is multiplied beside it:
// two accumulators of eight lanes take alternate groups of eight terms (j ≡ 0 and 8 mod 16), a last group of
// eight goes to the first, the two are added and summed across lanes, and the last n mod 8 terms are added one
// by one. So a vector's result has the same bits whether it is multiplied alone (charlstm_half_gemv) or with
// others (charlstm_half_gemm_rows), and however the rows are shared among threads. The kernels differ only in
// how many such sums they interleave: two rows for one vector, up to four vectors for one row, which hides the
// FMA latency and widens each group of halves once for all the vectors.

__attribute__((target("avx2,fma,f16c")))
static inline __m256 widen(const uint16_t *halves) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)halves)); }

__attribute__((target("avx2,fma,f16c")))
static inline float finish_sum(__m256 s0, __m256 s1, const uint16_t *row, const float *x, long j, long n) {
    float sum = horizontal_sum(_mm256_add_ps(s0, s1));
    for (; j < n; j++) {
        sum += _cvtsh_ss(row[j]) * x[j];
    }
    return sum;
}

__attribute__((target("avx2,fma,f16c")))
static inline void store(float *out, float sum, float beta) { *out = beta == 0 ? sum : beta * *out + sum; }

/// Rows i and i + 1 times x.
__attribute__((target("avx2,fma,f16c")))
static inline void two_rows(const uint16_t *r0, const uint16_t *r1, const float *x, long n, float *y0, float *y1,
                            float beta) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
    long j = 0;
    for (; j + 16 <= n; j += 16) {
        __m256 x0 = _mm256_loadu_ps(x + j), x1 = _mm256_loadu_ps(x + j + 8);
        a0 = _mm256_fmadd_ps(widen(r0 + j), x0, a0);
        a1 = _mm256_fmadd_ps(widen(r0 + j + 8), x1, a1);
        b0 = _mm256_fmadd_ps(widen(r1 + j), x0, b0);
        b1 = _mm256_fmadd_ps(widen(r1 + j + 8), x1, b1);
    }
    if (j + 8 <= n) {
        __m256 x0 = _mm256_loadu_ps(x + j);
        a0 = _mm256_fmadd_ps(widen(r0 + j), x0, a0);
        b0 = _mm256_fmadd_ps(widen(r1 + j), x0, b0);
        j += 8;
    }
    store(y0, finish_sum(a0, a1, r0, x, j, n), beta);
    store(y1, finish_sum(b0, b1, r1, x, j, n), beta);
}

/// One row times `count` (at most 4) vectors, x + k·ldx into y + k·ldy; count is a constant at every call, so the
/// loops over k unroll and the sums stay in registers.
__attribute__((target("avx2,fma,f16c"), always_inline))
static inline void vectors8(const uint16_t *row, const float *x, long ldx, long n, float *y, long ldy, float beta,
                            const int count) {
    __m256 s0[4], s1[4];
#pragma GCC unroll 4
    for (int k = 0; k < count; k++) { s0[k] = _mm256_setzero_ps(); s1[k] = _mm256_setzero_ps(); }
    long j = 0;
    for (; j + 16 <= n; j += 16) {
        __m256 w0 = widen(row + j), w1 = widen(row + j + 8);
#pragma GCC unroll 4
        for (int k = 0; k < count; k++) {
            s0[k] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + k * ldx + j), s0[k]);
            s1[k] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + k * ldx + j + 8), s1[k]);
        }
    }
    if (j + 8 <= n) {
        __m256 w0 = widen(row + j);
#pragma GCC unroll 4
        for (int k = 0; k < count; k++) s0[k] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + k * ldx + j), s0[k]);
        j += 8;
    }
#pragma GCC unroll 4
    for (int k = 0; k < count; k++) store(y + k * ldy, finish_sum(s0[k], s1[k], row, x + k * ldx, j, n), beta);
}

__attribute__((target("avx2,fma,f16c")))
static void gemv_avx2(long m, long n, const uint16_t *a, long lda, const float *x, float beta, float *y) {
    long i = 0;
    for (; i + 2 <= m; i += 2) two_rows(a + i * lda, a + (i + 1) * lda, x, n, y + i, y + i + 1, beta);
    if (i < m) vectors8(a + i * lda, x, 0, n, y + i, 0, beta, 1);
}

__attribute__((target("avx2,fma,f16c")))
static void gemm_rows_avx2(long m, long n, const uint16_t *a, long lda, const float *x, long ldx, long vectors,
                           float beta, float *y, long ldy) {
    // Row by row, so that each row of halves is read from memory once and then from L1 for every vector.
    for (long i = 0; i < m; i++) {
        const uint16_t *row = a + i * lda;
        long b = 0;
        for (; b + 4 <= vectors; b += 4) vectors8(row, x + b * ldx, ldx, n, y + b * ldy + i, ldy, beta, 4);
        switch (vectors - b) {
        case 3: vectors8(row, x + b * ldx, ldx, n, y + b * ldy + i, ldy, beta, 3); break;
        case 2: vectors8(row, x + b * ldx, ldx, n, y + b * ldy + i, ldy, beta, 2); break;
        case 1: vectors8(row, x + b * ldx, ldx, n, y + b * ldy + i, ldy, beta, 1); break;
        default: break;
        }
    }
}

// The AVX-512 kernels sum each (row, vector) pair their own way: one accumulator of sixteen lanes takes every
// group of sixteen terms in turn, then the lanes are summed and the last n mod 16 terms added one by one. With 32
// registers a block of up to four rows by four vectors keeps sixteen such sums going at once, each group of
// halves widened once for its four vectors and each group of a vector loaded once for its four rows.

__attribute__((target("avx512f,avx2,fma,f16c")))
static inline __m512 widen16(const uint16_t *halves) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)halves)); }

/// Rows a + r·lda (r < R) times vectors x + k·ldx (k < V) into y + k·ldy + r; R and V are constants at every
/// call, so the loops over them unroll and the sums stay in registers.
__attribute__((target("avx512f,avx2,fma,f16c"), always_inline))
static inline void block16(const uint16_t *a, long lda, const float *x, long ldx, long n, float *y, long ldy,
                           float beta, const int R, const int V) {
    // The pragmas ask GCC to unroll as Clang does unasked, which keeps the arrays in registers.
    __m512 s[4][4];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int k = 0; k < V; k++) s[r][k] = _mm512_setzero_ps();
    long j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 w[4], v[4];
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) w[r] = widen16(a + r * lda + j);
#pragma GCC unroll 4
        for (int k = 0; k < V; k++) v[k] = _mm512_loadu_ps(x + k * ldx + j);
#pragma GCC unroll 4
        for (int r = 0; r < R; r++)
#pragma GCC unroll 4
            for (int k = 0; k < V; k++) s[r][k] = _mm512_fmadd_ps(w[r], v[k], s[r][k]);
    }
    for (int r = 0; r < R; r++) {
        for (int k = 0; k < V; k++) {
            float sum = _mm512_reduce_add_ps(s[r][k]);
            for (long t = j; t < n; t++) sum += _cvtsh_ss(a[r * lda + t]) * x[k * ldx + t];
            store(y + k * ldy + r, sum, beta);
        }
    }
}

/// Rows `rows` (R of them, R ≤ 4, from row a) times every vector, four at a time.
__attribute__((target("avx512f,avx2,fma,f16c"), always_inline))
static inline void rows16(const uint16_t *a, long lda, const float *x, long ldx, long vectors, long n, float *y,
                          long ldy, float beta, const int R) {
    long b = 0;
    for (; b + 4 <= vectors; b += 4) block16(a, lda, x + b * ldx, ldx, n, y + b * ldy, ldy, beta, R, 4);
    switch (vectors - b) {
    case 3: block16(a, lda, x + b * ldx, ldx, n, y + b * ldy, ldy, beta, R, 3); break;
    case 2: block16(a, lda, x + b * ldx, ldx, n, y + b * ldy, ldy, beta, R, 2); break;
    case 1: block16(a, lda, x + b * ldx, ldx, n, y + b * ldy, ldy, beta, R, 1); break;
    default: break;
    }
}

__attribute__((target("avx512f,avx2,fma,f16c")))
static void gemm_rows_avx512(long m, long n, const uint16_t *a, long lda, const float *x, long ldx, long vectors,
                             float beta, float *y, long ldy) {
    long i = 0;
    for (; i + 4 <= m; i += 4) rows16(a + i * lda, lda, x, ldx, vectors, n, y + i, ldy, beta, 4);
    switch (m - i) {
    case 3: rows16(a + i * lda, lda, x, ldx, vectors, n, y + i, ldy, beta, 3); break;
    case 2: rows16(a + i * lda, lda, x, ldx, vectors, n, y + i, ldy, beta, 2); break;
    case 1: rows16(a + i * lda, lda, x, ldx, vectors, n, y + i, ldy, beta, 1); break;
    default: break;
    }
}

__attribute__((target("avx512f,avx2,fma,f16c")))
static void gemv_avx512(long m, long n, const uint16_t *a, long lda, const float *x, float beta, float *y) {
    gemm_rows_avx512(m, n, a, lda, x, 0, 1, beta, y, 0);
}

void charlstm_half_gemv(long m, long n, const uint16_t *a, long lda, const float *x, float beta, float *y) {
    if (charlstm_half_kernel_lanes() == 16) gemv_avx512(m, n, a, lda, x, beta, y); else gemv_avx2(m, n, a, lda, x, beta, y);
}

void charlstm_half_gemm_rows(long m, long n, const uint16_t *a, long lda, const float *x, long ldx, long vectors,
                             float beta, float *y, long ldy) {
    if (charlstm_half_kernel_lanes() == 16) {
        gemm_rows_avx512(m, n, a, lda, x, ldx, vectors, beta, y, ldy);
    } else {
        gemm_rows_avx2(m, n, a, lda, x, ldx, vectors, beta, y, ldy);
    }
}

#elif defined(__aarch64__)
#include <arm_neon.h>

int charlstm_half_gemv_available(void) { return 1; }

int charlstm_half_kernel_lanes(void) { return 4; }

// The same sums as on x86-64 with four lanes: two accumulators take alternate groups of four terms (j ≡ 0 and 4
// mod 8), a last group of four goes to the first, and the last n mod 4 terms are added one by one.

static inline float finish_sum(float32x4_t s0, float32x4_t s1, const float16_t *row, const float *x, long j, long n) {
    float sum = vaddvq_f32(vaddq_f32(s0, s1));
    for (; j < n; j++) {
        sum += (float)row[j] * x[j];
    }
    return sum;
}

static inline void store(float *out, float sum, float beta) { *out = beta == 0 ? sum : beta * *out + sum; }

static inline void two_rows(const float16_t *r0, const float16_t *r1, const float *x, long n, float *y0, float *y1,
                            float beta) {
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0), b0 = vdupq_n_f32(0), b1 = vdupq_n_f32(0);
    long j = 0;
    for (; j + 8 <= n; j += 8) {
        float32x4_t x0 = vld1q_f32(x + j), x1 = vld1q_f32(x + j + 4);
        float16x8_t p = vld1q_f16(r0 + j), q = vld1q_f16(r1 + j);
        a0 = vfmaq_f32(a0, vcvt_f32_f16(vget_low_f16(p)), x0);
        a1 = vfmaq_f32(a1, vcvt_high_f32_f16(p), x1);
        b0 = vfmaq_f32(b0, vcvt_f32_f16(vget_low_f16(q)), x0);
        b1 = vfmaq_f32(b1, vcvt_high_f32_f16(q), x1);
    }
    if (j + 4 <= n) {
        float32x4_t x0 = vld1q_f32(x + j);
        a0 = vfmaq_f32(a0, vcvt_f32_f16(vld1_f16(r0 + j)), x0);
        b0 = vfmaq_f32(b0, vcvt_f32_f16(vld1_f16(r1 + j)), x0);
        j += 4;
    }
    store(y0, finish_sum(a0, a1, r0, x, j, n), beta);
    store(y1, finish_sum(b0, b1, r1, x, j, n), beta);
}

static inline void one_row(const float16_t *row, const float *x, long n, float *y, float beta) {
    float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0);
    long j = 0;
    for (; j + 8 <= n; j += 8) {
        float16x8_t p = vld1q_f16(row + j);
        s0 = vfmaq_f32(s0, vcvt_f32_f16(vget_low_f16(p)), vld1q_f32(x + j));
        s1 = vfmaq_f32(s1, vcvt_high_f32_f16(p), vld1q_f32(x + j + 4));
    }
    if (j + 4 <= n) {
        s0 = vfmaq_f32(s0, vcvt_f32_f16(vld1_f16(row + j)), vld1q_f32(x + j));
        j += 4;
    }
    store(y, finish_sum(s0, s1, row, x, j, n), beta);
}

static inline void four_vectors(const float16_t *row, const float *x, long ldx, long n, float *y, long ldy, float beta) {
    float32x4_t s[4][2];
    for (int k = 0; k < 4; k++) { s[k][0] = vdupq_n_f32(0); s[k][1] = vdupq_n_f32(0); }
    long j = 0;
    for (; j + 8 <= n; j += 8) {
        float16x8_t p = vld1q_f16(row + j);
        float32x4_t w0 = vcvt_f32_f16(vget_low_f16(p)), w1 = vcvt_high_f32_f16(p);
        for (int k = 0; k < 4; k++) {
            s[k][0] = vfmaq_f32(s[k][0], w0, vld1q_f32(x + k * ldx + j));
            s[k][1] = vfmaq_f32(s[k][1], w1, vld1q_f32(x + k * ldx + j + 4));
        }
    }
    if (j + 4 <= n) {
        float32x4_t w0 = vcvt_f32_f16(vld1_f16(row + j));
        for (int k = 0; k < 4; k++) s[k][0] = vfmaq_f32(s[k][0], w0, vld1q_f32(x + k * ldx + j));
        j += 4;
    }
    for (int k = 0; k < 4; k++) store(y + k * ldy, finish_sum(s[k][0], s[k][1], row, x + k * ldx, j, n), beta);
}

void charlstm_half_gemv(long m, long n, const uint16_t *a, long lda, const float *x, float beta, float *y) {
    const float16_t *h = (const float16_t *)a;
    long i = 0;
    for (; i + 2 <= m; i += 2) two_rows(h + i * lda, h + (i + 1) * lda, x, n, y + i, y + i + 1, beta);
    if (i < m) one_row(h + i * lda, x, n, y + i, beta);
}

void charlstm_half_gemm_rows(long m, long n, const uint16_t *a, long lda, const float *x, long ldx, long vectors,
                             float beta, float *y, long ldy) {
    const float16_t *h = (const float16_t *)a;
    for (long i = 0; i < m; i++) {
        const float16_t *row = h + i * lda;
        long b = 0;
        for (; b + 4 <= vectors; b += 4) four_vectors(row, x + b * ldx, ldx, n, y + b * ldy + i, ldy, beta);
        for (; b < vectors; b++) one_row(row, x + b * ldx, n, y + b * ldy + i, beta);
    }
}

#else

int charlstm_half_gemv_available(void) { return 0; }

int charlstm_half_kernel_lanes(void) { return 0; }

void charlstm_half_gemv(long m, long n, const uint16_t *a, long lda, const float *x, float beta, float *y) {
    (void)m; (void)n; (void)a; (void)lda; (void)x; (void)beta; (void)y;
}

void charlstm_half_gemm_rows(long m, long n, const uint16_t *a, long lda, const float *x, long ldx, long vectors,
                             float beta, float *y, long ldy) {
    (void)m; (void)n; (void)a; (void)lda; (void)x; (void)ldx; (void)vectors; (void)beta; (void)y; (void)ldy;
}

#endif
