"""The PyTorch side of README's quality table: train on a text for a fixed time with charlstm's recipe and data
rules, and report validation bits per character, so both tools are judged on the same split in the same minutes.

    python3 Benchmarks/pytorch_train.py ../shared/corpora/tinyshakespeare.txt --minutes 10 --hidden 512 \
        --dropout 0.25 --embedding-dropout 0.1 --dropout-mask sequence --weight-decay 0.01 --warmup 200

The data rules are charlstm's (README, "Training your own"): the vocabulary is the sorted set of Unicode scalars;
the last --val-fraction is held out; the training text is cut into --batch contiguous streams read --seq
characters at a time with (h, c) carried from chunk to chunk (detached: truncated BPTT) and reset each epoch;
validation runs min(batch, n / (seq + 1)) streams the same way from zero state, and bits per character are the
summed cross-entropy over every predicted character / ln 2. The recipe is charlstm's too: embedding → dropout →
LSTM layers, each followed by dropout → linear head; masks drawn per element and step, or once per stream and
chunk (--dropout-mask sequence); AdamW with decay on the matrices only; gradient clipping at --clip; the
learning rate warmed up linearly, then cosine-annealed to --min-lr at the deadline, whose step is re-estimated
after every step from the speed so far (validations included), as `charlstm train --minutes` does. Needs
`pip install torch`; nothing in the package's build or tests uses it. Prints one JSON line per validation.
"""
import argparse
import json
import math
import time

import torch


class Model(torch.nn.Module):
    """charlstm's stack, with each LSTM layer its own module so that dropout can sit after every layer."""

    def __init__(self, vocabulary, embedding, hidden, layers):
        super().__init__()
        self.embed = torch.nn.Embedding(vocabulary, embedding)
        self.layers = torch.nn.ModuleList(
            torch.nn.LSTM(embedding if k == 0 else hidden, hidden, batch_first=True) for k in range(layers))
        self.head = torch.nn.Linear(hidden, vocabulary)

    def forward(self, ids, state, dropout=None):
        x = self.embed(ids)
        if dropout:
            x = dropout(x, "embedding")
        next_state = []
        for k, layer in enumerate(self.layers):
            x, s = layer(x, state[k] if state else None)
            next_state.append(s)
            if dropout:
                x = dropout(x, "layers")
        return self.head(x), next_state


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus")
    parser.add_argument("--minutes", type=float, required=True)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--embedding", type=int, default=64)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--seq", type=int, default=50)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--min-lr", type=float, default=0.0)
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--embedding-dropout", type=float, default=0.0)
    parser.add_argument("--dropout-mask", choices=["step", "sequence"], default="step")
    parser.add_argument("--clip", type=float, default=5.0)
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    with open(args.corpus, encoding="utf-8", newline="") as f:
        text = f.read().removeprefix("\ufeff")
    vocabulary = sorted(set(text))
    index = {c: i for i, c in enumerate(vocabulary)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.long)
    train_count = int(len(ids) * (1 - args.val_fraction))
    B, T, V = args.batch, args.seq, len(vocabulary)

    def streams(data, count):
        length = len(data) // count
        return data[:count * length].view(count, length), (length - 1) // T

    train, chunks = streams(ids[:train_count], B)
    validation_text = ids[train_count:]
    validation, validation_chunks = streams(validation_text, min(B, len(validation_text) // (T + 1)))

    model = Model(V, args.embedding, args.hidden, args.layers)
    matrices = [p for p in model.parameters() if p.dim() == 2]
    vectors = [p for p in model.parameters() if p.dim() != 2]
    optimizer = torch.optim.AdamW([{"params": matrices, "weight_decay": args.weight_decay},
                                   {"params": vectors, "weight_decay": 0.0}], lr=args.lr)
    rates = {"embedding": args.embedding_dropout, "layers": args.dropout}

    def dropout(x, where):
        p = rates[where]
        if p == 0:
            return x
        shape = (x.shape[0], 1, x.shape[2]) if args.dropout_mask == "sequence" else x.shape
        return x * (torch.rand(shape) >= p).to(x.dtype) / (1 - p)

    def evaluate():
        model.eval()
        total, state = 0.0, None
        with torch.no_grad():
            for j in range(validation_chunks):
                x = validation[:, j * T:j * T + T]
                y = validation[:, j * T + 1:j * T + T + 1]
                logits, state = model(x, state)
                total += torch.nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1), reduction="sum").item()
        model.train()
        return total / (validation_chunks * validation.shape[0] * T) / math.log(2)

    deadline = args.minutes * 60
    start = time.perf_counter()
    step, horizon, state, best = 0, None, None, float("inf")
    while time.perf_counter() - start < deadline:
        cursor = step % chunks
        if cursor == 0:
            state = None
        if step < args.warmup:
            lr = args.lr * (step + 1) / args.warmup
        else:
            done = min(1.0, (step - args.warmup) / max(1, horizon - args.warmup)) if horizon else 0.0
            lr = args.min_lr + (args.lr - args.min_lr) * 0.5 * (1 + math.cos(math.pi * done))
        for group in optimizer.param_groups:
            group["lr"] = lr
        x = train[:, cursor * T:cursor * T + T]
        y = train[:, cursor * T + 1:cursor * T + T + 1]
        if state is not None:
            state = [tuple(s.detach() for s in layer) for layer in state]
        logits, state = model(x, state, dropout)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if args.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        step += 1
        elapsed = time.perf_counter() - start
        horizon = step + int(max(0.0, deadline - elapsed) * step / elapsed)
        if step % args.eval_every == 0:
            bpc = evaluate()
            best = min(best, bpc)
            print(json.dumps({"step": step, "elapsed_s": round(time.perf_counter() - start, 1), "lr": lr,
                              "train_loss": round(loss.item(), 4), "val_bpc": round(bpc, 4)}), flush=True)
    bpc = evaluate()
    best = min(best, bpc)
    print(json.dumps({"step": step, "elapsed_s": round(time.perf_counter() - start, 1), "final_val_bpc": round(bpc, 4),
                      "best_val_bpc": round(best, 4), "chars_per_s": round(step * B * T / (time.perf_counter() - start)),
                      "torch": torch.__version__, "threads": args.threads}), flush=True)


if __name__ == "__main__":
    main()
