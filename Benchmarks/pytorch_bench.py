"""The PyTorch side of `charlstm bench`: the same model, data shape and measurements, for a side-by-side table.

    python3 Benchmarks/pytorch_bench.py --hidden 512 --layers 2 --threads 2

Model: embedding (V=65, E=64) → stacked nn.LSTM (batch_first) → linear, Adam (lr 2e-3), gradient clipping at 5,
batch 50 × seq 50 on random characters, carrying (h, c) between steps and detaching it (truncated BPTT), exactly
as charlstm trains. With `--precision bf16` the forward pass and the loss run under
`torch.autocast("cpu", dtype=torch.bfloat16)` (PyTorch's mixed precision: bfloat16 products through oneDNN,
float32 master weights), the counterpart of `charlstm bench --precision bf16`. Sampling is batch 1, one character
at a time, feeding each sampled character back, with oneDNN off (its fastest setting for this shape), in float32.
Peak RSS is the process's maximum resident set.
Needs `pip install torch`; nothing in the package's build or tests uses it.
"""
import argparse
import json
import resource
import time

import torch

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "python"))
from charlstm_torch.model import CharLSTM  # noqa: E402  (the one model definition, python/charlstm_torch)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--embedding", type=int, default=64)
    parser.add_argument("--vocab", type=int, default=65)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--seq", type=int, default=50)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--sample-chars", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    V, E, H, L, B, T = args.vocab, args.embedding, args.hidden, args.layers, args.batch, args.seq

    model = CharLSTM(V, E, H, L)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    data = torch.randint(0, V, (args.steps + 3, B, T + 1))
    state = None

    def step(i):
        nonlocal state
        x, y = data[i, :, :-1], data[i, :, 1:]
        if state is not None:
            state = tuple(s.detach() for s in state)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            logits, state = model(x, state)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()

    for i in range(2):
        step(i)
    start = time.perf_counter()
    for i in range(args.steps):
        step(2 + i)
    train_rate = args.steps * B * T / (time.perf_counter() - start)

    torch.backends.mkldnn.enabled = False
    with torch.no_grad():
        ids = torch.zeros(1, 1, dtype=torch.long)
        sample_state = None
        for _ in range(100):
            logits, sample_state = model(ids, sample_state)
            ids = torch.multinomial(torch.softmax(logits[0, -1], -1), 1).view(1, 1)
        start = time.perf_counter()
        for _ in range(args.sample_chars):
            logits, sample_state = model(ids, sample_state)
            ids = torch.multinomial(torch.softmax(logits[0, -1], -1), 1).view(1, 1)
        sample_rate = args.sample_chars / (time.perf_counter() - start)

    multiply_adds = sum(4 * H * ((E if k == 0 else H) + H) for k in range(L)) + V * H
    print(json.dumps({
        "layers": L, "hidden": H, "threads": args.threads, "torch": torch.__version__, "precision": args.precision,
        "train_chars_per_s": round(train_rate), "sample_chars_per_s": round(sample_rate),
        "gflops": round(train_rate * 6 * multiply_adds / 1e9, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, sort_keys=True))


if __name__ == "__main__":
    main()
