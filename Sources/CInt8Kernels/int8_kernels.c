// Matrix products with 8-bit integer weights and 8-bit integer inputs, for batch-1 steps (priming, sampling) and
// a few vectors at once (a server's conversations), where every weight is read once per character and the bytes
// that must arrive from memory set the speed: a quarter of float weights', half of F16's.
//
// Each row i of a matrix is q_i·s_i (integers in −127…127 and one float scale per row) and each input vector is
// x_b·t_b likewise, so
//
//     y[b, i] = s_i·t_b·Σ_j q_i[j]·x_b[j]
//
// where the sum is exact in 32-bit integers: it does not depend on the order of its terms, so the AVX2 and NEON
// kernels, any blocking of rows and vectors, and any split among threads all give the same bits.
//
// x86-64 (AVX2, by function attribute, so the binary runs on any x86-64; without AVX2 there is no kernel): vpmaddubsw
// multiplies unsigned by signed bytes and adds pairs into 16 bits, so the input's sign moves onto the weight
// (vpsignb) and its magnitude is the unsigned operand: |x|·(w·sign x) = x·w, and a pair is at most 2·127·127 =
// 32,258, which 16 bits hold without saturating. vpmaddwd then adds pairs of those into 32-bit lanes.
// 64-bit ARM (NEON, every CPU): vmull_s8/vmlal_high_s8 multiply signed bytes into 16 bits, two products per lane
// (at most 32,258 again), and vpadalq_s16 adds pairs of lanes into 32 bits; or SDOT, where the target has it.

#include "int8_kernels.h"

#include <math.h>

// The float steps after the integer sum are written one operation at a time; no compiler may fuse them into an
// FMA, which would round once instead of twice and differ from the other kernels and from Swift's reference.
#pragma STDC FP_CONTRACT OFF

/// The float steps every kernel ends with: y ← beta·y + sum·(row_scale·q_scale).
static inline void finish(float *y, int32_t sum, float row_scale, float q_scale, float beta) {
    float scale = row_scale * q_scale;
    float product = (float)sum * scale;
    if (beta == 0) {
        *y = product;
    } else {
        float kept = beta * *y;
        *y = kept + product;
    }
}

static inline int8_t quantize_one(float x, float factor) {
    float v = x * factor;
    long r = lrintf(v > 127.0f ? 127.0f : v < -127.0f ? -127.0f : v);   // ties to even, the default mode
    return (int8_t)(r > 127 ? 127 : r < -127 ? -127 : r);
}

static inline int32_t dot_tail(const int8_t *a, const int8_t *q, long j, long n) {
    int32_t sum = 0;
    for (; j < n; j++) sum += (int32_t)a[j] * (int32_t)q[j];
    return sum;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define KERNEL_TARGET __attribute__((target("avx2")))

static int kernel = -1;

int charlstm_int8_kernel(void) {
    if (kernel < 0) {   // the same answer whichever thread asks first
        __builtin_cpu_init();
        kernel = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return kernel;
}

KERNEL_TARGET
static void quantize_avx2(long n, const float *x, float factor, int8_t *q) {
    const __m256 f = _mm256_set1_ps(factor), low = _mm256_set1_ps(-127.0f), high = _mm256_set1_ps(127.0f);
    // Four vectors of eight floats become 32 bytes; the two packs interleave 128-bit lanes, the permute undoes it.
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    long j = 0;
    for (; j + 32 <= n; j += 32) {
        __m256i v[4];
        for (int k = 0; k < 4; k++) {
            __m256 s = _mm256_mul_ps(_mm256_loadu_ps(x + j + 8 * k), f);
            v[k] = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(s, low), high));   // ties to even (MXCSR default)
        }
        __m256i words = _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
        _mm256_storeu_si256((__m256i *)(q + j), _mm256_permutevar8x32_epi32(words, order));
    }
    for (; j < n; j++) q[j] = quantize_one(x[j], factor);
}

KERNEL_TARGET
static inline int32_t horizontal_sum(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

/// Adds x·w for 32 bytes of a row into the eight 32-bit lanes of acc (see the top of the file).
KERNEL_TARGET __attribute__((always_inline))
static inline __m256i dot32(__m256i acc, const int8_t *w, __m256i x, __m256i magnitude) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i pairs = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)w), x));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones));
}

/// Rows a … a + 3·lda times one vector q: the four exact sums.
KERNEL_TARGET
static inline void four_rows(const int8_t *a, long lda, const int8_t *q, long n, int32_t sums[4]) {
    __m256i acc0 = _mm256_setzero_si256(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    long j = 0;
    for (; j + 32 <= n; j += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(q + j)), magnitude = _mm256_abs_epi8(x);
        acc0 = dot32(acc0, a + j, x, magnitude);
        acc1 = dot32(acc1, a + lda + j, x, magnitude);
        acc2 = dot32(acc2, a + 2 * lda + j, x, magnitude);
        acc3 = dot32(acc3, a + 3 * lda + j, x, magnitude);
    }
    // Lane sums of the four accumulators, side by side: [acc0, acc1, acc2, acc3].
    __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(acc0, acc1), _mm256_hadd_epi32(acc2, acc3));
    __m128i four = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    _mm_storeu_si128((__m128i *)sums, four);
    for (int r = 0; r < 4; r++) sums[r] += dot_tail(a + r * lda, q, j, n);
}

KERNEL_TARGET
static inline int32_t one_row(const int8_t *a, const int8_t *q, long n) {
    __m256i acc = _mm256_setzero_si256();
    long j = 0;
    for (; j + 32 <= n; j += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(q + j));
        acc = dot32(acc, a + j, x, _mm256_abs_epi8(x));
    }
    return horizontal_sum(acc) + dot_tail(a, q, j, n);
}

void charlstm_int8_quantize(long n, const float *x, float factor, int8_t *q) {
    if (charlstm_int8_kernel() == 1) {
        quantize_avx2(n, x, factor, q);
    } else {
        for (long j = 0; j < n; j++) q[j] = quantize_one(x[j], factor);
    }
}


#elif defined(__aarch64__)
#include <arm_neon.h>

#define KERNEL_TARGET

// Where the compiler targets CPUs with the dot-product instructions (Apple silicon's default target does), SDOT adds
// four products into each 32-bit lane in one instruction; the sums are the same integers either way.
#if defined(__ARM_FEATURE_DOTPROD)
int charlstm_int8_kernel(void) { return 3; }
#else
int charlstm_int8_kernel(void) { return 2; }
#endif

void charlstm_int8_quantize(long n, const float *x, float factor, int8_t *q) {
    const float32x4_t low = vdupq_n_f32(-127.0f), high = vdupq_n_f32(127.0f);
    long j = 0;
    for (; j + 8 <= n; j += 8) {
        // vcvtnq rounds to nearest with ties to even, as lrintf does in the default mode.
        int32x4_t v0 = vcvtnq_s32_f32(vminq_f32(vmaxq_f32(vmulq_n_f32(vld1q_f32(x + j), factor), low), high));
        int32x4_t v1 = vcvtnq_s32_f32(vminq_f32(vmaxq_f32(vmulq_n_f32(vld1q_f32(x + j + 4), factor), low), high));
        vst1_s8(q + j, vqmovn_s16(vcombine_s16(vqmovn_s32(v0), vqmovn_s32(v1))));
    }
    for (; j < n; j++) q[j] = quantize_one(x[j], factor);
}

/// Adds x·w for 16 bytes of a row into the four 32-bit lanes of acc.
static inline int32x4_t dot16(int32x4_t acc, const int8_t *w, int8x16_t x) {
#if defined(__ARM_FEATURE_DOTPROD)
    return vdotq_s32(acc, vld1q_s8(w), x);
#else
    int8x16_t weights = vld1q_s8(w);
    int16x8_t pairs = vmull_s8(vget_low_s8(weights), vget_low_s8(x));
    pairs = vmlal_high_s8(pairs, weights, x);
    return vpadalq_s16(acc, pairs);
#endif
}

static inline void four_rows(const int8_t *a, long lda, const int8_t *q, long n, int32_t sums[4]) {
    int32x4_t acc0 = vdupq_n_s32(0), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    long j = 0;
    for (; j + 16 <= n; j += 16) {
        int8x16_t x = vld1q_s8(q + j);
        acc0 = dot16(acc0, a + j, x);
        acc1 = dot16(acc1, a + lda + j, x);
        acc2 = dot16(acc2, a + 2 * lda + j, x);
        acc3 = dot16(acc3, a + 3 * lda + j, x);
    }
    sums[0] = vaddvq_s32(acc0) + dot_tail(a, q, j, n);
    sums[1] = vaddvq_s32(acc1) + dot_tail(a + lda, q, j, n);
    sums[2] = vaddvq_s32(acc2) + dot_tail(a + 2 * lda, q, j, n);
    sums[3] = vaddvq_s32(acc3) + dot_tail(a + 3 * lda, q, j, n);
}

static inline int32_t one_row(const int8_t *a, const int8_t *q, long n) {
    int32x4_t acc = vdupq_n_s32(0);
    long j = 0;
    for (; j + 16 <= n; j += 16) acc = dot16(acc, a + j, vld1q_s8(q + j));
    return vaddvq_s32(acc) + dot_tail(a, q, j, n);
}

#endif

#if defined(__x86_64__) || defined(__aarch64__)

// The same blocking for both: four rows at a time (kept in L1) against every vector in turn, then the rows left.
KERNEL_TARGET
static void gemm_rows(long m, long n, const int8_t *a, long lda, const float *row_scales, const int8_t *q, long ldq,
                      const float *q_scales, long q_scale_stride, long vectors, float beta, float *y, long ldy) {
    long i = 0;
    for (; i + 4 <= m; i += 4) {
        for (long b = 0; b < vectors; b++) {
            int32_t sums[4];
            four_rows(a + i * lda, lda, q + b * ldq, n, sums);
            for (int r = 0; r < 4; r++) {
                finish(y + b * ldy + i + r, sums[r], row_scales[i + r], q_scales[b * q_scale_stride], beta);
            }
        }
    }
    for (; i < m; i++) {
        for (long b = 0; b < vectors; b++) {
            finish(y + b * ldy + i, one_row(a + i * lda, q + b * ldq, n), row_scales[i],
                   q_scales[b * q_scale_stride], beta);
        }
    }
}

void charlstm_int8_gemm_rows(long m, long n, const int8_t *a, long lda, const float *row_scales,
                             const int8_t *q, long ldq, const float *q_scales, long q_scale_stride, long vectors,
                             float beta, float *y, long ldy) {
    gemm_rows(m, n, a, lda, row_scales, q, ldq, q_scales, q_scale_stride, vectors, beta, y, ldy);
}

#endif

#if !defined(__x86_64__) && !defined(__aarch64__)

int charlstm_int8_kernel(void) { return 0; }

void charlstm_int8_quantize(long n, const float *x, float factor, int8_t *q) {
    for (long j = 0; j < n; j++) q[j] = quantize_one(x[j], factor);
}

void charlstm_int8_gemm_rows(long m, long n, const int8_t *a, long lda, const float *row_scales,
                             const int8_t *q, long ldq, const float *q_scales, long q_scale_stride, long vectors,
                             float beta, float *y, long ldy) {
    for (long i = 0; i < m; i++) {
        for (long b = 0; b < vectors; b++) {
            finish(y + b * ldy + i, dot_tail(a + i * lda, q + b * ldq, 0, n), row_scales[i],
                   q_scales[b * q_scale_stride], beta);
        }
    }
}

#endif
