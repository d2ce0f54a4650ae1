"""Load a charlstm checkpoint into stock PyTorch modules and measure bits per character on a text file.

Cross-checks the checkpoint format and the engine's numerics against PyTorch's own nn.LSTM, nn.GRU or nn.RNN
(whichever cell the checkpoint records):

    python3 Benchmarks/pytorch_crosscheck.py CHECKPOINT TEXTFILE
    charlstm eval CHECKPOINT TEXTFILE          # should agree to about 1e-4 bits

Needs `pip install torch safetensors`; nothing in the package's build or tests uses it.
"""
import json
import math
import pathlib
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "python"))
from charlstm_torch.model import CharLSTM  # noqa: E402  (the one model definition, python/charlstm_torch)


def main(checkpoint: str, text_path: str) -> None:
    with safe_open(checkpoint, "pt") as f:
        meta = f.metadata()
    vocab = json.loads(meta["vocab"])
    config = json.loads(meta["model"])
    V, E, H, L = config["vocabulary_size"], config["embedding"], config["hidden"], config["layers"]

    model = CharLSTM(V, E, H, L, config.get("cell", "lstm"))
    state = {k: v for k, v in load_file(checkpoint).items() if not k.startswith("train.")}
    model.load_state_dict(state, strict=True)

    index = {c: i for i, c in enumerate(vocab)}
    text = open(text_path, encoding="utf-8").read()
    ids = [index[c] for c in text if c in index]
    # One stream, fed in chunks with the state carried across them, as `charlstm eval` does.
    total, state, chunk = 0.0, None, 10_000
    with torch.no_grad():
        for start in range(0, len(ids) - 1, chunk):
            x = torch.tensor(ids[start:start + chunk]).unsqueeze(0)
            y = torch.tensor(ids[start + 1:start + chunk + 1])
            logits, state = model(x[:, :len(y)], state)
            total += torch.nn.functional.cross_entropy(logits.squeeze(0), y, reduction="sum").item()
    bits = total / (len(ids) - 1) / math.log(2)
    print(f"{text_path}: {bits:.4f} bits per character over {len(ids) - 1} characters (PyTorch)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
