import Foundation

/// One character's record during an ``InspectionPass``: what every layer holds after reading it, and what the model
/// expects next. The pointers are valid only during the visitor's call; keep what you need by copying it.
public struct InspectionStep {
    /// Position of the character in the text's in-vocabulary characters (0-based).
    public let index: Int
    /// The character read at this position.
    public let character: Unicode.Scalar
    /// The character that actually comes next (nil for the last), and −log₂ p(it) under ``probabilities``.
    public let next: Unicode.Scalar?
    /// −log₂ p(``next``) under ``probabilities``, in bits: how surprised the model is by the character that
    /// follows; nil for the last character, which nothing follows.
    public let surprisal: Double?
    /// The distribution of the next character, over the vocabulary's ids.
    public let probabilities: UnsafeBufferPointer<Float>
    let layers: [LayerActivations]
    /// The row of the chunk this character is.
    let step: Int
    let units: Int

    /// `quantity` of every unit of `layer`.
    public func values(_ quantity: InspectedQuantity, layer: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: layers[layer].values(quantity, stateRow: step + 1, gateStep: step, hidden: units),
                            count: units)
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
        let workspace = ChunkWorkspace(config: config, batch: 1, steps: chunk, keepsLayerGates: true)
        let losses = UnsafeMutablePointer<Double>.allocate(capacity: chunk)
        defer { losses.deallocate() }
        var predicted = 0, visited = 0
        var total = 0.0
        var goOn = true

        // Runs `rows` rows; visits them, the last `withoutTarget` of them predicting nothing.
        func run(_ rows: Int, withoutTarget: Int) {
            model.forward(workspace, batch: 1, steps: rows)
            let chunkLoss = model.loss(workspace, batch: 1, steps: rows, rowLosses: losses)
            let predictedRows = rows - withoutTarget
            if withoutTarget == 0 { total += chunkLoss }
            for t in 0..<rows where goOn {
                let v = config.vocabularySize
                let step = InspectionStep(
                    index: visited, character: model.vocabulary.character(workspace.inputs[t]),
                    next: t < predictedRows ? model.vocabulary.character(workspace.targets[t]) : nil,
                    surprisal: t < predictedRows ? losses[t] / M_LN2 : nil,
                    probabilities: UnsafeBufferPointer(start: workspace.logits.pointer + t * v, count: v),
                    layers: workspace.layers, step: t, units: config.hidden)
                visited += 1
                goOn = visit(step)
            }
            predicted += predictedRows
            workspace.carryState(batch: 1, steps: rows)
        }

        let reader = ChunkedReader(vocabulary: model.vocabulary, workspace: workspace, pairs: true)
        let outcome = reader.read(text, progress: progress) { rows in
            run(rows, withoutTarget: 0)
            return goOn
        }
        let unknown = outcome.unknown
        goOn = outcome.isComplete
        if goOn, let last = outcome.last {
            // The last character: its gates and states, and the model's guess at what would follow it.
            workspace.inputs[0] = last
            workspace.targets[0] = 0
            run(1, withoutTarget: 1)
        }
        return Summary(bitsPerCharacter: predicted > 0 ? total / Double(predicted) / M_LN2 : .nan,
                       characters: visited, unknown: unknown, isComplete: goOn)
    }
}
