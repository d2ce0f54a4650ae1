#!/usr/bin/env bash
# One benchmark sitting: every figure in README's Performance section, charlstm and PyTorch side by side.
#
#     swift build -c release && bash Benchmarks/sitting.sh > sitting.txt
#
# Needs PyTorch (`pip install torch safetensors`) for the PyTorch rows and ../shared/corpora/tinyshakespeare.txt
# for the memory runs; a section whose tools are missing says so and is skipped. Run it on an otherwise idle
# machine: the figures are wall-clock rates.
set -u
cd "$(dirname "$0")/.."
B=.build/release/charlstm
[ -x "$B" ] || { echo "build first: swift build -c release" >&2; exit 1; }

echo "== charlstm training, sampling and priming (OpenBLAS if installed), 2 threads then 1"
for cfg in "2 128 40" "2 512 10" "3 512 8"; do
  set -- $cfg
  for t in 2 1; do $B bench --layers "$1" --hidden "$2" --threads "$t" --steps "$3" --json; done
done

echo "== charlstm with the built-in GEMM, 2 threads"
for cfg in "2 128 40" "2 512 10"; do
  set -- $cfg
  CHARLSTM_BLAS=builtin $B bench --layers "$1" --hidden "$2" --threads 2 --steps "$3" --json 2>/dev/null
done

echo "== PyTorch, 2 threads"
if python3 -c "import torch" 2>/dev/null; then
  for cfg in "2 128 20" "2 512 10" "3 512 8"; do
    set -- $cfg
    python3 Benchmarks/pytorch_bench.py --layers "$1" --hidden "$2" --threads 2 --steps "$3" --sample-chars 1000
  done
  # Two-thread rates on a shared machine move by 10-20% from minute to minute, so the comparison that README's
  # ratios come from alternates the two, three rounds, and takes each side's median.
  echo "== training side by side, 2 threads, three rounds alternating charlstm and PyTorch"
  for round in 1 2 3; do
    for cfg in "2 128 40 20" "2 512 10 10" "3 512 8 8"; do
      set -- $cfg
      echo "round $round ${1}x$2 charlstm $($B bench --layers "$1" --hidden "$2" --threads 2 --steps "$3" --sample-chars 10 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["train_chars_per_s"])')" \
        "pytorch $(python3 Benchmarks/pytorch_bench.py --layers "$1" --hidden "$2" --threads 2 --steps "$4" --sample-chars 10 | python3 -c 'import json,sys; print(json.load(sys.stdin)["train_chars_per_s"])')"
    done
  done
else
  echo "skipped: no torch module (pip install torch)"
fi

echo "== the bundled model in the REPL: first character after Enter on a 1,000-character line, then streaming"
python3 Benchmarks/repl_latency.py --runs 5 --length 2000

echo "== peak RSS of real training runs"
corpus=../shared/corpora/tinyshakespeare.txt
if [ -f "$corpus" ]; then
  out=$(mktemp -d)
  for cfg in "2 512 50 50" "2 512 100 50" "2 512 50 100" "3 512 50 50" "2 256 50 50"; do
    set -- $cfg
    rm -rf "$out/run"
    /usr/bin/time -v $B train "$corpus" --out "$out/run" --layers "$1" --hidden "$2" --batch "$3" --seq "$4" \
      --steps 3 --eval-every 3 --threads 2 > /dev/null 2> "$out/time.txt"
    echo "layers $1 hidden $2 batch $3 seq $4: peak RSS $(grep 'Maximum resident' "$out/time.txt" | awk '{print $6}') KB"
  done
  rm -rf "$out"
else
  echo "skipped: no $corpus"
fi
