/// The hyper-parameters of a training run. They are stored in every checkpoint, so a resumed run continues with
/// the same settings.
public struct TrainingOptions: Sendable, Equatable, Codable {
    /// Parallel streams per step (B).
    public var batch = 50
    /// Time steps per chunk, the truncation length of backpropagation through time (T).
    public var seq = 50
    /// Adam's initial learning rate.
    public var learningRate: Float = 2e-3
    /// Factor the learning rate is multiplied by every ``learningRateDecayEvery`` epochs.
    public var learningRateDecay: Float = 0.5
    /// Epochs between learning-rate decays; 0 turns decay off.
    public var learningRateDecayEvery = 5
    /// Adam's first- and second-moment decay rates and its denominator epsilon.
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// Largest global gradient norm; larger gradients are scaled down to it. 0 turns clipping off.
    public var clip: Float = 5
    /// Dropout probability after every LSTM layer, in [0, 1).
    public var dropout: Float = 0
    /// Share of the corpus, taken from its end, held out for validation; in (0, 1).
    public var validationFraction = 0.1
    /// Steps between validation runs (each is logged, and may update `best`).
    public var evaluateEvery = 500
    /// Steps between writes of `latest`; 0 means only after validations and at the end.
    public var checkpointEvery = 0
    /// Seed of initialisation and dropout.
    public var seed: UInt64 = 1

    public init() {}

    enum CodingKeys: String, CodingKey {
        case batch, seq, clip, dropout, seed, beta1, beta2, epsilon
        case learningRate = "learning_rate"
        case learningRateDecay = "learning_rate_decay"
        case learningRateDecayEvery = "learning_rate_decay_every"
        case validationFraction = "validation_fraction"
        case evaluateEvery = "evaluate_every"
        case checkpointEvery = "checkpoint_every"
    }

    /// Rejects settings that make no sense, naming the flag.
    public func validate() throws {
        func require(_ ok: Bool, _ message: String) throws {
            if !ok { throw CharLSTMError.invalidSetting(message) }
        }
        try require(batch >= 1, "--batch must be at least 1 (got \(batch))")
        try require(seq >= 1, "--seq must be at least 1 (got \(seq))")
        try require(learningRate.isFinite && learningRate > 0, "--lr must be a positive number (got \(learningRate))")
        try require(learningRateDecay.isFinite && learningRateDecay > 0 && learningRateDecay <= 1,
                    "--lr-decay must be in (0, 1] (got \(learningRateDecay))")
        try require(learningRateDecayEvery >= 0, "--lr-decay-every must be 0 (off) or more (got \(learningRateDecayEvery))")
        try require(clip.isFinite && clip >= 0, "--clip must be 0 (off) or positive (got \(clip))")
        try require(dropout.isFinite && dropout >= 0 && dropout < 1, "--dropout must be in [0, 1) (got \(dropout))")
        try require(validationFraction > 0 && validationFraction < 1,
                    "--val-fraction must be strictly between 0 and 1 (got \(validationFraction))")
        try require(evaluateEvery >= 1, "--eval-every must be at least 1 (got \(evaluateEvery))")
        try require(checkpointEvery >= 0, "--checkpoint-every must be 0 or more (got \(checkpointEvery))")
    }

    /// The learning rate during epoch `epoch` (0-based): lr · decay^⌊epoch / every⌋, as in torch-rnn.
    public func learningRate(atEpoch epoch: Int) -> Float {
        guard learningRateDecayEvery > 0 else { return learningRate }
        var rate = learningRate
        for _ in 0..<(epoch / learningRateDecayEvery) { rate *= learningRateDecay }
        return rate
    }
}

/// When a training run is complete.
public enum TrainingGoal: Sendable, Equatable, Codable, CustomStringConvertible {
    /// After this many epochs in total.
    case epochs(Int)
    /// After this many steps in total.
    case steps(Int)

    /// No goal of its own: the run trains until a time limit or an interruption ends it. Stored (and saved in
    /// checkpoints) as a step count no run reaches.
    public static let openEnded = TrainingGoal.steps(Int.max / 2)

    /// Whether this is ``openEnded``.
    public var isOpenEnded: Bool { self == .openEnded }

    public var description: String {
        switch self {
        case .epochs(let n): return "\(n) epoch\(n == 1 ? "" : "s")"
        case .steps(let n): return "\(n) step\(n == 1 ? "" : "s")"
        }
    }

    /// Total steps the goal amounts to, given the epoch length.
    public func totalSteps(stepsPerEpoch: Int) -> Int {
        switch self {
        case .epochs(let n): return n * stepsPerEpoch
        case .steps(let n): return n
        }
    }
}

extension TrainingGoal {
    private enum CodingKeys: String, CodingKey { case epochs, steps }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let epochs = try container.decodeIfPresent(Int.self, forKey: .epochs) {
            self = .epochs(epochs)
        } else {
            self = .steps(try container.decode(Int.self, forKey: .steps))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .epochs(let n): try container.encode(n, forKey: .epochs)
        case .steps(let n): try container.encode(n, forKey: .steps)
        }
    }
}
