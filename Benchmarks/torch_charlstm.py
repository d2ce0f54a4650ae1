"""The charlstm architecture as stock PyTorch modules, with charlstm's tensor names (embed, lstm/gru/rnn, head), so
that `load_state_dict` takes a charlstm checkpoint as it is. Shared by the scripts in this folder."""
import torch

CELLS = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}


class CharLSTM(torch.nn.Module):
    def __init__(self, vocabulary: int, embedding: int, hidden: int, layers: int, cell: str = "lstm"):
        super().__init__()
        self.cell = cell
        self.embed = torch.nn.Embedding(vocabulary, embedding)
        setattr(self, cell, CELLS[cell](embedding, hidden, layers, batch_first=True))
        self.head = torch.nn.Linear(hidden, vocabulary)

    def forward(self, ids, state=None):
        """Logits for every position of `ids` (batch × time), and the state after the last one ((h, c) for the
        LSTM, h for the others)."""
        out, state = getattr(self, self.cell)(self.embed(ids), state)
        return self.head(out), state
