import Foundation

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

    /// Whether a model of `cell`s has it: every cell has `h`; the gates i, f, g, o and the cell state c are the
    /// LSTM's.
    public func isAvailable(in cell: RecurrentCell) -> Bool { self == .h || cell == .lstm }
}

/// One character's record during an ``InspectionPass``: what every layer holds after reading it, and what the model
/// expects next. The pointers are valid only during the visitor's call; keep what you need by copying it.
public struct InspectionStep {
    /// Position of the character in the text's in-vocabulary characters (0-based).
    public let index: Int
    /// The character read at this position.
    public let character: Unicode.Scalar
    /// The character that actually comes next (nil for the last), and −log₂ p(it) under ``probabilities``.
    public let next: Unicode.Scalar?
    /// −log₂ p(character) before it was read, in bits; nil for the first character, which nothing predicts.
    public let surprisal: Double?
    /// The distribution of the next character, over the vocabulary's ids.
    public let probabilities: UnsafeBufferPointer<Float>
    let gates: [UnsafePointer<Float>]    // per layer: i, f, g, o blocks of H
    let cells: [UnsafePointer<Float>]    // per layer: c
    let hidden: [UnsafePointer<Float>]   // per layer: h
    let units: Int

    /// `quantity` of every unit of `layer`.
    public func values(_ quantity: InspectedQuantity, layer: Int) -> UnsafeBufferPointer<Float> {
        let start: UnsafePointer<Float>
        switch quantity {
        case .c: start = cells[layer]
        case .h: start = hidden[layer]
        case .i: start = gates[layer]
        case .f: start = gates[layer] + units
        case .g: start = gates[layer] + 2 * units
        case .o: start = gates[layer] + 3 * units
        }
        return UnsafeBufferPointer(start: start, count: units)
    }
}

/// Runs a text through a model at batch 1 and hands every character's gates, states, next-character distribution
/// and surprisal to a visitor, streaming: nothing is kept beyond one chunk, so the caller decides what to store.
///
/// It computes exactly what ``TextEvaluation`` computes — the same chunks through the same forward pass and the
/// same loss — so the mean surprisal over the text is the bits per character `eval` reports, to the last bit. The
/// last character, which predicts nothing, gets one more forward step of its own for its gates and states.
public struct InspectionPass {
    /// The model whose memory is recorded.
    public let model: CharLSTMModel
    /// Characters read per forward pass.
    public let chunk: Int

    /// `model` must be an LSTM: the pass records its gates and cell state.
    public init(model: CharLSTMModel, chunk: Int = 256) {
        precondition(model.config.cell == .lstm, "InspectionPass reads an LSTM's gates and cell state")
        self.model = model
        self.chunk = chunk
    }

    /// What the pass saw.
    public struct Summary: Sendable {
        /// Mean surprisal over every predicted character, bits: `eval`'s figure.
        public let bitsPerCharacter: Double
        /// Characters visited (in-vocabulary characters of the text).
        public let characters: Int
        /// Characters of the text the vocabulary lacks, with counts; they are skipped.
        public let unknown: [Unicode.Scalar: Int]
        /// False when `visit` or `progress` stopped the pass.
        public let isComplete: Bool
    }

    /// Visits every in-vocabulary character of `text` in order until `visit` returns false.
    public func run<S: Sequence>(_ text: S, progress: ReadingProgress? = nil,
                                 visit: (InspectionStep) -> Bool) -> Summary where S.Element == Unicode.Scalar {
        let config = model.config
        let workspace = ChunkWorkspace(config: config, batch: 1, steps: chunk, forTraining: true)
        let losses = UnsafeMutablePointer<Double>.allocate(capacity: chunk)
        defer { losses.deallocate() }
        var previous: Int32?
        var filled = 0, predicted = 0, visited = 0
        var total = 0.0
        var goOn = true

        // Runs the filled rows; visits rows 0..<filled, the last `withoutTarget` of them predicting nothing.
        func run(withoutTarget: Int) {
            model.forward(workspace, batch: 1, steps: filled)
            let chunkLoss = model.loss(workspace, batch: 1, steps: filled, rowLosses: losses)
            let predictedRows = filled - withoutTarget
            if withoutTarget == 0 { total += chunkLoss }
            for t in 0..<filled where goOn {
                let (h, v) = (config.hidden, config.vocabularySize)
                let layers = workspace.layers
                let step = InspectionStep(
                    index: visited, character: model.vocabulary.character(workspace.inputs[t]),
                    next: t < predictedRows ? model.vocabulary.character(workspace.targets[t]) : nil,
                    surprisal: t < predictedRows ? losses[t] / M_LN2 : nil,
                    probabilities: UnsafeBufferPointer(start: workspace.logits.pointer + t * v, count: v),
                    gates: layers.map { UnsafePointer($0.gates.pointer + t * 4 * h) },
                    cells: layers.map { UnsafePointer($0.c.pointer + (t + 1) * h) },
                    hidden: layers.map { UnsafePointer($0.h.pointer + (t + 1) * h) },
                    units: h)
                visited += 1
                goOn = visit(step)
            }
            predicted += predictedRows
            workspace.carryState(batch: 1, steps: filled)
            filled = 0
            if goOn { goOn = progress?(visited) ?? true }
        }

        let unknown = model.vocabulary.forEachID(in: text) { id in
            if let previous {
                workspace.inputs[filled] = previous
                workspace.targets[filled] = id
                filled += 1
                if filled == chunk { run(withoutTarget: 0) }
            }
            previous = id
            return goOn
        }
        if goOn && filled > 0 { run(withoutTarget: 0) }
        if goOn, let last = previous {
            // The last character: its gates and states, and the model's guess at what would follow it.
            workspace.inputs[0] = last
            workspace.targets[0] = 0
            filled = 1
            run(withoutTarget: 1)
        }
        return Summary(bitsPerCharacter: predicted > 0 ? total / Double(predicted) / M_LN2 : .nan,
                       characters: visited, unknown: unknown, isComplete: goOn)
    }
}
