// Times the F16 kernels alone: charlstm_half_gemm_rows for VECTORS vectors of a 2048×512 half matrix (one LSTM
// layer's recurrent product at 512 units), REPS times, and prints one result so the work cannot be skipped.
// Compare two builds of half_kernels.c side by side:
//
//   cc -O2 -ISources/CHalfKernels/include Benchmarks/half_kernel_speed.c Sources/CHalfKernels/half_kernels.c -o /tmp/new
//   farm-bench -n 9 --vs '/tmp/old 16 2000' -- /tmp/new 16 2000
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "half_kernels.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s VECTORS REPS\n", argv[0]);
        return 2;
    }
    long m = 2048, n = 512, vectors = atol(argv[1]), reps = atol(argv[2]);
    uint16_t *a = malloc(sizeof(uint16_t) * m * n);
    float *x = malloc(sizeof(float) * vectors * n), *y = malloc(sizeof(float) * vectors * m);
    for (long i = 0; i < m * n; i++) a[i] = (uint16_t)(0x3C00 + i % 7);   // 1.0 and the halves just above it
    for (long i = 0; i < vectors * n; i++) x[i] = (float)(i % 13) * 0.01f;
    for (long r = 0; r < reps; r++) charlstm_half_gemm_rows(m, n, a, n, x, n, vectors, 0, y, m);
    printf("%d-lane kernels, y[5] = %f\n", charlstm_half_kernel_lanes(), y[5]);
    free(a); free(x); free(y);
    return 0;
}
