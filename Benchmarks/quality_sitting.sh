#!/usr/bin/env bash
# README's quality table: validation bits per character after a fixed time on tinyshakespeare (90/10 split,
# 2 threads). First charlstm's recommended command (only --minutes and --warmup: the size rule chooses the model
# and its regularisation), then the PyTorch trainer in python/ with the recipe charlstm chose, read from its
# checkpoint; then, unless ROWS is "pair", charlstm's ablations at 2×512 — one run at a time, so that each has the
# machine to itself.
#
#     swift build -c release && bash Benchmarks/quality_sitting.sh [MINUTES] [OUT_FOLDER] [ROWS]
#
# ROWS: "all" (the default), "pair" (the first two rows), "charlstm" (the first row only), or "precision": the
# bf16 set of docs/bf16.md — the recommended command with --precision auto, the PyTorch trainer with bf16 autocast
# and the recipe charlstm chose, then charlstm's 2×512 recipe in fp32 and in bf16.
# Needs ../shared/corpora/tinyshakespeare.txt and, for the PyTorch row, `pip install torch safetensors`.
# OpenBLAS runs the kernels OPENBLAS_CORETYPE names when it is set (`charlstm bench` prints which): run with
# `env -u OPENBLAS_CORETYPE` to let it choose for the CPU, as PyTorch's MKL does.
# Each run's log.jsonl is in OUT_FOLDER/NAME/; the last line of each is the final validation.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
out=${2:-/tmp/charlstm-quality}
rows=${3:-all}
corpus=$(realpath ../shared/corpora/tinyshakespeare.txt)
charlstm=.build/release/charlstm
mkdir -p "$out"

run() {
    local name=$1; shift
    echo "== $name ($(date -u +%H:%M:%S) UTC): $*"
    rm -rf "${out:?}/$name"
    "$@" --out "$out/$name" --minutes "$minutes" --threads 2 > "$out/$name.txt" 2>&1
    grep -m 1 '^Size:' "$out/$name.txt" || true
    tail -n 1 "$out/$name/log.jsonl"
}

# The model and regularisation a checkpoint was trained with, as trainer flags (`charlstm info --json` gives the
# recipe under the keys the checkpoint stores it with).
recipe_of() {
    python3 - "$("$charlstm" info --json "$1")" <<'PY'
import json, sys
info = json.loads(sys.argv[1])
options = info["options"]
print(f"--cell {info['cell']} --layers {info['layers']} --hidden {info['hidden']} "
      f"--embedding {info['embedding']} --dropout {options['dropout']} "
      f"--embedding-dropout {options['embedding_dropout']} --dropout-mask {options['dropout_mask']} "
      f"--weight-decay {options['weight_decay']} --warmup {options['warmup_steps']}")
PY
}

# The 2×512 recipe of the ablations below.
recipe=(--hidden 512 --dropout 0.25 --embedding-dropout 0.1 --dropout-mask sequence --weight-decay 0.01 --warmup 200)

if [[ $rows == precision ]]; then
    run charlstm-auto "$charlstm" train "$corpus" --warmup 200 --precision auto
    grep -m 1 '^Precision:' "$out/charlstm-auto.txt"
    read -r -a chosen <<< "$(recipe_of "$out/charlstm-auto/latest.safetensors")"
    run pytorch-bf16 env PYTHONPATH=python python3 -m charlstm_torch.train "$corpus" "${chosen[@]}" --precision bf16
    run charlstm-512-fp32 "$charlstm" train "$corpus" "${recipe[@]}" --precision fp32
    run charlstm-512-bf16 "$charlstm" train "$corpus" "${recipe[@]}" --precision bf16
    exit 0
fi

run charlstm "$charlstm" train "$corpus" --warmup 200
[[ $rows == charlstm ]] && exit 0
read -r -a chosen <<< "$(recipe_of "$out/charlstm/latest.safetensors")"
run pytorch env PYTHONPATH=python python3 -m charlstm_torch.train "$corpus" "${chosen[@]}"
[[ $rows == pair ]] && exit 0

# Ablations around the 2×512 recipe: explicit zeros, since with only --minutes charlstm chooses its own
# regularisation.
none=(--dropout 0 --embedding-dropout 0 --weight-decay 0)
run charlstm-512 "$charlstm" train "$corpus" "${recipe[@]}"
run pytorch-512 env PYTHONPATH=python python3 -m charlstm_torch.train "$corpus" "${recipe[@]}"
run charlstm-no-regularisation "$charlstm" train "$corpus" --hidden 512 --warmup 200 "${none[@]}"
run charlstm-dropout-per-step "$charlstm" train "$corpus" "${recipe[@]}" --dropout-mask step
run charlstm-768 "$charlstm" train "$corpus" "${recipe[@]}" --hidden 768
run charlstm-step-schedule "$charlstm" train "$corpus" --hidden 512 --schedule step "${none[@]}"
