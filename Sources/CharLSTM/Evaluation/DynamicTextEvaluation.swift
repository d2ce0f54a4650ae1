import Foundation

/// How well a model predicts a text when its weights may follow the text as it is read (dynamic evaluation, see
/// ``DynamicLearner``): bits per character over one stream from zero memory, every character scored before any
/// update has seen it. The caller's model is left as it was: the evaluation adapts a copy.
public struct DynamicTextEvaluation: Sendable {
    /// Mean −log₂ p(next character), over every predicted character, each predicted before it was learned from.
    public let bitsPerCharacter: Double
    /// Number of characters predicted (the text's in-vocabulary characters, less the first).
    public let predicted: Int
    /// Bits per character of the first segment alone: made before any update, so the same as static evaluation's.
    public let firstSegmentBitsPerCharacter: Double
    /// Characters of the text that are not in the vocabulary, with counts; they are skipped.
    public let unknown: [Unicode.Scalar: Int]
    /// Whether the whole text was read (false when `progress` stopped it; the figures cover what was read).
    public let isComplete: Bool
    /// How far the weights had moved from the trained ones at the end, ‖θ − θ₀‖ / ‖θ₀‖.
    public let relativeChange: Double

    /// Evaluates `text` with `settings` (and, for the rms rule, `statistics`), reporting to `progress` after each
    /// segment.
    public init<S: Sequence>(model: CharLSTMModel, text: S, settings: DynamicEvaluationSettings,
                             statistics: GradientStatistics?, progress: ReadingProgress? = nil) throws
    where S.Element == Unicode.Scalar {
        let learner = try DynamicLearner(model: model.copy(), settings: settings, statistics: statistics)
        var total = 0.0, first = 0.0
        var predicted = 0
        let outcome = learner.read(text, progress: progress, scored: { _, nats in
            total += nats
            if predicted < settings.segment { first += nats }
            predicted += 1
        })
        self.predicted = predicted
        unknown = outcome.unknown
        isComplete = outcome.isComplete
        bitsPerCharacter = predicted > 0 ? total / Double(predicted) / M_LN2 : .nan
        firstSegmentBitsPerCharacter = predicted > 0 ? first / Double(min(predicted, settings.segment)) / M_LN2 : .nan
        relativeChange = learner.relativeChange
    }
}
