// The multiply-add peak of one core in each precision charlstm can train in: float32 FMA (AVX-512, else AVX2),
// AVX512_BF16's VDPBF16PS and AMX-BF16's TDPBF16PS, each from registers (or tiles) only, with enough independent
// accumulators to hide the latency. The GFLOP/s beside `charlstm bench`'s figures in docs/bf16.md come from here.
//
//     $(dirname $(which swift))/clang -O2 -o /tmp/precision_peak Benchmarks/precision_peak.c && /tmp/precision_peak
//
// (GCC 12 keeps the accumulator arrays in memory and measures a third of the FMA peak; Clang keeps them in registers.)
//
// Prints one line per precision the CPU has (best of five runs of about 0.3 s each), and says which it lacks.
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define CHAINS 12
static volatile float sink;

// Each loop runs CHAINS independent accumulator chains; the empty asm keeps the compiler from merging them.
__attribute__((target("avx512f"))) static double fma512(long n) {
    __m512 s[CHAINS];
    for (int j = 0; j < CHAINS; j++) s[j] = _mm512_setzero_ps();
    const __m512 x = _mm512_set1_ps(1.0001f), y = _mm512_set1_ps(0.9999f);
    double t = now();
    for (long i = 0; i < n; i++)
#pragma GCC unroll 12
        for (int j = 0; j < CHAINS; j++) {
            s[j] = _mm512_fmadd_ps(s[j], x, y);
            __asm__ volatile("" : "+v"(s[j]));
        }
    t = now() - t;
    for (int j = 0; j < CHAINS; j++) sink += _mm512_reduce_add_ps(s[j]);
    return n * CHAINS * 16.0 * 2 / t / 1e9;
}

__attribute__((target("avx2,fma"))) static double fma256(long n) {
    __m256 s[CHAINS];
    for (int j = 0; j < CHAINS; j++) s[j] = _mm256_setzero_ps();
    const __m256 x = _mm256_set1_ps(1.0001f), y = _mm256_set1_ps(0.9999f);
    double t = now();
    for (long i = 0; i < n; i++)
#pragma GCC unroll 12
        for (int j = 0; j < CHAINS; j++) {
            s[j] = _mm256_fmadd_ps(s[j], x, y);
            __asm__ volatile("" : "+v"(s[j]));
        }
    t = now() - t;
    float out[8];
    for (int j = 0; j < CHAINS; j++) { _mm256_storeu_ps(out, s[j]); sink += out[0]; }
    return n * CHAINS * 8.0 * 2 / t / 1e9;
}

// VDPBF16PS: 16 lanes, each two bfloat16 products per instruction.
__attribute__((target("avx512f,avx512bf16"))) static double dpbf16(long n) {
    __m512 s[CHAINS];
    for (int j = 0; j < CHAINS; j++) s[j] = _mm512_setzero_ps();
    const __m512bh x = (__m512bh)_mm512_set1_epi32(0x3f803f80);
    double t = now();
    for (long i = 0; i < n; i++)
#pragma GCC unroll 12
        for (int j = 0; j < CHAINS; j++) {
            s[j] = _mm512_dpbf16_ps(s[j], x, x);
            __asm__ volatile("" : "+v"(s[j]));
        }
    t = now() - t;
    for (int j = 0; j < CHAINS; j++) sink += _mm512_reduce_add_ps(s[j]);
    return n * CHAINS * 32.0 * 2 / t / 1e9;
}

struct tile_config {
    uint8_t palette, start_row, reserved[14];
    uint16_t bytes_per_row[16];
    uint8_t rows[16];
};

// TDPBF16PS on four independent 16×16 accumulator tiles (2×2 blocking, as charlstm's kernel uses), operands
// loaded once. A second figure loads the four operand tiles before every four products, as a real product must.
__attribute__((target("amx-tile,amx-bf16"))) static double amx(long n, int loads) {
    struct tile_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) { config.rows[t] = 16; config.bytes_per_row[t] = 64; }
    _tile_loadconfig(&config);
    static uint16_t operand[4][512] __attribute__((aligned(64)));
    for (int i = 0; i < 512; i++) operand[0][i] = operand[1][i] = operand[2][i] = operand[3][i] = 0x3f80;
    _tile_loadd(4, operand[0], 64);
    _tile_loadd(5, operand[1], 64);
    _tile_loadd(6, operand[2], 64);
    _tile_loadd(7, operand[3], 64);
    _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);
    double t = now();
    for (long i = 0; i < n; i++) {
        if (loads) {
            _tile_loadd(4, operand[0], 64);
            _tile_loadd(5, operand[1], 64);
            _tile_loadd(6, operand[2], 64);
            _tile_loadd(7, operand[3], 64);
        }
        _tile_dpbf16ps(0, 4, 6); _tile_dpbf16ps(1, 4, 7); _tile_dpbf16ps(2, 5, 6); _tile_dpbf16ps(3, 5, 7);
    }
    t = now() - t;
    static float out[256] __attribute__((aligned(64)));
    _tile_stored(0, out, 64);
    _tile_release();
    sink += out[0];
    return n * 4.0 * 16 * 16 * 32 * 2 / t / 1e9;
}

static double best(double (*run)(long), long n) {
    double top = 0;
    for (int r = 0; r < 5; r++) { double g = run(n); if (g > top) top = g; }
    return top;
}

static double amx_registers(long n) { return amx(n, 0); }
static double amx_loading(long n) { return amx(n, 1); }

int main(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) printf("fp32 FMA (AVX-512)        %7.1f GFLOP/s per core\n", best(fma512, 20000000));
    else if (__builtin_cpu_supports("avx2")) printf("fp32 FMA (AVX2)           %7.1f GFLOP/s per core\n", best(fma256, 20000000));
    if (__builtin_cpu_supports("avx512bf16")) printf("bf16 VDPBF16PS            %7.1f GFLOP/s per core\n", best(dpbf16, 20000000));
    else printf("bf16 VDPBF16PS            none (no AVX512_BF16)\n");
    int amx_ok = 0;
#if defined(__linux__)
    unsigned a, b, c, d;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    amx_ok = ((d >> 22) & 1) && ((d >> 24) & 1) && syscall(SYS_arch_prctl, 0x1023, 18) == 0;
#endif
    if (amx_ok) {
        printf("bf16 AMX TDPBF16PS        %7.1f GFLOP/s per core (operands in tiles)\n", best(amx_registers, 400000));
        printf("bf16 AMX TDPBF16PS        %7.1f GFLOP/s per core (four tile loads per four products)\n", best(amx_loading, 400000));
    } else {
        printf("bf16 AMX TDPBF16PS        none (no AMX-BF16, or the kernel did not grant the tiles)\n");
    }
    return 0;
}
