// Checks charlstm_half_gemv (Sources/CHalfKernels) against a double-precision reference on random half matrices
// of awkward shapes, for the CPU it runs on, and charlstm_half_gemm_rows against it (each of several vectors must
// come out to the bit as it does alone); exits 0 when the worst error, relative to the sum of the products'
// magnitudes, is float rounding (below 1e-6) and no vector's bits differ. The engine's tests check the kernel on the machine they run on;
// this checks the other architecture's branch without such a machine, under emulation:
//
//   gcc -O2 -ISources/CHalfKernels/include Scripts/half_kernel_check.c Sources/CHalfKernels/half_kernels.c -lm -o /tmp/check && /tmp/check
//   # 64-bit ARM, with Debian's gcc-aarch64-linux-gnu and qemu-user:
//   aarch64-linux-gnu-gcc -O2 -ISources/CHalfKernels/include Scripts/half_kernel_check.c \
//       Sources/CHalfKernels/half_kernels.c -lm -o /tmp/check-arm && qemu-aarch64 -L /usr/aarch64-linux-gnu /tmp/check-arm
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include "half_kernels.h"

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, frac = h & 0x3FF, bits;
    if (exp == 0) { float m = ldexpf((float)frac, -24); return sign ? -m : m; }
    if (exp == 31) bits = sign | 0x7F800000 | (frac << 13);
    else bits = sign | ((exp - 15 + 127) << 23) | (frac << 13);
    float f; memcpy(&f, &bits, 4); return f;
}

int main(void) {
    if (!charlstm_half_gemv_available()) { printf("not available\n"); return 1; }
    srand(3);
    int shapes[][2] = {{1,1},{3,5},{7,17},{33,64},{64,100},{2048,512},{5,1027}};
    double worst = 0;
    int mismatches = 0;
    for (int s = 0; s < 7; s++) {
        long m = shapes[s][0], n = shapes[s][1], lda = n + 3;
        uint16_t *a = malloc(sizeof(uint16_t) * m * lda);
        float *x = malloc(sizeof(float) * n), *y = malloc(sizeof(float) * m);
        for (long i = 0; i < m * lda; i++) a[i] = (uint16_t)((rand() & 0x3FFF) | ((rand() & 1) << 15)) & 0xBBFF;
        for (long j = 0; j < n; j++) x[j] = (float)((double)rand() / RAND_MAX) - 0.5f;
        for (int pass = 0; pass < 2; pass++) {
            float beta = pass ? 0.5f : 0.0f;
            for (long i = 0; i < m; i++) y[i] = 1.0f;
            charlstm_half_gemv(m, n, a, lda, x, beta, y);
            for (long i = 0; i < m; i++) {
                double ref = beta * 1.0, scale = beta;
                for (long j = 0; j < n; j++) { double t = (double)half_to_float(a[i*lda+j]) * x[j]; ref += t; scale += fabs(t); }
                double err = fabs(y[i] - ref) / (scale + 1e-30);
                if (err > worst) worst = err;
            }
        }
        // Several vectors at once, each summed as alone.
        for (long vectors = 1; vectors <= 11; vectors += 2) {
            long ldx = n + 1, ldy = m + 2;
            float *xs = malloc(sizeof(float) * vectors * ldx), *ys = malloc(sizeof(float) * vectors * ldy);
            for (long k = 0; k < vectors * ldx; k++) xs[k] = (float)((double)rand() / RAND_MAX) - 0.5f;
            for (long k = 0; k < vectors * ldy; k++) ys[k] = 1.0f;
            charlstm_half_gemm_rows(m, n, a, lda, xs, ldx, vectors, 0.5f, ys, ldy);
            for (long b = 0; b < vectors; b++) {
                for (long i = 0; i < m; i++) y[i] = 1.0f;
                charlstm_half_gemv(m, n, a, lda, xs + b * ldx, 0.5f, y);
                if (memcmp(y, ys + b * ldy, sizeof(float) * m) != 0) {
                    printf("gemm_rows differs from gemv: m %ld n %ld vector %ld of %ld\n", m, n, b, vectors);
                    mismatches++;
                }
            }
            free(xs); free(ys);
        }
        free(a); free(x); free(y);
    }
    printf("worst relative error %.3g, %d vectors whose bits differ (%d-lane kernels)\n", worst, mismatches,
           charlstm_half_kernel_lanes());
    return worst < 1e-6 && mismatches == 0 ? 0 : 1;
}
