#!/usr/bin/env bash
# README's cells table: training, sampling and priming speed of each cell at 2×128 and 2×512 (`charlstm bench`),
# then validation bits per character after a fixed time on tinyshakespeare (90/10 split, 2 threads) for each cell
# at the size charlstm's own rule picks for it (`--minutes` alone, plus warm-up) — one run at a time, so that each
# has the machine to itself.
#
#     swift build -c release && bash Benchmarks/cells_sitting.sh [MINUTES] [OUT_FOLDER] [CELLS] [PARTS]
#
# CELLS defaults to "lstm gru rnn", PARTS to "bench train" (either part alone: "bench" or "train").
# Needs ../shared/corpora/tinyshakespeare.txt. Each run's log.jsonl is in OUT_FOLDER/CELL/; the last line of each is
# the final validation; the size chosen is the "Size:" line of OUT_FOLDER/CELL.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
out=${2:-/tmp/charlstm-cells}
cells=${3:-"lstm gru rnn"}
parts=${4:-"bench train"}
corpus=$(realpath ../shared/corpora/tinyshakespeare.txt)
charlstm=.build/release/charlstm
mkdir -p "$out"

for cell in $cells; do
    [[ " $parts " == *" bench "* ]] || break
    for hidden in 128 512; do
        echo "== bench $cell 2×$hidden ($(date -u +%H:%M:%S) UTC)"
        "$charlstm" bench --cell "$cell" --hidden "$hidden" --threads 2 --json
    done
done
for cell in $cells; do
    [[ " $parts " == *" train "* ]] || break
    echo "== train $cell, $minutes minutes ($(date -u +%H:%M:%S) UTC)"
    rm -rf "${out:?}/$cell"
    "$charlstm" train "$corpus" --cell "$cell" --warmup 200 --minutes "$minutes" --out "$out/$cell" --threads 2 \
        > "$out/$cell.txt" 2>&1
    grep -m1 '^Size:' "$out/$cell.txt"
    tail -n 1 "$out/$cell/log.jsonl"
done
