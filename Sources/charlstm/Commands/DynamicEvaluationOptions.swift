import ArgumentParser
import CharLSTM

/// How the weights follow a text in dynamic evaluation — `eval --dynamic` and the REPL's `:learn` — and where the
/// rms rule's gradient statistics come from.
struct DynamicEvaluationOptions: ParsableArguments {
    @Option(name: .customLong("dynamic-rule"),
            help: "Dynamic evaluation's update rule: rms (steps normalised by training gradients' RMS) or sgd (default: rms when gradient statistics can be had, sgd otherwise).")
    var rule: DynamicEvaluationSettings.Rule?

    @Option(name: .customLong("dynamic-segment"), help: "Characters per segment: the weights take one step after each.")
    var segment = DynamicEvaluationSettings.defaults(for: .rms).segment

    @Option(name: .customLong("dynamic-lr"),
            help: "The step size η (default: \(DynamicEvaluationSettings.defaults(for: .rms).learningRate) for rms, \(DynamicEvaluationSettings.defaults(for: .sgd).learningRate) for sgd).")
    var learningRate: Float?

    @Option(name: .customLong("dynamic-decay"),
            help: "The pull λ towards the trained weights per step (default: \(DynamicEvaluationSettings.defaults(for: .rms).decay) for rms, \(DynamicEvaluationSettings.defaults(for: .sgd).decay) for sgd).")
    var decay: Float?

    @Option(name: .customLong("dynamic-epsilon"), help: "The rms rule's ε, added to each gradient RMS.")
    var epsilon = DynamicEvaluationSettings.defaults(for: .rms).epsilon

    @Option(help: ArgumentHelp("Training text to gather the rms rule's gradient statistics from (default: the statistics stored in the checkpoint, else its own corpus where that file is unchanged, else a resumable checkpoint's Adam moments).",
                               valueName: "file"))
    var statistics: String?

    @Option(name: .customLong("statistics-characters"), help: "Characters of that text the statistics pass reads.")
    var statisticsCharacters = GradientStatistics.defaultPassLength

    func validate() throws {
        if statisticsCharacters < 2 {
            throw ValidationError("--statistics-characters must be at least 2 (got \(statisticsCharacters))")
        }
    }

    /// The settings asked for, for `rule` (the one given, or the one the statistics at hand allow).
    func settings(rule chosen: DynamicEvaluationSettings.Rule) throws -> DynamicEvaluationSettings {
        var settings = DynamicEvaluationSettings.defaults(for: chosen)
        settings.segment = segment
        settings.epsilon = epsilon
        if let learningRate { settings.learningRate = learningRate }
        if let decay { settings.decay = decay }
        try settings.validate()
        return settings
    }

    /// Where the statistics come from for `checkpoint`, as these options and ``GradientStatistics/plan(for:)`` say.
    func statisticsPlan(for checkpoint: Checkpoint) throws -> GradientStatistics.Plan {
        if rule == .sgd { return .none }
        if let statistics { return .pass(try TextFile(path: statistics)) }
        return GradientStatistics.plan(for: checkpoint)
    }
}

extension DynamicEvaluationSettings.Rule: ExpressibleByArgument {}

extension DynamicEvaluationSettings {
    /// The settings in a line, as `eval` and `:learn` show them: "rms rule, segment 50, η 0.0003, λ 0.003, ε 1e-05".
    var summary: String {
        "\(rule.rawValue) rule, segment \(segment), η \(learningRate), λ \(decay)\(rule == .rms ? ", ε \(epsilon)" : "")"
    }
}
