// Matrix-vector products with half-precision weights, for the batch-1 recurrence (priming and sampling).
//
// A batch-1 step reads every weight once and does one multiply-add with it, so it is bound by how fast weights
// arrive from memory; weights stored as 16-bit halves arrive twice as fast as floats. F16C widens eight halves to
// eight floats in one instruction (vcvtph2ps), after which the arithmetic is an ordinary float FMA.
//
// On x86-64 the kernel is compiled for F16C/AVX2/FMA with a function attribute rather than for the whole package,
// and is only called after charlstm_half_gemv_available() has asked the CPU, so the binary still runs on any
// x86-64. On 64-bit ARM (Apple silicon, Graviton) every CPU converts halves in its NEON unit (FCVTL widens four
// halves to four floats), so the kernel is always there. Both widen and then multiply-add in float: the result
// is the float product of the same weights, summed in a different order, never a half-precision sum.

#include "half_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

int charlstm_half_gemv_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

__attribute__((target("avx2,fma,f16c")))
static inline float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma,f16c")))
void charlstm_half_gemv(long m, long n, const uint16_t *a, long lda, const float *x, float beta, float *y) {
    for (long i = 0; i < m; i++) {
        const uint16_t *row = a + i * lda;
        // Four independent accumulators hide the FMA latency; each takes every fourth group of eight.
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
        long j = 0;
        for (; j + 32 <= n; j += 32) {
            s0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + j))), _mm256_loadu_ps(x + j), s0);
            s1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + j + 8))), _mm256_loadu_ps(x + j + 8), s1);
            s2 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + j + 16))), _mm256_loadu_ps(x + j + 16), s2);
            s3 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + j + 24))), _mm256_loadu_ps(x + j + 24), s3);
        }
        for (; j + 8 <= n; j += 8) {
            s0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + j))), _mm256_loadu_ps(x + j), s0);
        }
        float sum = horizontal_sum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
        for (; j < n; j++) {
            sum += _cvtsh_ss(row[j]) * x[j];
        }
        y[i] = beta == 0 ? sum : beta * y[i] + sum;
    }
}

#elif defined(__aarch64__)
#include <arm_neon.h>

int charlstm_half_gemv_available(void) { return 1; }

void charlstm_half_gemv(long m, long n, const uint16_t *a, long lda, const float *x, float beta, float *y) {
    for (long i = 0; i < m; i++) {
        const float16_t *row = (const float16_t *)(a + i * lda);
        // Four independent accumulators hide the FMA latency; each takes every fourth group of four.
        float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0), s2 = vdupq_n_f32(0), s3 = vdupq_n_f32(0);
        long j = 0;
        for (; j + 16 <= n; j += 16) {
            float16x8_t lo = vld1q_f16(row + j), hi = vld1q_f16(row + j + 8);
            s0 = vfmaq_f32(s0, vcvt_f32_f16(vget_low_f16(lo)), vld1q_f32(x + j));
            s1 = vfmaq_f32(s1, vcvt_high_f32_f16(lo), vld1q_f32(x + j + 4));
            s2 = vfmaq_f32(s2, vcvt_f32_f16(vget_low_f16(hi)), vld1q_f32(x + j + 8));
            s3 = vfmaq_f32(s3, vcvt_high_f32_f16(hi), vld1q_f32(x + j + 12));
        }
        for (; j + 4 <= n; j += 4) {
            s0 = vfmaq_f32(s0, vcvt_f32_f16(vld1_f16(row + j)), vld1q_f32(x + j));
        }
        float sum = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
        for (; j < n; j++) {
            sum += (float)row[j] * x[j];
        }
        y[i] = beta == 0 ? sum : beta * y[i] + sum;
    }
}

#else

int charlstm_half_gemv_available(void) { return 0; }

void charlstm_half_gemv(long m, long n, const uint16_t *a, long lda, const float *x, float beta, float *y) {
    (void)m; (void)n; (void)a; (void)lda; (void)x; (void)beta; (void)y;
}

#endif
