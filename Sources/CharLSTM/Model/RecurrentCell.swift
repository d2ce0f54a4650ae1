/// The recurrent cell of every layer in a stack, with PyTorch's equations, gate order and tensor names.
///
///     LSTM  [i f g o]:  c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)         (nn.LSTM)
///     GRU   [r z n]:    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
///                       h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}                          (nn.GRU)
///     RNN   [a]:        h_t = tanh(W_ih x + b_ih + W_hh h + b_hh)                (nn.RNN, tanh)
///
/// Only the LSTM has a cell state `c` next to `h`.
public enum RecurrentCell: String, Sendable, Codable, CaseIterable {
    case lstm, gru, rnn

    /// Gate blocks per unit: the rows of `W_ih` and `W_hh` are `gateCount · H`.
    public var gateCount: Int {
        switch self {
        case .lstm: 4
        case .gru: 3
        case .rnn: 1
        }
    }

    /// What a layer of this cell shows of each unit, for inspection and the REPL: every cell its `h`; the LSTM
    /// also its `c` and its four gates. (A GRU's r, z, n gates are not shown: they are not a memory one reads.)
    public var inspectedQuantities: [InspectedQuantity] {
        self == .lstm ? [.c, .h, .f, .i, .o, .g] : [.h]
    }

    /// Which block of a step's gate row holds `gate` (PyTorch's order: LSTM i, f, g, o), or nil for a state or a
    /// gate the cell does not show.
    func gateBlock(of gate: InspectedQuantity) -> Int? {
        guard self == .lstm else { return nil }
        switch gate {
        case .i: return 0
        case .f: return 1
        case .g: return 2
        case .o: return 3
        case .c, .h: return nil
        }
    }

    /// Whether the cell keeps a long-term memory `c` besides `h` (only the LSTM does).
    public var hasCellState: Bool { self == .lstm }

    /// The PyTorch module attribute the layer tensors are named after (`lstm.weight_ih_l0`, `gru.…`, `rnn.…`).
    public var moduleName: String { rawValue }

    /// "LSTM", "GRU", "RNN".
    public var displayName: String { rawValue.uppercased() }
}
