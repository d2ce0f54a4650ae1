#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How well a model predicts a text: bits per character over one stream, state carried from start to end.
public struct TextEvaluation: Sendable {
    /// Mean −log₂ p(next character), over every predicted character.
    public let bitsPerCharacter: Double
    /// Number of characters predicted (the text's in-vocabulary characters, less the first).
    public let predicted: Int
    /// Characters of the text that are not in the vocabulary, with counts; they are skipped.
    public let unknown: [Unicode.Scalar: Int]

    /// Evaluates `text`, running it in chunks of `chunk` characters.
    public init(model: CharLSTMModel, text: [Unicode.Scalar], chunk: Int = 256) {
        let (ids, unknown) = model.vocabulary.encode(text)
        self.unknown = unknown
        predicted = max(0, ids.count - 1)
        guard predicted > 0 else {
            bitsPerCharacter = .nan
            return
        }
        let workspace = ChunkWorkspace(config: model.config, batch: 1, steps: chunk)
        var total = 0.0
        var start = 0
        while start < predicted {
            let steps = min(chunk, predicted - start)
            for t in 0..<steps {
                workspace.inputs[t] = ids[start + t]
                workspace.targets[t] = ids[start + t + 1]
            }
            model.forward(workspace, batch: 1, steps: steps)
            total += model.loss(workspace, batch: 1, steps: steps)
            workspace.carryState(batch: 1, steps: steps)
            start += steps
        }
        bitsPerCharacter = total / Double(predicted) / M_LN2
    }
}
