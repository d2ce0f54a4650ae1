import Foundation

/// How the learning rate moves over a run. Every kind starts with an optional linear warm-up from lr/W to lr over
/// the first W steps, then:
///
///     step:    lr · decay^⌊epoch / every⌋                       (torch-rnn's; ignores the run's length)
///     cosine:  lr_min + (lr − lr_min) · ½(1 + cos πp)
///     linear:  lr_min + (lr − lr_min) · (1 − p)
///
/// with p ∈ [0, 1] the share of the run after warm-up that is done: (step − W) / (horizon − W). The horizon is
/// the step the run is expected to end at — its goal, or for a run ended by a time limit an estimate from its
/// measured speed — so a cosine or linear run reaches lr_min just as it ends, which is where its validation loss is
/// lowest. Before any horizon is known (an open-ended run's first step), p is 0.
public enum LearningRateSchedule: String, Sendable, Equatable, Codable, CaseIterable {
    case step, cosine, linear

    /// The learning rate for update number `step + 1` (0-based `step`) during epoch `epoch`.
    public func rate(step: Int, epoch: Int, horizon: Int?, options o: TrainingOptions) -> Float {
        let warmup = step < o.warmupSteps ? Float(step + 1) / Float(o.warmupSteps) : 1
        switch self {
        case .step:
            guard o.learningRateDecayEvery > 0 else { return o.learningRate * warmup }
            var rate = o.learningRate
            for _ in 0..<(epoch / o.learningRateDecayEvery) { rate *= o.learningRateDecay }
            return rate * warmup
        case .cosine, .linear:
            guard step >= o.warmupSteps else { return o.learningRate * warmup }
            var done = 0.0
            if let horizon {
                let span = horizon - o.warmupSteps
                done = span > 0 ? min(1, Double(step - o.warmupSteps) / Double(span)) : 1
            }
            let remaining = self == .cosine ? 0.5 * (1 + cos(Double.pi * done)) : 1 - done
            return o.minLearningRate + (o.learningRate - o.minLearningRate) * Float(remaining)
        }
    }
}
