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
// 32,258, which 16 bits hold without saturating. vpmaddwd then adds pairs of those into 32-bit lanes: three
// instructions for 32 products.
// x86-64 with VNNI (AVX512_VNNI with AVX512VL, or AVX-VNNI; 256-bit either way): vpdpbusd multiplies unsigned by
// signed bytes and adds four products into each 32-bit lane, one instruction for 32 products. The unsigned operand is
// the weight, stored offset by 128 (w + 128 in 1…255: the byte w XOR 0x80, written once by
// charlstm_int8_to_kernel_layout), so the weight streams straight from memory into the instruction, and
//
//     Σ_j (w_j + 128)·x_j − 128·Σ_j x_j = Σ_j w_j·x_j
//
// with Σ x_j taken once per vector. Every term is below 255·127 = 32,385 in size, so the sum is exact in 32 bits
// for rows shorter than 66,000.
// 64-bit ARM (NEON, every CPU): vmull_s8/vmlal_high_s8 multiply signed bytes into 16 bits, two products per lane
// (at most 32,258 again), and vpadalq_s16 adds pairs of lanes into 32 bits; or SDOT, where the target has it.

#include "int8_kernels.h"

#include <math.h>

// The float steps after the integer sum are written one operation at a time; no compiler may fuse them into an
// FMA, which would round once instead of twice and differ from the other kernels and from Swift's reference (GCC
// ignores the standard pragma, and fuses inside functions whose target has FMA, as the AVX-512 ones do).
#pragma STDC FP_CONTRACT OFF
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

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

static int has_kernel(int code) {
    __builtin_cpu_init();
    switch (code) {
    case 1: return __builtin_cpu_supports("avx2");
    case 4:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512vnni") &&
               __builtin_cpu_supports("avx512vl");
    case 5: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avxvnni");
    default: return 0;
    }
}

int charlstm_int8_best_kernel(void) {
    return has_kernel(4) ? 4 : has_kernel(5) ? 5 : has_kernel(1) ? 1 : 0;
}

int charlstm_int8_select_kernel(int code) {
    if (kernel >= 0) return kernel == code;   // chosen once: weights already laid out for it
    if (!has_kernel(code)) return 0;
    kernel = code;
    return 1;
}

int charlstm_int8_kernel(void) {
    if (kernel < 0) kernel = charlstm_int8_best_kernel();   // the same answer whichever thread asks first
    return kernel;
}

static inline int is_vnni(void) { return charlstm_int8_kernel() >= 4; }

void charlstm_int8_to_kernel_layout(long count, int8_t *a) {
    if (!is_vnni()) return;
    for (long j = 0; j < count; j++) a[j] = (int8_t)((uint8_t)a[j] ^ 0x80);
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

// The VNNI kernels, one body for both instruction sets: ROWS rows of the offset weights times one vector, the exact
// Σ (w + 128)·x of each (the caller takes 128·Σx away).
#define VNNI_KERNELS(suffix, features, dot)                                                                            \
    __attribute__((target(features))) static inline void four_rows_##suffix(                                           \
        const int8_t *a, long lda, const int8_t *q, long n, int32_t sums[4]) {                                         \
        __m256i acc0 = _mm256_setzero_si256(), acc1 = acc0, acc2 = acc0, acc3 = acc0;                                  \
        long j = 0;                                                                                                    \
        for (; j + 32 <= n; j += 32) {                                                                                 \
            __m256i x = _mm256_loadu_si256((const __m256i *)(q + j));                                                  \
            acc0 = dot(acc0, _mm256_loadu_si256((const __m256i *)(a + j)), x);                                         \
            acc1 = dot(acc1, _mm256_loadu_si256((const __m256i *)(a + lda + j)), x);                                   \
            acc2 = dot(acc2, _mm256_loadu_si256((const __m256i *)(a + 2 * lda + j)), x);                               \
            acc3 = dot(acc3, _mm256_loadu_si256((const __m256i *)(a + 3 * lda + j)), x);                               \
        }                                                                                                              \
        __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(acc0, acc1), _mm256_hadd_epi32(acc2, acc3));                   \
        __m128i four = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));                       \
        _mm_storeu_si128((__m128i *)sums, four);                                                                       \
        for (int r = 0; r < 4; r++) sums[r] += offset_tail(a + r * lda, q, j, n);                                      \
    }                                                                                                                  \
    /* Four rows times four vectors: sixteen independent sums, each weight loaded once for four vectors. */            \
    __attribute__((target(features))) static inline void four_by_four_##suffix(                                        \
        const int8_t *a, long lda, const int8_t *q, long ldq, long n, __m128i sums[4]) {                               \
        __m256i acc[4][4];                                                                                             \
        for (int r = 0; r < 4; r++)                                                                                    \
            for (int b = 0; b < 4; b++) acc[r][b] = _mm256_setzero_si256();                                            \
        long j = 0;                                                                                                    \
        for (; j + 32 <= n; j += 32) {                                                                                 \
            __m256i x[4];                                                                                              \
            for (int b = 0; b < 4; b++) x[b] = _mm256_loadu_si256((const __m256i *)(q + b * ldq + j));                 \
            for (int r = 0; r < 4; r++) {                                                                              \
                __m256i w = _mm256_loadu_si256((const __m256i *)(a + r * lda + j));                                    \
                for (int b = 0; b < 4; b++) acc[r][b] = dot(acc[r][b], w, x[b]);                                       \
            }                                                                                                          \
        }                                                                                                              \
        for (int b = 0; b < 4; b++) {                                                                                  \
            __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[0][b], acc[1][b]),                                     \
                                          _mm256_hadd_epi32(acc[2][b], acc[3][b]));                                    \
            sums[b] = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));                        \
            if (j < n) {                                                                                               \
                int32_t tails[4];                                                                                      \
                for (int r = 0; r < 4; r++) tails[r] = offset_tail(a + r * lda, q + b * ldq, j, n);                    \
                sums[b] = _mm_add_epi32(sums[b], _mm_loadu_si128((const __m128i *)tails));                             \
            }                                                                                                          \
        }                                                                                                              \
    }                                                                                                                  \
    /* Eight rows times one vector: eight independent sums (four would leave vpdpbusd waiting on its latency). */      \
    __attribute__((target(features))) static inline void eight_rows_##suffix(                                          \
        const int8_t *a, long lda, const int8_t *q, long n, __m128i sums[2]) {                                         \
        __m256i acc[8];                                                                                                \
        for (int r = 0; r < 8; r++) acc[r] = _mm256_setzero_si256();                                                   \
        long j = 0;                                                                                                    \
        for (; j + 32 <= n; j += 32) {                                                                                 \
            __m256i x = _mm256_loadu_si256((const __m256i *)(q + j));                                                  \
            for (int r = 0; r < 8; r++) acc[r] = dot(acc[r], _mm256_loadu_si256((const __m256i *)(a + r * lda + j)), x); \
        }                                                                                                              \
        for (int half = 0; half < 2; half++) {                                                                         \
            __m256i *h = acc + 4 * half;                                                                               \
            __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(h[0], h[1]), _mm256_hadd_epi32(h[2], h[3]));               \
            sums[half] = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));                     \
            if (j < n) {                                                                                               \
                int32_t tails[4];                                                                                      \
                for (int r = 0; r < 4; r++) tails[r] = offset_tail(a + (4 * half + r) * lda, q, j, n);                 \
                sums[half] = _mm_add_epi32(sums[half], _mm_loadu_si128((const __m128i *)tails));                       \
            }                                                                                                          \
        }                                                                                                              \
    }                                                                                                                  \
    __attribute__((target(features))) static inline int32_t one_row_##suffix(                                          \
        const int8_t *a, const int8_t *q, long n) {                                                                    \
        __m256i acc = _mm256_setzero_si256();                                                                          \
        long j = 0;                                                                                                    \
        for (; j + 32 <= n; j += 32) {                                                                                 \
            acc = dot(acc, _mm256_loadu_si256((const __m256i *)(a + j)),                                               \
                      _mm256_loadu_si256((const __m256i *)(q + j)));                                                   \
        }                                                                                                              \
        return horizontal_sum(acc) + offset_tail(a, q, j, n);                                                          \
    }                                                                                                                  \
    __attribute__((target(features))) static inline int32_t vector_sum_##suffix(const int8_t *q, long n) {             \
        const __m256i ones = _mm256_set1_epi8(1);                                                                      \
        __m256i acc = _mm256_setzero_si256();                                                                          \
        long j = 0;                                                                                                    \
        for (; j + 32 <= n; j += 32) acc = dot(acc, ones, _mm256_loadu_si256((const __m256i *)(q + j)));               \
        int32_t sum = horizontal_sum(acc);                                                                             \
        for (; j < n; j++) sum += q[j];                                                                                \
        return sum;                                                                                                    \
    }                                                                                                                  \
    __attribute__((target(features))) static void gemm_rows_##suffix(                                                  \
        long m, long n, const int8_t *a, long lda, const float *row_scales, const int8_t *q, long ldq,                 \
        const float *q_scales, long q_scale_stride, long vectors, float beta, float *y, long ldy) {                    \
        /* Vectors in groups whose 128·Σx are kept; four rows at a time (in L1) against four vectors at a time. */     \
        enum { group = 32 };                                                                                           \
        int32_t offsets[group];                                                                                        \
        for (long first = 0; first < vectors; first += group) {                                                        \
            long count = vectors - first < group ? vectors - first : group;                                            \
            for (long b = 0; b < count; b++) offsets[b] = 128 * vector_sum_##suffix(q + (first + b) * ldq, n);         \
            /* Vectors four at a time, four rows at a time; the vectors left, alone, eight rows at a time. */          \
            long rows = m / 4 * 4, fours = count / 4 * 4;                                                              \
            for (long i = 0; i < rows; i += 4) {                                                                       \
                for (long b = first; b < first + fours; b += 4) {                                                      \
                    __m128i sums[4];                                                                                   \
                    four_by_four_##suffix(a + i * lda, lda, q + b * ldq, ldq, n, sums);                                \
                    for (int v = 0; v < 4; v++) {                                                                      \
                        finish4(y + (b + v) * ldy + i, _mm_sub_epi32(sums[v], _mm_set1_epi32(offsets[b + v - first])), \
                                row_scales + i, q_scales[(b + v) * q_scale_stride], beta);                             \
                    }                                                                                                  \
                }                                                                                                      \
            }                                                                                                          \
            for (long b = first + fours; b < first + count; b++) {                                                     \
                __m128i offset = _mm_set1_epi32(offsets[b - first]);                                                   \
                float q_scale = q_scales[b * q_scale_stride];                                                          \
                long i = 0;                                                                                            \
                for (; i + 8 <= rows; i += 8) {                                                                        \
                    __m128i sums[2];                                                                                   \
                    eight_rows_##suffix(a + i * lda, lda, q + b * ldq, n, sums);                                       \
                    finish4(y + b * ldy + i, _mm_sub_epi32(sums[0], offset), row_scales + i, q_scale, beta);           \
                    finish4(y + b * ldy + i + 4, _mm_sub_epi32(sums[1], offset), row_scales + i + 4, q_scale, beta);   \
                }                                                                                                      \
                if (i < rows) {                                                                                        \
                    int32_t sums[4];                                                                                   \
                    four_rows_##suffix(a + i * lda, lda, q + b * ldq, n, sums);                                        \
                    finish4(y + b * ldy + i, _mm_sub_epi32(_mm_loadu_si128((const __m128i *)sums), offset),            \
                            row_scales + i, q_scale, beta);                                                            \
                }                                                                                                      \
            }                                                                                                          \
            long i = rows;                                                                                             \
            for (; i < m; i++) {                                                                                       \
                for (long b = first; b < first + count; b++) {                                                         \
                    finish(y + b * ldy + i, one_row_##suffix(a + i * lda, q + b * ldq, n) - offsets[b - first],        \
                           row_scales[i], q_scales[b * q_scale_stride], beta);                                         \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
    }

/// finish() for four consecutive results y[0…3] of one vector, lane by lane: the same float operations in the same
/// order, so the same bits.
KERNEL_TARGET static inline void finish4(float *y, __m128i sums, const float *row_scales, float q_scale, float beta) {
    __m128 product = _mm_mul_ps(_mm_cvtepi32_ps(sums), _mm_mul_ps(_mm_loadu_ps(row_scales), _mm_set1_ps(q_scale)));
    if (beta == 0) {
        _mm_storeu_ps(y, product);
    } else {
        _mm_storeu_ps(y, _mm_add_ps(_mm_mul_ps(_mm_set1_ps(beta), _mm_loadu_ps(y)), product));
    }
}

/// Σ (w + 128)·x over the tail of a row in the offset layout.
static inline int32_t offset_tail(const int8_t *a, const int8_t *q, long j, long n) {
    int32_t sum = 0;
    for (; j < n; j++) sum += (int32_t)(uint8_t)a[j] * (int32_t)q[j];
    return sum;
}

VNNI_KERNELS(avx512vnni, "avx2,avx512vnni,avx512vl", _mm256_dpbusd_epi32)
VNNI_KERNELS(avxvnni, "avx2,avxvnni", _mm256_dpbusd_avx_epi32)

// The peak: each kernel's instructions for 32 products, from registers, on CHAINS independent accumulators (enough to
// hide the latency); the empty asm makes every step recompute its operands, as the kernel's loop does.
#define CHAINS 8

KERNEL_TARGET static long peak_avx2(long iterations) {
    __m256i acc[CHAINS], w[CHAINS];
    const __m256i x = _mm256_set1_epi8(3), magnitude = _mm256_abs_epi8(x), ones = _mm256_set1_epi16(1);
    for (int c = 0; c < CHAINS; c++) { acc[c] = _mm256_setzero_si256(); w[c] = _mm256_set1_epi8((char)(c + 1)); }
    for (long i = 0; i < iterations; i++) {
        for (int c = 0; c < CHAINS; c++) {
            __asm__ volatile("" : "+x"(w[c]));
            __m256i pairs = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w[c], x));
            acc[c] = _mm256_add_epi32(acc[c], _mm256_madd_epi16(pairs, ones));
        }
    }
    long sink = 0;
    for (int c = 0; c < CHAINS; c++) sink += horizontal_sum(acc[c]);
    return sink;
}

#define VNNI_PEAK(suffix, features, dot)                                                                               \
    __attribute__((target(features))) static long peak_##suffix(long iterations) {                                     \
        __m256i acc[CHAINS], w[CHAINS];                                                                                \
        const __m256i x = _mm256_set1_epi8(3);                                                                         \
        for (int c = 0; c < CHAINS; c++) { acc[c] = _mm256_setzero_si256(); w[c] = _mm256_set1_epi8((char)(c + 1)); }  \
        for (long i = 0; i < iterations; i++) {                                                                        \
            for (int c = 0; c < CHAINS; c++) {                                                                         \
                __asm__ volatile("" : "+x"(w[c]));                                                                     \
                acc[c] = dot(acc[c], w[c], x);                                                                         \
            }                                                                                                          \
        }                                                                                                              \
        long sink = 0;                                                                                                 \
        for (int c = 0; c < CHAINS; c++) sink += horizontal_sum(acc[c]);                                               \
        return sink;                                                                                                   \
    }
VNNI_PEAK(avx512vnni, "avx2,avx512vnni,avx512vl", _mm256_dpbusd_epi32)
VNNI_PEAK(avxvnni, "avx2,avxvnni", _mm256_dpbusd_avx_epi32)

long charlstm_int8_peak_steps(long iterations) {
    switch (charlstm_int8_kernel()) {
    case 1: return peak_avx2(iterations);
    case 4: return peak_avx512vnni(iterations);
    case 5: return peak_avxvnni(iterations);
    default: return 0;
    }
}

void charlstm_int8_quantize(long n, const float *x, float factor, int8_t *q) {
    if (charlstm_int8_kernel() != 0) {
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
int charlstm_int8_best_kernel(void) { return charlstm_int8_kernel(); }
int charlstm_int8_select_kernel(int code) { return code == charlstm_int8_kernel(); }
void charlstm_int8_to_kernel_layout(long count, int8_t *a) { (void)count; (void)a; }


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

// The peak: dot16's instructions for 16 products, from registers, on eight independent accumulators.
long charlstm_int8_peak_steps(long iterations) {
    int32x4_t acc[8];
    int8x16_t w[8];
    const int8x16_t x = vdupq_n_s8(3);
    for (int c = 0; c < 8; c++) { acc[c] = vdupq_n_s32(0); w[c] = vdupq_n_s8((int8_t)(c + 1)); }
    for (long i = 0; i < iterations; i++) {
        for (int c = 0; c < 8; c++) {
            __asm__ volatile("" : "+w"(w[c]));
            for (int half = 0; half < 2; half++) acc[c] = dot16(acc[c], (const int8_t *)&w[c], x);
        }
    }
    long sink = 0;
    for (int c = 0; c < 8; c++) sink += vaddvq_s32(acc[c]);
    return sink;
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
#if defined(__x86_64__)
    switch (charlstm_int8_kernel()) {
    case 4:
        gemm_rows_avx512vnni(m, n, a, lda, row_scales, q, ldq, q_scales, q_scale_stride, vectors, beta, y, ldy);
        return;
    case 5:
        gemm_rows_avxvnni(m, n, a, lda, row_scales, q, ldq, q_scales, q_scale_stride, vectors, beta, y, ldy);
        return;
    }
#endif
    gemm_rows(m, n, a, lda, row_scales, q, ldq, q_scales, q_scale_stride, vectors, beta, y, ldy);
}

#endif

#if !defined(__x86_64__) && !defined(__aarch64__)

int charlstm_int8_kernel(void) { return 0; }
long charlstm_int8_peak_steps(long iterations) { (void)iterations; return 0; }
int charlstm_int8_best_kernel(void) { return 0; }
int charlstm_int8_select_kernel(int code) { return code == 0; }
void charlstm_int8_to_kernel_layout(long count, int8_t *a) { (void)count; (void)a; }

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
