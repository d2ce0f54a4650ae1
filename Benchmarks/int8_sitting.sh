#!/usr/bin/env bash
# The int8 sitting of docs/performance.md ("int8 weights at batch 1"): batch-1 sampling and priming with float, F16
# and int8-grid weights (`charlstm bench` measures all three in one process, so each round's ratios are taken side
# by side), rounds alternating with the built-in GEMM; then the bundled model's cost in bits per character, its F16
# and int8 exports evaluated on the corpus's held-out 10%, and `charlstm sample`'s speed with each. Run on a quiet
# machine, with corpora/fortunes.txt built (python3 corpora/build_fortunes.py):
#
#   swift build -c release && bash Benchmarks/int8_sitting.sh OUT [ROUNDS]     # default 3 rounds
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?an output folder}"
rounds="${2:-3}"
binary=.build/release/charlstm
mkdir -p "$out"
date -u; grep -m1 "model name" /proc/cpuinfo || true; nproc

for round in $(seq "$rounds"); do
    for hidden in 128 512 1024; do
        for blas in default builtin; do
            environment=()
            [ "$blas" = builtin ] && environment=(CHARLSTM_BLAS=builtin)
            env "${environment[@]}" "$binary" bench --hidden "$hidden" --vocab 94 --threads 2 --steps 3 --sample-chars 5000 --json \
                | python3 -c "import json, sys; d = json.load(sys.stdin); print('round $round', '2x$hidden', '$blas', *(f'{k} {d[k]}' for k in ('sample_chars_per_s', 'sample_half_chars_per_s', 'sample_int8_chars_per_s', 'prime_chars_per_s', 'prime_half_chars_per_s', 'prime_int8_chars_per_s', 'serve_16_chars_per_s', 'serve_16_half_chars_per_s', 'serve_16_int8_chars_per_s')))"
        done
    done
done

echo "== the bundled model: its F16 export (the float products of its weights) and its int8 export"
python3 - "$out" <<'PY'
import pathlib, sys
text = pathlib.Path("corpora/fortunes.txt").read_text(encoding="utf-8")
pathlib.Path(sys.argv[1], "fortunes-heldout.txt").write_text(text[len(text) - len(text) // 10:], encoding="utf-8")
PY
# The F16 file bundled until December 2026 (from the repository's history), and today's, its --int8 export.
f16="$out/default-f16.safetensors"
git show 1d4bc6d:checkpoints/default.safetensors > "$f16"
int8=checkpoints/default.safetensors
for model in "$f16" "$int8"; do
    "$binary" info "$model" | grep weights
    "$binary" eval "$model" "$out/fortunes-heldout.txt"
    "$binary" eval "$model" corpora/lighthouse.txt
done
echo "== charlstm sample: 20,000 characters against 1, F16 then int8"
for model in "$f16" "$int8"; do
    farm-bench -n 5 --vs "$binary sample $model --length 1 --seed 1 --no-echo" -- "$binary" sample "$model" --length 20000 --seed 1 --no-echo | grep -E "wall"
done
