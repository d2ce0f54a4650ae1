// OpenBLAS's speed on the few-row products of a recurrent step, whole and cut into column blocks of at most 10^6
// multiply-adds (the size up to which OpenBLAS's AVX-512 builds use their unpacked small-product kernels). This is
// the measurement behind CBLASLibrary.smallProductWidth.
//
//     gcc -O2 Benchmarks/openblas_small_products.c -o /tmp/small_products -lopenblas
//     OPENBLAS_NUM_THREADS=1 /tmp/small_products
//     OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell /tmp/small_products    # the AVX2 kernels instead
//
// Each line: C (m×n) += A (m×k) · B (k×n), row-major, no transposes, one thread; GFLOP/s of the best of five
// timed loops, for the whole product and for blocks `width` columns wide.
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// Best rate over five loops of `repeats` products, each done as ceil(n / width) calls.
static double gflops(int m, int n, int k, int width, const float *a, const float *b, float *c) {
    const int repeats = 1000;
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        double start = seconds();
        for (int r = 0; r < repeats; r++) {
            for (int j = 0; j < n; j += width) {
                int columns = n - j < width ? n - j : width;
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, columns, k, 1.0f, a, k, b + j, n,
                            1.0f, c + j, n);
            }
        }
        double elapsed = seconds() - start;
        if (elapsed < best) best = elapsed;
    }
    return 2.0 * m * n * k * repeats / best / 1e9;
}

int main(void) {
    // Rows: the streams one thread takes (25 or 50); n × k: the recurrent products of 128- to 512-unit layers.
    const int shapes[][3] = {
        {25, 512, 128}, {25, 128, 512}, {25, 768, 192}, {25, 1024, 256}, {25, 2048, 512}, {25, 512, 1024},
        {50, 512, 128}, {50, 128, 512}, {50, 1024, 256}, {50, 2048, 512}, {50, 512, 1024}, {50, 512, 2048},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = calloc(m * n, sizeof(float));
        for (int i = 0; i < m * k; i++) a[i] = (float)(i % 7) * 0.1f;
        for (int i = 0; i < k * n; i++) b[i] = (float)(i % 5) * 0.1f;
        // Equal blocks, a multiple of 16 wide, within 10^6 multiply-adds (as smallProductWidth, without its floor
        // of 32 columns, below which it leaves the product whole).
        int widest = 1000000 / (m * k) / 16 * 16, width = n;
        if (widest > 0 && widest < n) {
            int blocks = (n + widest - 1) / widest;
            width = ((n + blocks - 1) / blocks + 15) / 16 * 16;
        }
        printf("%2d x %4d x %4d   whole %6.1f GFLOP/s", m, n, k, gflops(m, n, k, n, a, b, c));
        if (width < n) printf("   blocks of %3d columns %6.1f GFLOP/s", width, gflops(m, n, k, width, a, b, c));
        printf("\n");
        free(a);
        free(b);
        free(c);
    }
    return 0;
}
