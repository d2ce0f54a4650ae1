import Foundation

/// Lets a model's weights follow the text it reads (dynamic evaluation; the rule is in
/// ``DynamicEvaluationSettings``). It reads at batch 1, a segment at a time: every character of a segment is scored
/// with the weights as they are before the segment — so each figure is a fair prediction, made before anything has
/// learned from that character — and only then does the segment's loss move the weights.
///
/// The learner changes `model.parameters` in place and keeps a copy of the weights it started from (θ₀), so the
/// model can always go back to them (``resetWeights()``). Everything is allocated when it is made; reading a
/// segment allocates nothing.
public final class DynamicLearner {
    /// The model whose weights follow the text.
    public let model: CharLSTMModel
    /// The rule, segment length and step sizes.
    public let settings: DynamicEvaluationSettings
    /// The gradient statistics of the `rms` rule (nil for `sgd`).
    public let statistics: GradientStatistics?
    /// Updates made since the weights were last θ₀.
    public private(set) var updates = 0

    /// θ₀: the weights the learner started from.
    let trained: FloatBuffer
    let gradients: FloatBuffer
    let workspace: TrainingWorkspace
    /// Each row's cross-entropy (nats) in the last segment.
    let rowLosses: UnsafeMutablePointer<Double>

    /// A learner for `model` from its weights now. The `rms` rule needs `statistics` of this model's layout.
    public init(model: CharLSTMModel, settings: DynamicEvaluationSettings, statistics: GradientStatistics?) throws {
        try settings.validate()
        if settings.rule == .rms {
            guard let statistics else {
                throw CharLSTMError.invalidSetting("the \(Setting.adaptationRule) rms needs gradient statistics: a resumable checkpoint's Adam moments, or a pass over training text (\(Setting.statisticsText))")
            }
            precondition(statistics.rms.count == model.layout.bufferCount, "statistics of another model's layout")
        }
        self.model = model
        self.settings = settings
        self.statistics = settings.rule == .rms ? statistics : nil
        trained = FloatBuffer(count: model.parameters.count)
        trained.pointer.update(from: model.parameters.pointer, count: trained.count)
        gradients = FloatBuffer(count: model.layout.bufferCount)
        workspace = TrainingWorkspace(config: model.config, batch: 1, steps: settings.segment)
        rowLosses = .allocate(capacity: settings.segment)
        rowLosses.initialize(repeating: 0, count: settings.segment)
    }

    deinit { rowLosses.deallocate() }

    // MARK: Reading

    /// Scores the `rows` (character, next character) pairs in ``workspace``'s inputs and targets from the carried
    /// memory, then backpropagates their mean loss and updates the weights, and carries the memory on. Returns the
    /// summed cross-entropy (nats) of the scores; each row's is left in ``rowLosses``. A segment whose loss is not
    /// finite teaches nothing.
    func learnSegment(rows: Int) -> Double {
        var unused = RandomSource(seed: 0)
        model.forward(workspace, batch: 1, steps: rows, random: &unused)
        let loss = model.loss(workspace, batch: 1, steps: rows, rowLosses: rowLosses)
        if loss.isFinite {
            gradients.zero()
            model.backward(workspace, batch: 1, steps: rows, scale: 1 / Float(rows), gradients: gradients)
            update()
        }
        workspace.carryState(batch: 1, steps: rows)
        return loss
    }

    /// Reads `text` as dynamic evaluation does, from the memory the learner holds: every (character, next) pair
    /// is scored, then learned from, a segment at a time. `scored` hears each predicted character's id and its
    /// surprisal in nats, in order; `each` and `progress` are ``ChunkedReader``'s.
    func read<S: Sequence>(_ text: S, progress: ReadingProgress?, each: ((Int32) -> Void)? = nil,
                           scored: ((_ id: Int32, _ nats: Double) -> Void)? = nil) -> ChunkedReader.Outcome
    where S.Element == Unicode.Scalar {
        let reader = ChunkedReader(vocabulary: model.vocabulary, workspace: workspace, pairs: true)
        return reader.read(text, progress: progress, each: each) { rows in
            _ = learnSegment(rows: rows)
            if let scored { for r in 0..<rows { scored(workspace.targets[r], rowLosses[r]) } }
            return true
        }
    }

    /// Zeroes the learner's memory: the start of a text.
    public func resetMemory() { workspace.resetState() }

    // MARK: The weights

    /// Returns the weights to θ₀, the ones the learner started from.
    public func resetWeights() {
        model.parameters.pointer.update(from: trained.pointer, count: trained.count)
        updates = 0
    }

    /// Whether the weights are θ₀.
    public var hasMoved: Bool { updates > 0 }

    /// How far the weights have moved: ‖θ − θ₀‖ / ‖θ₀‖ over every parameter.
    public var relativeChange: Double {
        var moved = 0.0, size = 0.0
        for j in 0..<trained.count {
            let (now, then) = (Double(model.parameters.pointer[j]), Double(trained.pointer[j]))
            moved += (now - then) * (now - then)
            size += then * then
        }
        return size > 0 ? (moved / size).squareRoot() : 0
    }

    /// A copy of the weights now and of how many updates made them, to come back to with ``restoreWeights(_:)``.
    public func keepWeights(into kept: inout KeptWeights) {
        if kept.values.count != trained.count { kept.values = [Float](repeating: 0, count: trained.count) }
        kept.values.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: model.parameters.pointer, count: trained.count) }
        kept.updates = updates
    }

    /// Puts weights kept by ``keepWeights(into:)`` back.
    public func restoreWeights(_ kept: KeptWeights) {
        precondition(kept.values.count == trained.count, "weights of another model's layout")
        kept.values.withUnsafeBufferPointer { model.parameters.pointer.update(from: $0.baseAddress!, count: trained.count) }
        updates = kept.updates
    }

    /// Weights a learner kept, to put back.
    public struct KeptWeights: Sendable {
        var values: [Float] = []
        var updates = 0
        /// Room for a copy, filled by ``DynamicLearner/keepWeights(into:)``.
        public init() {}
    }

    /// One update of every parameter from ``gradients``, shared out among the engine's threads (each parameter's
    /// update is its own, so the split changes no result).
    private func update() {
        let count = model.parameters.count
        let parts = count >= Adam.splitThreshold ? EngineThreads.count : 1
        let rms = statistics.map { UnsafePointer($0.rms.pointer) }
        let mean = statistics?.meanRMS ?? 0
        Parallel.forEachBlock(of: count, parts: parts, quantum: 1024,
                              DynamicUpdateBlock(theta: model.parameters.pointer, trained: trained.pointer,
                                                 g: gradients.pointer, rms: rms, eta: settings.learningRate,
                                                 lambda: settings.decay, epsilon: settings.epsilon,
                                                 inverseMeanRMS: mean > 0 ? 1 / mean : 0))
        updates += 1
    }
}

/// The update of a block of parameters θ (trained values θ₀, gradients g), as ``DynamicEvaluationSettings`` gives
/// it; with `rms` the rms rule, whose decay rate λ · min(r / r̄, 1/λ) is written min(λ · r / r̄, 1).
private struct DynamicUpdateBlock: BlockWork {
    let theta: UnsafeMutablePointer<Float>, trained: UnsafePointer<Float>, g: UnsafePointer<Float>
    let rms: UnsafePointer<Float>?
    let eta: Float, lambda: Float, epsilon: Float, inverseMeanRMS: Float

    func run(_ block: Range<Int>, number _: Int) {
        if let rms {
            for j in block {
                let r = rms[j]
                let pull = min(lambda * r * inverseMeanRMS, 1)
                theta[j] += pull * (trained[j] - theta[j]) - eta * g[j] / (r + epsilon)
            }
        } else {
            for j in block { theta[j] += lambda * (trained[j] - theta[j]) - eta * g[j] }
        }
    }
}
