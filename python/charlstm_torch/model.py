"""charlstm's model as stock PyTorch modules — `embed = nn.Embedding(V, E)`, `lstm = nn.LSTM(E, H, L,
batch_first=True)`, `head = nn.Linear(H, V)` — so its state dict is a charlstm checkpoint's tensors, name for name.

Dropout is charlstm's: on the embedding's output and after every LSTM layer (the last included), masks drawn per
element and step, or once per stream and chunk ("sequence", variational dropout). With dropout between layers the
stack runs one layer at a time, each through the same `nn.LSTM` kernel (cuDNN on a GPU) with that layer's
weights; without it, the whole stack is one call.
"""
import torch


class CharLSTM(torch.nn.Module):
    def __init__(self, vocabulary, embedding, hidden, layers):
        super().__init__()
        self.embed = torch.nn.Embedding(vocabulary, embedding)
        self.lstm = torch.nn.LSTM(embedding, hidden, layers, batch_first=True)
        self.head = torch.nn.Linear(hidden, vocabulary)
        # One-layer stand-ins that run layer k with the stack's own tensors; kept out of the state dict.
        object.__setattr__(self, "_single", [torch.nn.LSTM(embedding if k == 0 else hidden, hidden, 1, batch_first=True)
                                             for k in range(min(layers, 2))])

    @property
    def config(self):
        return {"vocabulary_size": self.embed.num_embeddings, "embedding": self.embed.embedding_dim,
                "hidden": self.lstm.hidden_size, "layers": self.lstm.num_layers}

    def forward(self, ids, state=None, embedding_dropout=0.0, dropout=0.0, mask="step"):
        """Logits (batch × time × V) and the (h, c) state after the last step, each layers × batch × H."""
        x = _dropout(self.embed(ids), embedding_dropout, mask)
        if dropout == 0:
            out, state = self.lstm(x, state)
            return self.head(out), state
        hs, cs = [], []
        for k in range(self.lstm.num_layers):
            weights = {f"{name}_l0": getattr(self.lstm, f"{name}_l{k}")
                       for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
            single = self._single[min(k, 1)].to(ids.device)
            layer_state = None if state is None else (state[0][k:k + 1], state[1][k:k + 1])
            x, (h, c) = torch.func.functional_call(single, weights, (x, layer_state))
            x = _dropout(x, dropout, mask)
            hs.append(h)
            cs.append(c)
        return self.head(x), (torch.cat(hs), torch.cat(cs))


def _dropout(x, p, mask):
    """Inverted dropout on batch × time × width activations; `mask` "sequence" keeps one mask for every step."""
    if p == 0:
        return x
    shape = (x.shape[0], 1, x.shape[2]) if mask == "sequence" else x.shape
    keep = (torch.rand(shape, device=x.device) >= p).to(x.dtype)
    return x * keep / (1 - p)
