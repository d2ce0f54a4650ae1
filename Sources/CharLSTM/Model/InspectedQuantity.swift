/// What one LSTM unit holds at one step: the four gates (PyTorch's order i, f, g, o) and the two states.
///
///     f  forget: how much of c to keep          i  input: how much of the candidate to write
///     g  candidate: what would be written        o  output ("use"): how much of tanh(c) to show as h
///     c  the cell state, long-term memory        h  the hidden state, short-term memory: o ⊙ tanh(c)
public enum InspectedQuantity: String, Sendable, CaseIterable {
    case c, h, f, i, o, g

    /// How people name it: "long-term memory", "forget gate", …
    public var meaning: String {
        switch self {
        case .c: return "long-term memory (cell state)"
        case .h: return "short-term memory (hidden state)"
        case .f: return "forget gate"
        case .i: return "input gate"
        case .o: return "output (use) gate"
        case .g: return "candidate"
        }
    }

    /// Whether a model of `cell`s has it (``RecurrentCell/inspectedQuantities``).
    public func isAvailable(in cell: RecurrentCell) -> Bool { cell.inspectedQuantities.contains(self) }

    /// Whether it is a state carried from step to step (c, h) rather than a gate of one step.
    public var isState: Bool { self == .c || self == .h }
}
