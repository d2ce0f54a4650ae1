"""The products of Benchmarks/bfloat16_kernel_speed.c through PyTorch (oneDNN for bfloat16, MKL for float32), one
thread, in GFLOP/s: what charlstm's own bf16 kernels are measured against in docs/bf16.md.

    python3 Benchmarks/onednn_bf16_products.py

Each figure is the best of five timings; the bf16 products take bfloat16 tensors and give bfloat16 results, as
torch.matmul does (autocast's products are these).
"""
import time

import torch

SHAPES = [("h·W_hhᵀ", 50, 512, 2048, 100), ("X·W_ihᵀ", 2500, 512, 2048, 4), ("X·W_ihᵀ (k 64)", 2500, 64, 2048, 20),
          ("dGᵀ·X", 2048, 2500, 512, 4)]


def gflops(m, k, n, reps, dtype):
    a = torch.randn(m, k).to(dtype)
    b = torch.randn(k, n).to(dtype)
    torch.matmul(a, b)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(reps):
            torch.matmul(a, b)
        best = min(best, (time.perf_counter() - start) / reps)
    return 2 * m * n * k / best / 1e9


def main():
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, one thread; oneDNN bf16 on this CPU: {torch.backends.mkldnn.is_available()}")
    for name, m, k, n, reps in SHAPES:
        print(f"{name:16} {m}×{k} by {k}×{n}: float32 {gflops(m, k, n, reps, torch.float32):7.1f} GFLOP/s, "
              f"bfloat16 {gflops(m, k, n, reps, torch.bfloat16):7.1f} GFLOP/s")


if __name__ == "__main__":
    main()
