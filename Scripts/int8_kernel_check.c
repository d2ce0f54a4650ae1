// Checks charlstm_int8_gemm_rows (Sources/CInt8Kernels) against an exact integer sum followed by the same float
// steps, on random matrices of awkward shapes and several vectors, and charlstm_int8_quantize against rounding
// done here; exits 0 when every result has the reference's bits. The engine's tests check the kernel on the
// machine they run on; this checks the other architecture's branch without such a machine, under emulation:
//
//   gcc -O2 -ISources/CInt8Kernels/include Scripts/int8_kernel_check.c Sources/CInt8Kernels/int8_kernels.c -lm -o /tmp/check && /tmp/check
//   /tmp/check 1     # a kernel by its code (int8_kernels.h): 1 AVX2 on a CPU with VNNI too
//   # 64-bit ARM, with Debian's gcc-aarch64-linux-gnu and qemu-user:
//   aarch64-linux-gnu-gcc -O2 -ISources/CInt8Kernels/include Scripts/int8_kernel_check.c
//       Sources/CInt8Kernels/int8_kernels.c -lm -o /tmp/check-arm && qemu-aarch64 -L /usr/aarch64-linux-gnu /tmp/check-arm
//   # and with SDOT, as Apple silicon builds it: add -march=armv8.2-a+dotprod (and qemu-aarch64 -cpu max)
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "int8_kernels.h"

#pragma STDC FP_CONTRACT OFF   // clang; gcc has no FMA here without -mfma

static float reference(int32_t sum, float row_scale, float q_scale, float beta, float y) {
    float scale = row_scale * q_scale;
    float product = (float)sum * scale;
    if (beta == 0) return product;
    float kept = beta * y;
    return kept + product;
}

static int8_t random_integer(void) { return (int8_t)(rand() % 255 - 127); }

int main(int argc, char **argv) {
    if (argc > 1 && !charlstm_int8_select_kernel(atoi(argv[1]))) { printf("this CPU has no kernel %s\n", argv[1]); return 1; }
    if (!charlstm_int8_kernel()) { printf("no int8 kernel on this CPU\n"); return 1; }
    srand(11);
    long shapes[][2] = {{1, 1}, {3, 5}, {4, 16}, {5, 31}, {7, 32}, {9, 33}, {33, 64}, {64, 100}, {2048, 512}, {6, 1027}};
    long checked = 0, wrong = 0;
    for (int s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++) {
        long m = shapes[s][0], n = shapes[s][1], lda = n + 3;
        int8_t *a = malloc((size_t)(m * lda)), *laid_out = malloc((size_t)(m * lda));
        float *row_scales = malloc(sizeof(float) * m);
        for (long i = 0; i < m * lda; i++) a[i] = random_integer();
        memcpy(laid_out, a, (size_t)(m * lda));
        charlstm_int8_to_kernel_layout(m * lda, laid_out);
        for (long i = 0; i < m; i++) row_scales[i] = (float)((double)rand() / RAND_MAX) * 0.01f + 1e-5f;
        static const long vector_counts[] = {1, 2, 3, 4, 5, 6, 9, 33};
        for (int v = 0; v < 8; v++) {
            long vectors = vector_counts[v];
            long ldq = n + 1, ldy = m + 2;
            int8_t *q = malloc((size_t)(vectors * ldq));
            float *q_scales = malloc(sizeof(float) * vectors), *y = malloc(sizeof(float) * vectors * ldy);
            float *y0 = malloc(sizeof(float) * vectors * ldy);
            for (long k = 0; k < vectors * ldq; k++) q[k] = random_integer();
            for (long b = 0; b < vectors; b++) q_scales[b] = (float)((double)rand() / RAND_MAX) + 1e-3f;
            for (long k = 0; k < vectors * ldy; k++) y0[k] = (float)((double)rand() / RAND_MAX) - 0.5f;
            for (int pass = 0; pass < 3; pass++) {
                float beta = pass == 0 ? 0.0f : pass == 1 ? 1.0f : 0.5f;
                long stride = pass == 2 ? 0 : 1;
                memcpy(y, y0, sizeof(float) * vectors * ldy);
                charlstm_int8_gemm_rows(m, n, laid_out, lda, row_scales, q, ldq, q_scales, stride, vectors, beta, y, ldy);
                for (long b = 0; b < vectors; b++) {
                    for (long i = 0; i < ldy; i++) {
                        float expected = y0[b * ldy + i];
                        if (i < m) {
                            int32_t sum = 0;
                            for (long j = 0; j < n; j++) sum += (int32_t)a[i * lda + j] * q[b * ldq + j];
                            expected = reference(sum, row_scales[i], q_scales[b * stride], beta, y0[b * ldy + i]);
                        }
                        checked++;
                        if (memcmp(&expected, y + b * ldy + i, sizeof(float)) != 0) wrong++;
                    }
                }
            }
            free(q); free(q_scales); free(y); free(y0);
        }
        free(a); free(laid_out); free(row_scales);
    }
    // Rounding: ties to even, saturation, and the vector loop against its tail.
    float x[203];
    int8_t got[203];
    long rounding_wrong = 0;
    for (int j = 0; j < 203; j++) x[j] = j < 8 ? (float)(j - 4) * 0.5f / 127 : ((float)((double)rand() / RAND_MAX) - 0.5f) * 2.6f;
    charlstm_int8_quantize(203, x, 127.0f, got);
    for (int j = 0; j < 203; j++) {
        float v = x[j] * 127.0f;
        v = v > 127 ? 127 : v < -127 ? -127 : v;
        if (got[j] != (int8_t)nearbyintf(v)) rounding_wrong++;
    }
    printf("%ld of %ld product results and %ld of 203 rounded values differ from the reference (kernel %d)\n", wrong,
           checked, rounding_wrong, charlstm_int8_kernel());
    return wrong == 0 && rounding_wrong == 0 ? 0 : 1;
}
