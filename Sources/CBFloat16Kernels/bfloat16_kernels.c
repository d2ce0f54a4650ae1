// Matrix products with bfloat16 inputs and float sums, for training with `--precision bf16`.
//
// bfloat16 is the upper half of a float: the same 8-bit exponent, 7 bits of mantissa instead of 23. Rounding a
// float to it keeps the range and loses precision (a relative error of at most 2⁻⁹), so products of activations
// and weights can be formed in bfloat16 while every sum stays in float. CPUs built for it multiply bfloat16
// pairs at a higher rate than floats:
//
// - AVX512_BF16 (AMD Zen 4 and later, Intel Cooper Lake and Sapphire Rapids): VDPBF16PS adds to each of sixteen
//   float lanes the two products of a pair of bfloat16 values, a[2i]·b[2i] + a[2i+1]·b[2i+1].
// - AMX-BF16 (Intel Sapphire Rapids and later): TDPBF16PS adds to a 16×16 float tile the product of a 16×32
//   bfloat16 tile by a 32×16 one, 8,192 multiply-adds in one instruction.
//
// Both read the right-hand operand in pairs of rows, interleaved: for a row pair r and column j the two values
// B[2r][j], B[2r+1][j] side by side. charlstm_bf16_pack_panels lays B out that way in panels of 16 columns (one
// 64-byte vector or tile row per row pair), zero-padded to a multiple of 32 rows, so a weight matrix can be
// packed once per training step and then multiplied at every time step. The left-hand operand is packed on each
// call, 16 rows at a time with k contiguous, which is both an AMX tile's layout and what VDPBF16PS broadcasts
// from. Padding is zeros, which add nothing to any sum.
//
// Every element of C is accumulated over all of k in registers or one tile, then combined with α and β: one
// thread, one order, the same bits for the same operands.
//
// The kernels are compiled with function target attributes and run only after the CPU (and, for AMX, Linux,
// which must grant a process the right to the 8 KiB of tile registers) said yes, so the binary runs on any
// x86-64. Elsewhere charlstm_bf16_best_kernel answers CHARLSTM_BF16_NONE and the engine refuses bf16.

#include "bfloat16_kernels.h"

#include <stdlib.h>
#include <string.h>

static int selected = CHARLSTM_BF16_NONE;

int charlstm_bf16_kernel(void) { return selected; }

// Round to nearest, ties to even, keeping NaNs NaN (quiet) and flushing subnormals to zero, as VCVTNEPS2BF16
// does (the dot products would treat them as zero anyway), so that this and the vector conversion agree.
static inline uint16_t to_bfloat16(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
    if ((u & 0x7f800000u) == 0) return (uint16_t)((u >> 16) & 0x8000u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static inline float from_bfloat16(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

void charlstm_bf16_round(const float *x, float *y, long count) {
    for (long i = 0; i < count; i++) y[i] = from_bfloat16(to_bfloat16(x[i]));
}

static inline long round_up(long x, long to) { return (x + to - 1) / to * to; }

// k padded to whole AMX tiles of 32 values (16 row pairs).
static inline long padded_depth(long k) { return round_up(k, 32); }

size_t charlstm_bf16_panels_count(long k, long n) { return (size_t)(round_up(n, 16) * padded_depth(k)); }

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

// Which state the operating system saves for us (XCR0): AVX-512's (bits 5–7) and AMX's tile registers (17, 18).
static uint64_t enabled_state(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;  // no XGETBV
    uint32_t low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return ((uint64_t)high << 32) | low;
}

static int cpu_has_avx512_bf16(void) {
    unsigned a, b, c, d;
    if ((enabled_state() & 0xe6) != 0xe6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (!(b & (1u << 16)) || !(b & (1u << 30)) || !(b & (1u << 31))) return 0;  // AVX512F, BW, VL
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
    return (a >> 5) & 1;  // AVX512_BF16
}

static int cpu_has_amx_bf16(void) {
    unsigned a, b, c, d;
    if ((enabled_state() & 0x60000) != 0x60000) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (!((d >> 22) & 1) || !((d >> 24) & 1)) return 0;  // AMX-BF16, AMX-TILE
#if defined(__linux__)
    // Linux hands out the tile registers only to a process that asks (ARCH_REQ_XCOMP_PERM for XTILEDATA).
    return syscall(SYS_arch_prctl, 0x1023, 18) == 0;
#else
    return 0;
#endif
}

static int best = -1;

int charlstm_bf16_best_kernel(void) {
    if (best < 0) best = cpu_has_amx_bf16() ? CHARLSTM_BF16_AMX : cpu_has_avx512_bf16() ? CHARLSTM_BF16_AVX512 : CHARLSTM_BF16_NONE;
    return best;
}

int charlstm_bf16_select_kernel(int kernel) {
    const int most = charlstm_bf16_best_kernel();
    if (kernel == CHARLSTM_BF16_NONE) { selected = kernel; return 1; }
    if (most == CHARLSTM_BF16_NONE || kernel > most) return 0;
    // A CPU with AMX-BF16 has AVX512_BF16 as well, but ask.
    if (kernel == CHARLSTM_BF16_AVX512 && !cpu_has_avx512_bf16()) return 0;
    selected = kernel;
    return 1;
}

// Each thread's packing buffers, grown when a product needs more and kept: after the first training steps no
// product allocates.
static _Thread_local uint16_t *rows_buffer, *panels_buffer;
static _Thread_local size_t rows_capacity, panels_capacity;

static uint16_t *reserve(uint16_t **buffer, size_t *capacity, size_t count) {
    if (count > *capacity) {
        free(*buffer);
        *buffer = aligned_alloc(64, round_up((long)count * 2, 64));
        if (!*buffer) abort();
        *capacity = count;
    }
    return *buffer;
}

// ---- Packing (AVX-512: every CPU with a bfloat16 kernel has it) ----

#define PACKING __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

// Sixteen floats from each of two rows (the first `count`; zeros past them), rounded and interleaved:
// element 2j is x0[j], element 2j + 1 is x1[j] (x1 may be NULL: zeros), so dword j is the pair for column j.
PACKING static inline __m512i interleave_pairs(const float *x0, const float *x1, __mmask16 valid) {
    const __m256i low = (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(valid, x0));
    const __m256i high = x1 ? (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(valid, x1)) : _mm256_setzero_si256();
    const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1);
    const __m512i order = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                           23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(order, both);
}

PACKING static inline __mmask16 first(long count) {
    return count >= 16 ? 0xffff : count <= 0 ? 0 : (__mmask16)((1u << count) - 1);
}

// The 16×16 transpose of 32-bit elements: afterwards r[i][t] is what r[t][i] was.
PACKING static inline void transpose16(__m512i r[16]) {
    __m512i t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
        r[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
        r[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        r[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xdd);
    }
}

// 32 floats from `x` (the first `count`; zeros past them) rounded: 16 pairs, one per dword.
PACKING static inline __m512i rounded_pairs(const float *x, long count) {
    const __m256i low = (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(first(count), x));
    const __m256i high = (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(first(count - 16), x + 16));
    return _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1);
}

// x[0..<count] rounded into y.
PACKING static void round_run(const float *x, uint16_t *y, long count) {
    for (long j = 0; j < count; j += 16) {
        const __mmask16 valid = first(count - j);
        _mm256_mask_storeu_epi16(y + j, valid, (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(valid, x + j)));
    }
}

// Panel `index` (16 rows or columns of `total`, each `depth` deep) of `packed`, zeroed where the operand will not
// fill it; `*count` is how many of its 16 it holds.
static uint16_t *start_panel(uint16_t *packed, long index, long total, long k, long *count) {
    const long depth = padded_depth(k);
    uint16_t *panel = packed + index * 16 * depth;
    *count = total - index * 16 < 16 ? total - index * 16 : 16;
    if (*count < 16 || k < depth) memset(panel, 0, sizeof(uint16_t) * 16 * depth);
    return panel;
}

// Transposes 16 vectors of 16 pairs and stores vector i at out + i·stride.
PACKING static inline void store_transposed(__m512i pairs[16], uint16_t *out, long stride) {
    transpose16(pairs);
    for (long i = 0; i < 16; i++) _mm512_storeu_si512(out + i * stride, pairs[i]);
}

PACKING void charlstm_bf16_pack_panels(int transpose, long k, long n, const float *b, long ldb, uint16_t *panels) {
    for (long p = 0; p * 16 < n; p++) {
        long columns;
        uint16_t *panel = start_panel(panels, p, n, k, &columns);
        if (transpose) {
            // Column j of B is row 16p + j of the stored matrix, contiguous in k: 32 of its values are 16 pairs,
            // and the 16 columns' pairs, transposed, are 16 row pairs of the panel.
            for (long kk = 0; kk < k; kk += 32) {
                __m512i pairs[16];
                for (long j = 0; j < 16; j++) {
                    pairs[j] = j < columns ? rounded_pairs(b + (p * 16 + j) * ldb + kk, k - kk) : _mm512_setzero_si512();
                }
                store_transposed(pairs, panel + kk * 16, 32);
            }
        } else {
            for (long kk = 0; kk < k; kk += 2) {
                const float *row = b + kk * ldb + p * 16;
                _mm512_storeu_si512(panel + kk * 16, interleave_pairs(row, kk + 1 < k ? row + ldb : 0, first(columns)));
            }
        }
    }
}

// op(A)'s rows [0, rows) packed 16 at a time: panel q holds rows 16q…16q+15, each `depth` values with k
// contiguous (zeros past k and past the last row).
PACKING static void pack_rows(int transposeA, long rows, long k, const float *a, long lda, uint16_t *out) {
    const long depth = padded_depth(k);
    for (long q = 0; q * 16 < rows; q++) {
        long count;
        uint16_t *panel = start_panel(out, q, rows, k, &count);
        if (transposeA) {
            // Row i of op(A) is column i of the stored matrix: two stored rows give the pairs of all 16 rows at
            // one k, and 16 such, transposed, are 32 values of each row.
            for (long kk = 0; kk < k; kk += 32) {
                __m512i pairs[16];
                for (long t = 0; t < 16; t++) {
                    const long at = kk + 2 * t;
                    const float *stored = a + at * lda + q * 16;
                    pairs[t] = at < k ? interleave_pairs(stored, at + 1 < k ? stored + lda : 0, first(count))
                                      : _mm512_setzero_si512();
                }
                store_transposed(pairs, panel + kk, depth);
            }
        } else {
            for (long i = 0; i < count; i++) round_run(a + (q * 16 + i) * lda, panel + i * depth, k);
        }
    }
}

// C[rows×columns] = α·T + β·C for one 16×16 float tile T (row stride 16) of which `rows`×`columns` are real.
// β 0 ignores what C held.
PACKING static void store_tile(const float *tile, long rows, long columns, float alpha, float beta, float *c, long ldc) {
    const __mmask16 valid = first(columns);
    const __m512 a = _mm512_set1_ps(alpha), b = _mm512_set1_ps(beta);
    for (long i = 0; i < rows; i++) {
        __m512 t = _mm512_mul_ps(a, _mm512_load_ps(tile + i * 16));
        if (beta != 0) t = _mm512_fmadd_ps(b, _mm512_maskz_loadu_ps(valid, c + i * ldc), t);
        _mm512_mask_storeu_ps(c + i * ldc, valid, t);
    }
}

// ---- AMX: a block of up to 32×32 of C in four tiles, over all of k ----

struct tile_config {
    uint8_t palette;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t bytes_per_row[16];
    uint8_t rows[16];
};

// Tiles 0–3 accumulate C (16 rows of 16 floats), 4–5 hold two 16-row panels of A's k block (16 rows of 32
// bfloat16), 6–7 two panels of B's (16 row pairs of 16 interleaved columns): every tile 16 rows of 64 bytes.
__attribute__((target("amx-tile")))
static void configure_tiles(void) {
    struct tile_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) {
        config.rows[t] = 16;
        config.bytes_per_row[t] = 64;
    }
    _tile_loadconfig(&config);
}

__attribute__((target("amx-tile")))
static void release_tiles(void) { _tile_release(); }

// tiles[q·2 + p] = Σ_k A panel q · B panel p for the panels given (a1, b1 may be NULL).
__attribute__((target("amx-tile,amx-bf16")))
static void amx_block(const uint16_t *a0, const uint16_t *a1, const uint16_t *b0, const uint16_t *b1, long depth,
                      float tiles[4][256]) {
    const long stride = depth * 2;  // bytes from one row of an A panel to the next
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (long kb = 0; kb < depth; kb += 32) {
        const uint16_t *bk0 = b0 + kb * 16, *bk1 = b1 ? b1 + kb * 16 : 0;
        _tile_loadd(4, a0 + kb, stride);
        _tile_loadd(6, bk0, 64);
        _tile_dpbf16ps(0, 4, 6);
        if (b1) {
            _tile_loadd(7, bk1, 64);
            _tile_dpbf16ps(1, 4, 7);
        }
        if (a1) {
            _tile_loadd(5, a1 + kb, stride);
            _tile_dpbf16ps(2, 5, 6);
            if (b1) _tile_dpbf16ps(3, 5, 7);
        }
    }
    _tile_stored(0, tiles[0], 64);
    if (b1) _tile_stored(1, tiles[1], 64);
    if (a1) {
        _tile_stored(2, tiles[2], 64);
        if (b1) _tile_stored(3, tiles[3], 64);
    }
}

// ---- AVX512_BF16: one 16-row panel of A by up to two panels of B, eight rows at a time ----

__attribute__((target("avx512f,avx512bf16")))
static void dot_block(const uint16_t *a, const uint16_t *b0, const uint16_t *b1, long depth, float tiles[4][256]) {
    for (int half = 0; half < 2; half++) {
        const uint16_t *rows = a + half * 8 * depth;
        __m512 s[8][2];
        for (int i = 0; i < 8; i++) s[i][0] = s[i][1] = _mm512_setzero_ps();
        for (long r = 0; r < depth / 2; r++) {
            const __m512bh v0 = (__m512bh)_mm512_loadu_si512(b0 + r * 32);
            const __m512bh v1 = b1 ? (__m512bh)_mm512_loadu_si512(b1 + r * 32) : (__m512bh)_mm512_setzero_si512();
#pragma GCC unroll 8
            for (int i = 0; i < 8; i++) {
                int32_t pair;
                memcpy(&pair, rows + i * depth + 2 * r, sizeof pair);
                const __m512bh x = (__m512bh)_mm512_set1_epi32(pair);
                s[i][0] = _mm512_dpbf16_ps(s[i][0], x, v0);
                s[i][1] = _mm512_dpbf16_ps(s[i][1], x, v1);
            }
        }
        for (int i = 0; i < 8; i++) {
            _mm512_storeu_ps(tiles[0] + (half * 8 + i) * 16, s[i][0]);
            _mm512_storeu_ps(tiles[1] + (half * 8 + i) * 16, s[i][1]);
        }
    }
}

// ---- Products ----

// Rows of op(A) packed per block: as many 16-row panels as fill about 1 MiB (at least two, at most 32), so a block
// stays in a core's L2 while every panel of B passes it.
static long block_rows(long depth) {
    long panels = (1L << 20) / (depth * 2 * 16);
    panels = panels < 2 ? 2 : panels > 32 ? 32 : panels;
    return panels * 16;
}

void charlstm_bf16_gemm_panels(int transposeA, long m, long n, long k, float alpha, const float *a, long lda,
                               const uint16_t *panels, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0) {
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
        return;
    }
    const long depth = padded_depth(k), mc = block_rows(depth);
    const long columnPanels = (n + 15) / 16;
    const int amx = selected == CHARLSTM_BF16_AMX;
    uint16_t *packed = reserve(&rows_buffer, &rows_capacity, (size_t)(round_up(m < mc ? m : mc, 16) * depth));
    float tiles[4][256] __attribute__((aligned(64)));
    if (amx) configure_tiles();
    for (long i0 = 0; i0 < m; i0 += mc) {
        const long rows = m - i0 < mc ? m - i0 : mc;
        const long rowPanels = (rows + 15) / 16;
        pack_rows(transposeA, rows, k, transposeA ? a + i0 : a + i0 * lda, lda, packed);
        for (long p = 0; p < columnPanels; p += 2) {
            const uint16_t *b0 = panels + p * 16 * depth, *b1 = p + 1 < columnPanels ? b0 + 16 * depth : 0;
            const long j0 = p * 16;
            const long cols0 = n - j0 < 16 ? n - j0 : 16, cols1 = b1 ? (n - j0 - 16 < 16 ? n - j0 - 16 : 16) : 0;
            for (long q = 0; q < rowPanels; q += amx ? 2 : 1) {
                const uint16_t *a0 = packed + q * 16 * depth;
                const uint16_t *a1 = amx && q + 1 < rowPanels ? a0 + 16 * depth : 0;
                if (amx) amx_block(a0, a1, b0, b1, depth, tiles);
                else dot_block(a0, b0, b1, depth, tiles);
                const long r0 = rows - q * 16 < 16 ? rows - q * 16 : 16;
                float *out = c + (i0 + q * 16) * ldc + j0;
                store_tile(tiles[0], r0, cols0, alpha, beta, out, ldc);
                if (b1) store_tile(tiles[1], r0, cols1, alpha, beta, out + 16, ldc);
                if (a1) {
                    const long r1 = rows - q * 16 - 16 < 16 ? rows - q * 16 - 16 : 16;
                    store_tile(tiles[2], r1, cols0, alpha, beta, out + 16 * ldc, ldc);
                    if (b1) store_tile(tiles[3], r1, cols1, alpha, beta, out + 16 * ldc + 16, ldc);
                }
            }
        }
    }
    if (amx) release_tiles();
}

void charlstm_bf16_gemm(int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                        const float *b, long ldb, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    uint16_t *panels = reserve(&panels_buffer, &panels_capacity, charlstm_bf16_panels_count(k > 0 ? k : 1, n));
    if (k > 0) charlstm_bf16_pack_panels(transposeB, k, n, b, ldb, panels);
    charlstm_bf16_gemm_panels(transposeA, m, n, k, alpha, a, lda, panels, beta, c, ldc);
}

#else  // not x86-64: no kernel, and charlstm_bf16_select_kernel never selects one, so no product is ever asked for

int charlstm_bf16_best_kernel(void) { return CHARLSTM_BF16_NONE; }
int charlstm_bf16_select_kernel(int kernel) { return kernel == CHARLSTM_BF16_NONE; }

void charlstm_bf16_pack_panels(int transpose, long k, long n, const float *b, long ldb, uint16_t *panels) {
    (void)transpose; (void)k; (void)n; (void)b; (void)ldb; (void)panels;
    abort();
}

void charlstm_bf16_gemm_panels(int transposeA, long m, long n, long k, float alpha, const float *a, long lda,
                               const uint16_t *panels, float beta, float *c, long ldc) {
    (void)transposeA; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)panels; (void)beta;
    (void)c; (void)ldc;
    abort();
}

void charlstm_bf16_gemm(int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                        const float *b, long ldb, float beta, float *c, long ldc) {
    (void)transposeA; (void)transposeB; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b;
    (void)ldb; (void)beta; (void)c; (void)ldc;
    abort();
}

#endif

