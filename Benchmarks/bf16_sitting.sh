#!/usr/bin/env bash
# One bf16 sitting: the per-core peak of each precision, then training speed in fp32 and bf16, charlstm and PyTorch
# (float32, and bf16 autocast — the peer's best), 2×128, 2×512 and 2×1024, three rounds alternating. The tables in
# docs/bf16.md come from here.
#
#     swift build -c release && bash Benchmarks/bf16_sitting.sh > bf16-sitting.txt
#
# Needs PyTorch for its rows (`pip install torch`; skipped without it) and a CPU with bfloat16 dot products for the
# bf16 rows (AVX512_BF16 or AMX; charlstm refuses bf16 without, and the row says so). Run it on an idle machine.
set -u
cd "$(dirname "$0")/.."
B=.build/release/charlstm
[ -x "$B" ] || { echo "build first: swift build -c release" >&2; exit 1; }
CLANG="$(dirname "$(command -v swift)")/clang"
[ -x "$CLANG" ] || CLANG=cc

echo "== per-core peak (Benchmarks/precision_peak.c)"
"$CLANG" -O2 -o /tmp/precision_peak Benchmarks/precision_peak.c && /tmp/precision_peak

echo "== the bf16 kernels alone, one thread (Benchmarks/bfloat16_kernel_speed.c), then the same products in PyTorch"
"$CLANG" -O2 -ISources/CBFloat16Kernels/include Benchmarks/bfloat16_kernel_speed.c \
    Sources/CBFloat16Kernels/bfloat16_kernels.c -o /tmp/bf16speed
for kernel in 1 2; do echo "kernel $kernel"; /tmp/bf16speed $kernel; done
python3 Benchmarks/onednn_bf16_products.py 2>/dev/null || echo "PyTorch products skipped (no torch)"

field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d['train_chars_per_s'], d['gflops'])" 2>/dev/null || echo "failed"; }
torch_ok=$(python3 -c "import torch" 2>/dev/null && echo yes || echo no)

echo "== training, 2 threads: chars/s and GFLOP/s; round, shape, then charlstm fp32, charlstm bf16, PyTorch fp32, PyTorch bf16"
for round in 1 2 3; do
  for cfg in "128 40 20" "512 10 10" "1024 4 4"; do
    set -- $cfg
    line="round $round 2x$1"
    for p in fp32 bf16; do
      line="$line | charlstm $p $($B bench --layers 2 --hidden "$1" --threads 2 --steps "$2" --sample-chars 10 --precision $p --json | field)"
    done
    for p in fp32 bf16; do
      if [ "$torch_ok" = yes ]; then
        line="$line | pytorch $p $(python3 Benchmarks/pytorch_bench.py --layers 2 --hidden "$1" --threads 2 --steps "$3" --sample-chars 10 --precision $p | field)"
      else
        line="$line | pytorch $p skipped (no torch)"
      fi
    done
    echo "$line"
  done
done
