"""charlstm's model as stock PyTorch modules — `embed = nn.Embedding(V, E)`, `lstm = nn.LSTM(E, H, L,
batch_first=True)` (or `gru = nn.GRU(…)`, `rnn = nn.RNN(…)` for the other cells), `head = nn.Linear(H, V)` — so its
state dict is a charlstm checkpoint's tensors, name for name.

Dropout is charlstm's: on the embedding's output and after every recurrent layer (the last included), masks drawn
per element and step, or once per stream and chunk ("sequence", variational dropout). With dropout between layers
the stack runs one layer at a time, each through the same PyTorch kernel (cuDNN on a GPU) with that layer's
weights; without it, the whole stack is one call.

The carried state is a tuple of layers × batch × H tensors: (h, c) for the LSTM, (h,) for the GRU and the RNN.
"""
import torch

CELLS = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}


class CharLSTM(torch.nn.Module):
    def __init__(self, vocabulary, embedding, hidden, layers, cell="lstm"):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}: charlstm has {', '.join(CELLS)}")
        self.cell = cell
        self.embed = torch.nn.Embedding(vocabulary, embedding)
        setattr(self, cell, CELLS[cell](embedding, hidden, layers, batch_first=True))
        self.head = torch.nn.Linear(hidden, vocabulary)
        # One-layer stand-ins that run layer k with the stack's own tensors; kept out of the state dict.
        object.__setattr__(self, "_single", [CELLS[cell](embedding if k == 0 else hidden, hidden, 1, batch_first=True)
                                             for k in range(min(layers, 2))])

    @property
    def recurrent(self):
        return getattr(self, self.cell)

    @property
    def config(self):
        return {"vocabulary_size": self.embed.num_embeddings, "embedding": self.embed.embedding_dim,
                "hidden": self.recurrent.hidden_size, "layers": self.recurrent.num_layers, "cell": self.cell}

    def _call(self, module, x, state, weights=None):
        """One call of an nn.LSTM/GRU/RNN (with `weights` in place of its own, when given), the state as
        charlstm's tuple."""
        given = state if self.cell == "lstm" or state is None else state[0]
        out, new = module(x, given) if weights is None else torch.func.functional_call(module, weights, (x, given))
        return out, tuple(new) if self.cell == "lstm" else (new,)

    def forward(self, ids, state=None, embedding_dropout=0.0, dropout=0.0, mask="step"):
        """Logits (batch × time × V) and the state tuple after the last step."""
        x = _dropout(self.embed(ids), embedding_dropout, mask)
        if dropout == 0:
            out, state = self._call(self.recurrent, x, state)
            return self.head(out), state
        layers = []
        for k in range(self.recurrent.num_layers):
            weights = {f"{name}_l0": getattr(self.recurrent, f"{name}_l{k}")
                       for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
            single = self._single[min(k, 1)].to(ids.device)
            layer_state = None if state is None else tuple(s[k:k + 1] for s in state)
            x, layer_state = self._call(single, x, layer_state, weights)
            x = _dropout(x, dropout, mask)
            layers.append(layer_state)
        return self.head(x), tuple(torch.cat(parts) for parts in zip(*layers))


def _dropout(x, p, mask):
    """Inverted dropout on batch × time × width activations; `mask` "sequence" keeps one mask for every step."""
    if p == 0:
        return x
    shape = (x.shape[0], 1, x.shape[2]) if mask == "sequence" else x.shape
    keep = (torch.rand(shape, device=x.device) >= p).to(x.dtype)
    return x * keep / (1 - p)
