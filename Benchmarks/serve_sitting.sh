#!/usr/bin/env bash
# The serving sitting of docs/serving.md: one client and sixteen, alternating, against a fresh `charlstm serve` of
# the bundled model, beside the REPL's latency and `charlstm sample`'s speed. Run on a quiet machine:
#
#   swift build -c release && Benchmarks/serve_sitting.sh [ROUNDS]     # default 3 rounds
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
binary=.build/release/charlstm
model=checkpoints/default.safetensors
port=18181
date -u; grep -m1 "model name" /proc/cpuinfo || true; nproc

echo "== charlstm sample: 4,000 characters against 1 (the difference is the writing)"
farm-bench -n 5 --vs "$binary sample $model --length 1 --seed 1" -- "$binary" sample "$model" --length 4000 --seed 1 | grep -E "wall"
echo "== the REPL: a 100-character line"
python3 Benchmarks/repl_latency.py --line-length 100 --runs 7 --length 2000 | tail -2

"$binary" serve "$model" --port "$port" --quiet 2>/tmp/serve_sitting.err &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until grep -q "at http://" /tmp/serve_sitting.err 2>/dev/null; do sleep 0.1; done
url="http://127.0.0.1:$port"
for round in $(seq "$rounds"); do
    echo "== round $round"
    python3 Benchmarks/serve_load.py --url "$url" --clients 1 --requests 5 --prompt-length 100 --length 200 | tail -1
    python3 Benchmarks/serve_load.py --url "$url" --clients 16 --requests 3 --prompt-length 100 --length 200 | tail -1
    python3 Benchmarks/serve_load.py --url "$url" --clients 1 --requests 5 --prompt-length 10 --length 200 | tail -1
    python3 Benchmarks/serve_load.py --url "$url" --clients 16 --requests 3 --prompt-length 10 --length 200 | tail -1
    python3 Benchmarks/serve_load.py --url "$url" --clients 1 --requests 3 --prompt-length 100 --length 2000 | tail -1
done
