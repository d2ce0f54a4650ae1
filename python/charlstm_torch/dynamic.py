"""Dynamic evaluation of a charlstm checkpoint in plain PyTorch: the reference for `charlstm eval --dynamic`.

The text is read as one stream at batch 1, in segments of `segment` characters, the state carried from segment to
segment. Each segment is scored with the weights as they are, then its mean cross-entropy is backpropagated and
every parameter θ takes one step (θ₀: the trained value, r: the RMS of its gradient on training text):

    rms:  θ ← θ − η · ∇ / (r + ε) + min(λ · r / r̄, 1) · (θ₀ − θ)        r̄: the mean of r over every parameter
    sgd:  θ ← θ − η · ∇ + λ · (θ₀ − θ)

r comes from a pass over training text with the same segments and no updates: r² = the mean over segments of ∇².
Characters the vocabulary lacks are skipped, as charlstm skips them.

    python -m charlstm_torch.dynamic CHECKPOINT FILE --statistics TRAINING.txt [--json]
"""
import argparse
import json
import math
import sys

import torch

from . import checkpoint
from .corpus import CorpusError, read_text


def known_ids(text, vocabulary):
    index = {c: i for i, c in enumerate(vocabulary)}
    return torch.tensor([index[c] for c in text if c in index], dtype=torch.long)


def segments(ids, segment):
    """(inputs, targets) of each segment of (character, next character) pairs, in order."""
    for start in range(0, len(ids) - 1, segment):
        end = min(start + segment, len(ids) - 1)
        yield ids[start:end].unsqueeze(0), ids[start + 1:end + 1]


def detach(state):
    return tuple(s.detach() for s in state)


def segment_gradients(model, ids, segment):
    """Yields (summed loss in nats, characters) of each segment, after backpropagating its mean loss into the
    parameters' .grad (zeroed first); the state carries on."""
    state = None
    for inputs, targets in segments(ids, segment):
        model.zero_grad(set_to_none=False)
        logits, state = model(inputs, state)
        loss = torch.nn.functional.cross_entropy(logits.squeeze(0), targets, reduction="sum")
        (loss / len(targets)).backward()
        state = detach(state)
        yield loss.item(), len(targets)


def gradient_rms(model, ids, segment):
    """r for every parameter: the root of the mean over segments of the squared gradient."""
    squares = [torch.zeros_like(p, dtype=torch.float64) for p in model.parameters()]
    count = 0
    for _ in segment_gradients(model, ids, segment):
        for total, p in zip(squares, model.parameters()):
            total += p.grad.double() ** 2
        count += 1
    return [(total / count).sqrt().float() for total in squares]


def dynamic_bits_per_character(model, ids, rule, segment, lr, decay, epsilon, rms=None):
    """Mean −log₂ p over every predicted character, each scored before its segment updates the weights."""
    trained = [p.detach().clone() for p in model.parameters()]
    if rule == "rms":
        mean = (sum(r.double().sum() for r in rms) / sum(r.numel() for r in rms)).float()
        pull = [torch.clamp(decay * r / mean, max=1.0) for r in rms]
    total, count = 0.0, 0
    for loss, n in segment_gradients(model, ids, segment):
        total, count = total + loss, count + n
        with torch.no_grad():
            for k, p in enumerate(model.parameters()):
                if rule == "rms":
                    p += pull[k] * (trained[k] - p) - lr * p.grad / (rms[k] + epsilon)
                else:
                    p += decay * (trained[k] - p) - lr * p.grad
    return total / count / math.log(2), count


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m charlstm_torch.dynamic", description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("file")
    parser.add_argument("--rule", choices=["rms", "sgd"], default="rms")
    parser.add_argument("--segment", type=int, default=50)
    parser.add_argument("--lr", type=float, default=None, help="η (default: 3e-4 for rms, 0.05 for sgd)")
    parser.add_argument("--decay", type=float, default=None, help="λ (default: 3e-3 for rms, 1e-3 for sgd)")
    parser.add_argument("--epsilon", type=float, default=1e-5)
    parser.add_argument("--statistics", help="training text for r (needed by the rms rule)")
    parser.add_argument("--statistics-characters", type=int, default=20_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.rule == "rms" and not args.statistics:
        parser.error("the rms rule needs --statistics TRAINING.txt")
    lr = args.lr if args.lr is not None else (3e-4 if args.rule == "rms" else 0.05)
    decay = args.decay if args.decay is not None else (3e-3 if args.rule == "rms" else 1e-3)
    try:
        model, vocabulary, _ = checkpoint.read(args.checkpoint)
        ids = known_ids(read_text(args.file), vocabulary)
        rms = None
        if args.rule == "rms":
            training = known_ids(read_text(args.statistics)[:args.statistics_characters], vocabulary)
            rms = gradient_rms(model, training, args.segment)
    except (checkpoint.CheckpointError, CorpusError) as error:
        sys.exit(f"charlstm_torch.dynamic: {error}")
    if len(ids) < 2:
        sys.exit(f"charlstm_torch.dynamic: {args.file}: needs at least two characters the model knows")
    bpc, count = dynamic_bits_per_character(model, ids, args.rule, args.segment, lr, decay, args.epsilon, rms)
    if args.json:
        print(json.dumps({"bits_per_character": bpc, "characters": count}))
    else:
        print(f"{args.file}: {bpc:.4f} bits per character with dynamic evaluation over {count} characters")


if __name__ == "__main__":
    main()
