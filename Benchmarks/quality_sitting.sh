#!/usr/bin/env bash
# README's quality table: validation bits per character after a fixed time on tinyshakespeare (90/10 split,
# 2 threads), charlstm against the PyTorch trainer in python/ with the same recipe, then charlstm's ablations —
# one run at a time, so that each has the machine to itself.
#
#     swift build -c release && bash Benchmarks/quality_sitting.sh [MINUTES] [OUT_FOLDER]
#
# Needs ../shared/corpora/tinyshakespeare.txt and, for the PyTorch row, `pip install torch safetensors`.
# OpenBLAS runs the kernels OPENBLAS_CORETYPE names when it is set (`charlstm bench` prints which): run with
# `env -u OPENBLAS_CORETYPE` to let it choose for the CPU, as PyTorch's MKL does.
# Each run's log.jsonl is in OUT_FOLDER/NAME/; the last line of each is the final validation.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
out=${2:-/tmp/charlstm-quality}
corpus=$(realpath ../shared/corpora/tinyshakespeare.txt)
charlstm=.build/release/charlstm
recipe=(--hidden 512 --dropout 0.25 --embedding-dropout 0.1 --dropout-mask sequence --weight-decay 0.01 --warmup 200)
mkdir -p "$out"

run() {
    local name=$1; shift
    echo "== $name ($(date -u +%H:%M:%S) UTC): $*"
    rm -rf "${out:?}/$name"
    "$@" --out "$out/$name" --minutes "$minutes" --threads 2 > "$out/$name.txt" 2>&1
    tail -n 1 "$out/$name/log.jsonl"
}

run charlstm "$charlstm" train "$corpus" "${recipe[@]}"
run pytorch env PYTHONPATH=python python3 -m charlstm_torch.train "$corpus" "${recipe[@]}"
# Explicit zeros: with only --minutes, charlstm would choose its own regularisation.
none=(--dropout 0 --embedding-dropout 0 --weight-decay 0)
run charlstm-no-regularisation "$charlstm" train "$corpus" --hidden 512 --warmup 200 "${none[@]}"
run charlstm-dropout-per-step "$charlstm" train "$corpus" "${recipe[@]}" --dropout-mask step
run charlstm-weight-drop "$charlstm" train "$corpus" "${recipe[@]}" --weight-drop 0.25
run charlstm-768 "$charlstm" train "$corpus" "${recipe[@]}" --hidden 768
run charlstm-step-schedule "$charlstm" train "$corpus" --hidden 512 --schedule step "${none[@]}"
