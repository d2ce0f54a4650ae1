#!/usr/bin/env bash
# The int8 serving sitting of docs/performance.md: the int8 products of a build (AFTER, default this checkout's
# release build) beside an earlier one (BEFORE), alternating, on this machine: bench's batch-1 and sixteen-stream
# int8 figures (the second build also with CHARLSTM_INT8_KERNEL=avx2, its kernel for CPUs without VNNI), static
# `eval` of the bundled model, and `charlstm serve` under one client and sixteen (Benchmarks/serve_load.py).
#
#   Benchmarks/int8_serving_sitting.sh BEFORE_BINARY [AFTER_BINARY] [ROUNDS]     # default 3 rounds
set -euo pipefail
cd "$(dirname "$0")/.."
before=${1:?usage: int8_serving_sitting.sh BEFORE_BINARY [AFTER_BINARY] [ROUNDS]}
after=${2:-.build/release/charlstm}
rounds=${3:-3}
model=checkpoints/default.safetensors
echo "sitting: $(date -u +%FT%TZ) on $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
grep -o -m1 -w -E 'avx512_vnni|avx_vnni' /proc/cpuinfo | head -1 | sed 's/^/cpu has: /' || echo "cpu has: no VNNI"

echo "== bench --hidden 512 --vocab 94 --threads 2 (int8 figures), alternating"
for round in $(seq "$rounds"); do
    for run in before after after-avx2; do
        case $run in
            before) out=$("$before" bench --hidden 512 --vocab 94 --threads 2 --steps 2 --sample-chars 20000 --json) ;;
            after) out=$("$after" bench --hidden 512 --vocab 94 --threads 2 --steps 2 --sample-chars 20000 --json) ;;
            after-avx2) out=$(CHARLSTM_INT8_KERNEL=avx2 "$after" bench --hidden 512 --vocab 94 --threads 2 --steps 2 \
                --sample-chars 20000 --json) ;;
        esac
        python3 - "$round" "$run" "$out" <<'PY'
import json, sys
round_, run, r = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
print(f"round {round_} {run:10} sample_int8 {r['sample_int8_chars_per_s']:>7,.0f}  prime_int8 "
      f"{r['prime_int8_chars_per_s']:>7,.0f}  serve_16_int8 {r['serve_16_int8_chars_per_s']:>7,.0f}  "
      f"peak share {r.get('serve_16_int8_peak_share')}")
PY
    done
done

echo "== eval of the bundled model (static, int8) on 50,000 characters of its own sampling"
text=$(mktemp /tmp/int8_sitting.XXXXXX.txt)
"$after" sample "$model" --length 50000 --seed 3 > "$text"
farm-bench -n 5 --vs "$before eval $model $text" -- "$after" eval "$model" "$text" | grep -E "wall|ratio"

echo "== charlstm serve: 1 client and 16, 100-character prompts, 200-character answers"
for binary in "$before" "$after"; do
    port=18191
    "$binary" serve "$model" --port "$port" --quiet 2>/tmp/int8_sitting.err &
    server=$!
    until grep -q "at http://" /tmp/int8_sitting.err 2>/dev/null; do sleep 0.1; done
    for round in $(seq "$rounds"); do
        for clients in 1 16; do
            echo "$binary, round $round, $clients clients: $(python3 Benchmarks/serve_load.py --url "http://127.0.0.1:$port" \
                --clients "$clients" --requests 3 --prompt-length 100 --length 200 | tail -1)"
        done
    done
    kill "$server"
    wait "$server" 2>/dev/null || true
done
rm -f "$text"
