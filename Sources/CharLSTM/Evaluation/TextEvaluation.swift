import Foundation

/// How well a model predicts a text: bits per character over one stream, state carried from start to end.
public struct TextEvaluation: Sendable {
    /// Mean −log₂ p(next character), over every predicted character.
    public let bitsPerCharacter: Double
    /// Number of characters predicted (the text's in-vocabulary characters, less the first).
    public let predicted: Int
    /// Characters of the text that are not in the vocabulary, with counts; they are skipped.
    public let unknown: [Unicode.Scalar: Int]
    /// Whether the whole text was read (false when `progress` stopped it; the figures cover what was read).
    public let isComplete: Bool

    /// Evaluates `text`, streaming it through the network in chunks of `chunk` characters (a file is never
    /// held as an array of ids), reporting to `progress` after each chunk.
    public init<S: Sequence>(model: CharLSTMModel, text: S, chunk: Int = 256, progress: ReadingProgress? = nil)
    where S.Element == Unicode.Scalar {
        let workspace = ChunkWorkspace(config: model.config, batch: 1, steps: chunk)
        var previous: Int32?
        var filled = 0
        var predicted = 0
        var total = 0.0
        var goOn = true
        func run() {
            model.forward(workspace, batch: 1, steps: filled)
            total += model.loss(workspace, batch: 1, steps: filled)
            workspace.carryState(batch: 1, steps: filled)
            predicted += filled
            filled = 0
            goOn = progress?(predicted + 1) ?? true
        }
        let unknown = model.vocabulary.forEachID(in: text) { id in
            if let previous {
                workspace.inputs[filled] = previous
                workspace.targets[filled] = id
                filled += 1
                if filled == chunk { run() }
            }
            previous = id
            return goOn
        }
        if filled > 0 && goOn { run() }
        isComplete = goOn
        self.unknown = unknown
        self.predicted = predicted
        bitsPerCharacter = predicted > 0 ? total / Double(predicted) / M_LN2 : .nan
    }
}
