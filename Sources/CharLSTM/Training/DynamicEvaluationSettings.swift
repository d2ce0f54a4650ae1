/// How a ``DynamicLearner`` lets the weights follow a text (dynamic evaluation, Krause et al., 2018): the text is
/// read in segments of ``segment`` characters; each segment is scored with the weights as they are, then its mean
/// loss is backpropagated (the memory carried across segments, as in training) and the weights θ take one step.
///
/// With the `rms` rule, each parameter's step is normalised by the root mean square r of its gradients
/// (``GradientStatistics``), and the decay pulls it back towards its trained value θ₀ at a rate that grows with r
/// (a parameter the training text moved a lot may move back a lot):
///
///     θ ← θ − η · ∇ / (r + ε) + λ · min(r / r̄, 1/λ) · (θ₀ − θ)        r̄: the mean of r over every parameter
///
/// The `sgd` rule needs no statistics: θ ← θ − η · ∇ + λ · (θ₀ − θ).
public struct DynamicEvaluationSettings: Sendable, Equatable, Codable {
    /// The update rule.
    public enum Rule: String, Sendable, Codable, CaseIterable {
        /// RMS-normalised steps with an RMS-scaled decay; needs gradient statistics.
        case rms
        /// Plain gradient steps with a uniform decay.
        case sgd
    }

    /// The update rule.
    public var rule: Rule
    /// Characters per segment: one update after each.
    public var segment: Int
    /// The step size η.
    public var learningRate: Float
    /// The pull λ towards the trained weights, per update.
    public var decay: Float
    /// The rms rule's ε, in the units of r.
    public var epsilon: Float

    /// Settings as given.
    public init(rule: Rule, segment: Int, learningRate: Float, decay: Float, epsilon: Float) {
        self.rule = rule
        self.segment = segment
        self.learningRate = learningRate
        self.decay = decay
        self.epsilon = epsilon
    }

    /// The defaults of each rule, chosen by measurement (docs/dynamic-evaluation.md): a grid over η, λ and the
    /// segment length (20–200) on half of tinyshakespeare's held-out text with a ten-minute model.
    public static func defaults(for rule: Rule) -> DynamicEvaluationSettings {
        switch rule {
        case .rms: DynamicEvaluationSettings(rule: .rms, segment: 50, learningRate: 3e-4, decay: 3e-3, epsilon: 1e-5)
        case .sgd: DynamicEvaluationSettings(rule: .sgd, segment: 50, learningRate: 0.05, decay: 1e-3, epsilon: 1e-5)
        }
    }

    /// Throws when a value is out of range.
    public func validate() throws {
        guard segment >= 1 else {
            throw CharLSTMError.invalidSetting("\(Setting.adaptationSegment) must be at least 1 (got \(segment))")
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw CharLSTMError.invalidSetting("\(Setting.adaptationRate) must be a positive number (got \(learningRate))")
        }
        guard decay.isFinite, (0...1).contains(decay) else {
            throw CharLSTMError.invalidSetting("\(Setting.adaptationDecay) must be between 0 and 1 (got \(decay))")
        }
        guard epsilon.isFinite, epsilon > 0 else {
            throw CharLSTMError.invalidSetting("\(Setting.adaptationEpsilon) must be a positive number (got \(epsilon))")
        }
    }
}
