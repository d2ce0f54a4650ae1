"""The charlstm architecture as stock PyTorch modules, with charlstm's tensor names (embed, lstm, head), so that
`load_state_dict` takes a charlstm checkpoint as it is. Shared by the scripts in this folder."""
import torch


class CharLSTM(torch.nn.Module):
    def __init__(self, vocabulary: int, embedding: int, hidden: int, layers: int):
        super().__init__()
        self.embed = torch.nn.Embedding(vocabulary, embedding)
        self.lstm = torch.nn.LSTM(embedding, hidden, layers, batch_first=True)
        self.head = torch.nn.Linear(hidden, vocabulary)

    def forward(self, ids, state=None):
        """Logits for every position of `ids` (batch × time), and the (h, c) state after the last one."""
        out, state = self.lstm(self.embed(ids), state)
        return self.head(out), state
