"""Load a charlstm checkpoint into stock PyTorch modules and measure bits per character on a text file.

Cross-checks the checkpoint format and the engine's numerics against PyTorch's own LSTM:

    python3 Benchmarks/pytorch_crosscheck.py CHECKPOINT TEXTFILE
    charlstm eval CHECKPOINT TEXTFILE          # should agree to about 1e-4 bits

Needs `pip install torch safetensors`; nothing in the package's build or tests uses it.
"""
import json
import math
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file


def main(checkpoint: str, text_path: str) -> None:
    with safe_open(checkpoint, "pt") as f:
        meta = f.metadata()
    vocab = json.loads(meta["vocab"])
    config = json.loads(meta["model"])
    V, E, H, L = config["vocabulary_size"], config["embedding"], config["hidden"], config["layers"]

    class CharLSTM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(V, E)
            self.lstm = torch.nn.LSTM(E, H, L, batch_first=True)
            self.head = torch.nn.Linear(H, V)

        def forward(self, ids):
            out, _ = self.lstm(self.embed(ids))
            return self.head(out)

    model = CharLSTM()
    state = {k: v for k, v in load_file(checkpoint).items() if not k.startswith("train.")}
    model.load_state_dict(state, strict=True)

    index = {c: i for i, c in enumerate(vocab)}
    text = open(text_path, encoding="utf-8").read()
    ids = [index[c] for c in text if c in index]
    x = torch.tensor(ids[:-1]).unsqueeze(0)
    y = torch.tensor(ids[1:])
    with torch.no_grad():
        logits = model(x).squeeze(0)
        nats = torch.nn.functional.cross_entropy(logits, y, reduction="mean").item()
    print(f"{text_path}: {nats / math.log(2):.4f} bits per character over {len(ids) - 1} characters (PyTorch)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
