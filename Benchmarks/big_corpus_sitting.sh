#!/usr/bin/env bash
# The big-corpus sitting (docs/big-corpora.md): builds a corpus of over 1 GB from an installed Debian package — the
# Linux kernel's C source (linux-source-*), as a folder and as the same files concatenated into one file — and
# measures what a person with a gigabyte of text meets: load time and memory against a 1 MB corpus, the share of
# a run spent validating, the overrun of --minutes, Ctrl-C during a validation, and eval in one stream and in 64.
#
#   bash Benchmarks/big_corpus_sitting.sh OUT [MINUTES]      # MINUTES of the timed run: 3
#
# CHARLSTM names the binary (default .build/release/charlstm); CHARLSTM_BEFORE, if set, is a second binary (an
# earlier build) measured beside it where it can read the same corpus (one file). Nothing runs in parallel.
set -euo pipefail
out=${1:?usage: big_corpus_sitting.sh OUT [MINUTES]}
minutes=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
charlstm=${CHARLSTM:-$here/../.build/release/charlstm}
mkdir -p "$out"
out=$(cd "$out" && pwd)
model=(--hidden 512 --threads 2)

# 1. The corpus.
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$tarball" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-source
    tarball=$(ls /usr/src/linux-source-*.tar.xz | sort -V | tail -1)
fi
if [ ! -d "$out/linux" ]; then mkdir "$out/linux" && tar xf "$tarball" -C "$out/linux"; fi
source_folder=$(ls -d "$out"/linux/linux-source-* | head -1)
if [ ! -f "$out/linux-c.txt" ]; then
    # The .c and .h files that are UTF-8, in byte order of their paths, one after another (what `charlstm train
    # FOLDER --include '*.c' --include '*.h'` reads), and the first megabyte of that, cut at a line.
    python3 - "$source_folder" "$out/linux-c.txt" "$out/linux-1mb.txt" <<'PY'
import os, sys
root, whole, small = sys.argv[1:]
paths = []
for folder, folders, files in os.walk(root):
    folders[:] = [f for f in folders if not f.startswith(".")]
    paths += [os.path.join(folder, f) for f in files if f.endswith((".c", ".h")) and not f.startswith(".")]
paths.sort(key=lambda p: os.path.relpath(p, root).encode())
kept = 0
with open(whole, "wb") as out:
    for path in paths:
        data = open(path, "rb").read()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        out.write(data)
        kept += 1
head = open(whole, "rb").read(1_000_000)
open(small, "wb").write(head[:head.rindex(b"\n") + 1])
print(f"corpus: {kept} of {len(paths)} files are UTF-8, {os.path.getsize(whole):,} bytes")
PY
fi
echo "sitting: $(date -u +%FT%TZ) on $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
ls -l "$out/linux-c.txt" "$out/linux-1mb.txt"

peak() { python3 "$here/peak_memory.py" -- "$@"; }

# 2. Loading and memory: the same model and steps on 1 MB, on 1 GB in one file, and on the folder.
for binary in "$charlstm" ${CHARLSTM_BEFORE:+"$CHARLSTM_BEFORE"}; do
    for corpus in "$out/linux-1mb.txt" "$out/linux-c.txt"; do
        rm -rf "$out/memory"
        if [ "$binary" = "$charlstm" ]; then
            echo "memory: $binary train $(basename "$corpus") --steps 20 --eval-every 10 --val-chars 25000"
            peak "$binary" train "$corpus" --out "$out/memory" --steps 20 --eval-every 10 --val-chars 25000 "${model[@]}" | grep -E "Corpus|Done" || true
        else
            # Before --val-chars existed: one validation, at the end, of the whole held-out text would take hours
            # on 1 GB and ignores Ctrl-C, so this interrupts it after a minute and kills it ten seconds later.
            echo "memory: $binary train $(basename "$corpus") --steps 20 --eval-every 1000"
            python3 "$here/peak_memory.py" --interrupt-after 60 -- "$binary" train "$corpus" --out "$out/memory" --steps 20 \
                --eval-every 1000 "${model[@]}" | grep -E "Done|Interrupted" || true
        fi
    done
done
rm -rf "$out/memory"
echo "memory: train FOLDER --include '*.c' --include '*.h' --steps 20 --eval-every 10 --val-chars 25000"
peak "$charlstm" train "$source_folder" --include '*.c' --include '*.h' --out "$out/memory" --steps 20 --eval-every 10 \
    --val-chars 25000 "${model[@]}" | grep -E "Corpus|Skipped|Done" || true

# 3. A timed run: wall time against --minutes, and the share of it spent validating (log.jsonl's validation_s).
timed() {  # timed LABEL FOLDER COMMAND…: runs a --minutes command, then says its overrun and validation share
    local label=$1 folder=$2 start end
    shift 2
    rm -rf "$folder"
    start=$(date +%s.%N)
    "$@" | tail -2
    end=$(date +%s.%N)
    python3 - "$label" "$folder/log.jsonl" "$start" "$end" "$minutes" <<'PY'
import json, sys
label, log, start, end, minutes = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:])
records = [json.loads(line) for line in open(log)]
wall = end - start
validating = sum(r.get("validation_s", 0) for r in records)
print(f"{label}: --minutes {minutes:g}: {wall:.1f} s of {minutes * 60:.0f} (overrun {wall - minutes * 60:+.1f} s); "
      f"{len(records)} validations took {validating:.1f} s, {100 * validating / wall:.1f}% of the run")
PY
}
timed timed "$out/timed" "$charlstm" train "$out/linux-c.txt" --out "$out/timed" --minutes "$minutes" --eval-every 100 \
    "${model[@]}"

# 4. Ctrl-C during a validation of 1 GB's held-out text at full length (--val-chars 100000000).
rm -rf "$out/interrupt"
python3 "$here/ctrl_c_latency.py" -- "$charlstm" train "$out/linux-c.txt" --out "$out/interrupt" --steps 1000000 \
    --eval-every 20 --val-chars 100000000 "${model[@]}"

# 5. eval of 2 MB of the held-out end, in one stream and in 64.
python3 - "$out/linux-c.txt" "$out/heldout-2mb.txt" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
tail = data[-2_000_000:]
tail = tail[tail.index(b"\n") + 1:]
open(sys.argv[2], "wb").write(tail)
PY
for streams in 1 64; do
    start=$(date +%s.%N)
    "$charlstm" eval "$out/timed/best.safetensors" "$out/heldout-2mb.txt" --streams "$streams" --threads 2
    end=$(date +%s.%N)
    echo "eval: --streams $streams took $(python3 -c "print(f'{$end - $start:.1f}')") s"
done

# 6. The PyTorch trainer on the same corpora, with PYTHON (default python3) if it has torch: load time and memory
# for 1 MB, 1 GB in one file, the folder, and 1 GB under torchrun with two ranks (each holds only its streams' ids);
# then --minutes and Ctrl-C during a validation. Its C fingerprint comes with `pip install ./python`.
python=${PYTHON:-python3}
if ! "$python" -c 'import torch, safetensors, numpy' 2>/dev/null; then
    echo "pytorch: skipped: $python has no torch (set PYTHON to one that has)"
    exit 0
fi
"$python" -c 'import sys; sys.path.insert(0, "'"$here"'/../python"); import charlstm_torch._fnv1a' 2>/dev/null \
    || echo "pytorch: the C fingerprint is not built (pip install ./python); the Python one is slow"
torch_train=(env PYTHONPATH="$here/../python" OMP_NUM_THREADS=2 "$python" -m charlstm_torch.train)
for corpus in "$out/linux-1mb.txt" "$out/linux-c.txt" "$source_folder"; do
    rm -rf "$out/torch-memory"
    patterns=(); [ -d "$corpus" ] && patterns=(--include '*.c' --include '*.h')
    echo "pytorch memory: train $(basename "$corpus") ${patterns[*]} --steps 2 --eval-every 1000 --val-chars 25000"
    peak "${torch_train[@]}" "$corpus" "${patterns[@]}" --out "$out/torch-memory" --steps 2 --eval-every 1000 \
        --val-chars 25000 "${model[@]}" | grep -E "^corpus|^Done" || true
done
rm -rf "$out/torch-memory"
echo "pytorch memory: torchrun, 2 ranks, linux-c.txt --steps 2 --eval-every 1000 --val-chars 25000"
peak env PYTHONPATH="$here/../python" OMP_NUM_THREADS=1 "$python" -m torch.distributed.run --standalone \
    --nproc_per_node=2 -m charlstm_torch.train "$out/linux-c.txt" --out "$out/torch-memory" --steps 2 \
    --eval-every 1000 --val-chars 25000 --hidden 512 --threads 1 | grep -E "^corpus|^Done" || true
timed "pytorch timed" "$out/torch-timed" "${torch_train[@]}" "$out/linux-c.txt" --out "$out/torch-timed" \
    --minutes "$minutes" --eval-every 100 "${model[@]}"
rm -rf "$out/torch-interrupt"
python3 "$here/ctrl_c_latency.py" -- "${torch_train[@]}" "$out/linux-c.txt" --out "$out/torch-interrupt" \
    --steps 1000000 --eval-every 20 --val-chars 100000000 "${model[@]}"
