// Times the bf16 kernels alone on the products of a 2×512 LSTM training step (one thread), and prints GFLOP/s:
// a recurrent step's h·W_hhᵀ (50×512 by 512×2048, weights packed once), the input product of a chunk
// (2500×512 by 512×2048), the first layer's (2500×64 by 64×2048), and a weight gradient dGatesᵀ·X (2048×2500 by
// 2500×512, both operands packed by the product). KERNEL is 1 (AVX512_BF16) or 2 (AMX).
//
//   clang -O2 -ISources/CBFloat16Kernels/include Benchmarks/bfloat16_kernel_speed.c \
//       Sources/CBFloat16Kernels/bfloat16_kernels.c -o /tmp/bf16speed && /tmp/bf16speed 2
//
// Benchmarks/onednn_bf16_products.py times the same shapes through PyTorch's oneDNN, for comparison.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "bfloat16_kernels.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *filled(long count) {
    float *x = malloc(sizeof(float) * count);
    for (long i = 0; i < count; i++) x[i] = 0.01f * (float)(i % 13) - 0.06f;
    return x;
}

// C[m×n] = A[m×k]·Wᵀ with W (n×k) packed once: the best of five timings of `reps` products.
static double by_panels(long m, long n, long k, int reps) {
    float *a = filled(m * k), *w = filled(n * k), *c = filled(m * n);
    uint16_t *panels = malloc(sizeof(uint16_t) * charlstm_bf16_panels_count(k, n));
    charlstm_bf16_pack_panels(1, k, n, w, k, panels);
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        double t = now();
        for (int r = 0; r < reps; r++) charlstm_bf16_gemm_panels(0, m, n, k, 1, a, k, panels, 0, c, n);
        t = (now() - t) / reps;
        if (t < best) best = t;
    }
    free(a); free(w); free(c); free(panels);
    return 2.0 * m * n * k / best / 1e9;
}

// C[m×n] += Aᵀ·B with A stored k×m and B k×n, both packed by the product.
static double packing(long m, long n, long k, int reps) {
    float *a = filled(k * m), *b = filled(k * n), *c = filled(m * n);
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        double t = now();
        for (int r = 0; r < reps; r++) charlstm_bf16_gemm(1, 0, m, n, k, 1, a, m, b, n, 1, c, n);
        t = (now() - t) / reps;
        if (t < best) best = t;
    }
    free(a); free(b); free(c);
    return 2.0 * m * n * k / best / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 2 || !charlstm_bf16_select_kernel(atoi(argv[1])) || atoi(argv[1]) == 0) {
        fprintf(stderr, "usage: %s KERNEL (1 AVX512_BF16, 2 AMX; this CPU's best is %d)\n", argv[0],
                charlstm_bf16_best_kernel());
        return 2;
    }
    printf("h·W_hhᵀ      50×512 by 512×2048    %6.1f GFLOP/s\n", by_panels(50, 2048, 512, 100));
    printf("X·W_ihᵀ    2500×512 by 512×2048    %6.1f GFLOP/s\n", by_panels(2500, 2048, 512, 4));
    printf("X·W_ihᵀ    2500×64  by 64×2048     %6.1f GFLOP/s\n", by_panels(2500, 2048, 64, 20));
    printf("dGᵀ·X      2048×2500 by 2500×512   %6.1f GFLOP/s\n", packing(2048, 512, 2500, 4));
    return 0;
}
