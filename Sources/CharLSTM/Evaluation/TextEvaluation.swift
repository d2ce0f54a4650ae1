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

    /// Whether the products were int8 ones, as priming and sampling this model multiply (``Int8Weights``: a model
    /// whose matrices lie on int8 grids, on a CPU with the kernel); otherwise they were float.
    public let usedInt8Weights: Bool

    /// Evaluates `text`, streaming it through the network in chunks of `chunk` characters (a file is never
    /// held as an array of ids), reporting to `progress` after each chunk. The products are those a sampler of the
    /// model runs: int8 where it has int8 copies, so the figure is the one priming and sampling achieve; F16
    /// copies hold the float weights' very values, so floats stand in for them.
    public init<S: Sequence>(model: CharLSTMModel, text: S, chunk: Int = 256, progress: ReadingProgress? = nil)
    where S.Element == Unicode.Scalar {
        let int8 = Int8Weights(model: model)
        usedInt8Weights = int8 != nil
        let workspace = ChunkWorkspace(config: model.config, batch: 1, steps: chunk, keepsLayerGates: false,
                                       halfWeights: nil, int8Weights: int8)
        var predicted = 0
        var total = 0.0
        let reader = ChunkedReader(vocabulary: model.vocabulary, workspace: workspace, pairs: true)
        let outcome = reader.read(text, progress: progress) { rows in
            model.forward(workspace, batch: 1, steps: rows)
            total += model.loss(workspace, batch: 1, steps: rows)
            workspace.carryState(batch: 1, steps: rows)
            predicted += rows
            return true
        }
        isComplete = outcome.isComplete
        let unknown = outcome.unknown
        self.unknown = unknown
        self.predicted = predicted
        bitsPerCharacter = predicted > 0 ? total / Double(predicted) / M_LN2 : .nan
    }
}
