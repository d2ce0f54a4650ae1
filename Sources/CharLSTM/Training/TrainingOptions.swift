/// The hyper-parameters of a training run. They are stored in every checkpoint, so a resumed run continues with
/// the same settings.
public struct TrainingOptions: Sendable, Equatable, Codable {
    /// Parallel streams per step (B).
    public var batch = 50
    /// Time steps per chunk, the truncation length of backpropagation through time (T).
    public var seq = 50
    /// Adam's peak learning rate (after warm-up; the start of the schedule).
    public var learningRate: Float = 2e-3
    /// How the learning rate moves over the run.
    public var schedule = LearningRateSchedule.cosine
    /// Steps of linear warm-up at the start of the run; 0 = none.
    public var warmupSteps = 0
    /// Where the cosine and linear schedules end.
    public var minLearningRate: Float = 0
    /// The step schedule's factor, applied every ``learningRateDecayEvery`` epochs.
    public var learningRateDecay: Float = 0.5
    /// Epochs between the step schedule's decays; 0 turns decay off.
    public var learningRateDecayEvery = 5
    /// Decoupled weight decay λ (AdamW): every matrix (not the biases) shrinks by lr·λ per step.
    public var weightDecay: Float = 0
    /// Adam's first- and second-moment decay rates and its denominator epsilon.
    public var beta1: Float = 0.9
    /// Adam's second-moment decay rate.
    public var beta2: Float = 0.999
    /// Adam's ε, added to the denominator's square root.
    public var epsilon: Float = 1e-8
    /// Largest global gradient norm; larger gradients are scaled down to it. 0 turns clipping off.
    public var clip: Float = 5
    /// Dropout probability after every LSTM layer, in [0, 1).
    public var dropout: Float = 0
    /// Dropout probability on the embedding's output (the first layer's input), in [0, 1).
    public var embeddingDropout: Float = 0
    /// Whether a dropout mask is drawn per element and time step, or once per stream and chunk (which
    /// measured better: docs/quality.md).
    public var dropoutMask = DropoutMask.perSequence
    /// Share of the corpus, taken from its end, held out for validation; in (0, 1).
    public var validationFraction = 0.1
    /// Steps between validation runs (each is logged, and may update `best`).
    public var evaluateEvery = 500
    /// Held-out characters each validation reads at most; nil: ``defaultValidationCharacters``. The held-out text
    /// is cut into the validation streams as a whole, and each stream reads only the start of its piece, so the
    /// sample is the same windows at every validation, spread evenly over the held-out text — and is all of it
    /// when the held-out text is no longer.
    public var validationCharacters: Int?
    /// Steps between writes of `latest`; 0 means only after validations and at the end.
    public var checkpointEvery = 0
    /// The most characters the vocabulary of a new run holds: past it, the most frequent `maxVocabulary − 1` and
    /// one unknown symbol that the rest are read as (``Vocabulary/capped(counts:keeping:)``); nil: every one.
    public var maxVocabulary: Int?
    /// Seed of initialisation and dropout.
    public var seed: UInt64 = 1
    /// The precision of the training passes' matrix products. Unlike the settings above it may change when a run
    /// is resumed (``Trainer/init(resuming:model:corpus:goal:precision:)``); a checkpoint records the last one.
    public var precision = ProductPrecision.fp32

    /// charlstm's defaults (those `charlstm train --help` shows).
    public init() {}

    /// How many held-out characters a validation reads when ``validationCharacters`` is not given: a tenth of the
    /// characters trained between validations. Reading a character forward only costs 0.30 to 0.46 of training
    /// on one (2×128 to 2×512, docs/big-corpora.md), so validation takes at most about 5% of the run (4.4% at
    /// 0.46) whatever the size of the corpus.
    public var defaultValidationCharacters: Int { max(1, evaluateEvery * batch * seq / Self.validationShareDivisor) }

    /// The divisor of the rule above.
    public static let validationShareDivisor = 10

    /// What each validation reads at most: ``validationCharacters`` or the default.
    public var validationSampleCharacters: Int { validationCharacters ?? defaultValidationCharacters }

    enum CodingKeys: String, CodingKey {
        case batch, seq, clip, dropout, seed, beta1, beta2, epsilon, schedule, precision
        case learningRate = "learning_rate"
        case warmupSteps = "warmup_steps"
        case minLearningRate = "min_learning_rate"
        case weightDecay = "weight_decay"
        case embeddingDropout = "embedding_dropout"
        case dropoutMask = "dropout_mask"
        case learningRateDecay = "learning_rate_decay"
        case learningRateDecayEvery = "learning_rate_decay_every"
        case validationFraction = "validation_fraction"
        case evaluateEvery = "evaluate_every"
        case checkpointEvery = "checkpoint_every"
        case validationCharacters = "validation_characters"
        case maxVocabulary = "max_vocabulary"
    }

    /// Reads options saved by any version: settings a checkpoint predates take the value that reproduces how it
    /// was trained (the step schedule, no warm-up, decay or embedding dropout, masks per step).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batch = try c.decode(Int.self, forKey: .batch)
        seq = try c.decode(Int.self, forKey: .seq)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        schedule = try c.decodeIfPresent(LearningRateSchedule.self, forKey: .schedule) ?? .step
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? 0
        minLearningRate = try c.decodeIfPresent(Float.self, forKey: .minLearningRate) ?? 0
        learningRateDecay = try c.decode(Float.self, forKey: .learningRateDecay)
        learningRateDecayEvery = try c.decode(Int.self, forKey: .learningRateDecayEvery)
        weightDecay = try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? 0
        beta1 = try c.decode(Float.self, forKey: .beta1)
        beta2 = try c.decode(Float.self, forKey: .beta2)
        epsilon = try c.decode(Float.self, forKey: .epsilon)
        clip = try c.decode(Float.self, forKey: .clip)
        dropout = try c.decode(Float.self, forKey: .dropout)
        embeddingDropout = try c.decodeIfPresent(Float.self, forKey: .embeddingDropout) ?? 0
        dropoutMask = try c.decodeIfPresent(DropoutMask.self, forKey: .dropoutMask) ?? .perStep
        validationFraction = try c.decode(Double.self, forKey: .validationFraction)
        evaluateEvery = try c.decode(Int.self, forKey: .evaluateEvery)
        checkpointEvery = try c.decode(Int.self, forKey: .checkpointEvery)
        // A run recorded before the sample existed validated on all of its held-out text, and goes on doing so.
        validationCharacters = try c.decodeIfPresent(Int.self, forKey: .validationCharacters) ?? Int.max
        maxVocabulary = try c.decodeIfPresent(Int.self, forKey: .maxVocabulary)
        seed = try c.decode(UInt64.self, forKey: .seed)
        precision = try c.decodeIfPresent(ProductPrecision.self, forKey: .precision) ?? .fp32
    }

    /// Rejects settings that make no sense, naming the setting.
    public func validate() throws {
        func require(_ ok: Bool, _ message: SettingMessage) throws {
            if !ok { throw CharLSTMError.invalidSetting(message) }
        }
        try require(batch >= 1, "\(Setting.batch) must be at least 1 (got \(batch))")
        try require(seq >= 1, "\(Setting.seq) must be at least 1 (got \(seq))")
        try require(learningRate.isFinite && learningRate > 0, "\(Setting.learningRate) must be a positive number (got \(learningRate))")
        try require(learningRateDecay.isFinite && learningRateDecay > 0 && learningRateDecay <= 1,
                    "\(Setting.learningRateDecay) must be in (0, 1] (got \(learningRateDecay))")
        try require(learningRateDecayEvery >= 0, "\(Setting.learningRateDecayEvery) must be 0 (off) or more (got \(learningRateDecayEvery))")
        try require(clip.isFinite && clip >= 0, "\(Setting.clip) must be 0 (off) or positive (got \(clip))")
        try require(dropout.isFinite && dropout >= 0 && dropout < 1, "\(Setting.dropout) must be in [0, 1) (got \(dropout))")
        try require(embeddingDropout.isFinite && embeddingDropout >= 0 && embeddingDropout < 1,
                    "\(Setting.embeddingDropout) must be in [0, 1) (got \(embeddingDropout))")
        try require(warmupSteps >= 0, "\(Setting.warmupSteps) must be 0 (off) or more (got \(warmupSteps))")
        try require(minLearningRate.isFinite && minLearningRate >= 0 && minLearningRate <= learningRate,
                    "\(Setting.minLearningRate) must be between 0 and \(Setting.learningRate) (got \(minLearningRate), \(Setting.learningRate) \(learningRate))")
        try require(weightDecay.isFinite && weightDecay >= 0 && weightDecay * learningRate < 1,
                    "\(Setting.weightDecay) must be 0 (off) or positive, with \(Setting.learningRate) × \(Setting.weightDecay) below 1 (got \(weightDecay))")
        try require(validationFraction > 0 && validationFraction < 1,
                    "\(Setting.validationFraction) must be strictly between 0 and 1 (got \(validationFraction))")
        try require(evaluateEvery >= 1, "\(Setting.evaluateEvery) must be at least 1 (got \(evaluateEvery))")
        try require(validationCharacters.map { $0 >= 1 } ?? true,
                    "\(Setting.validationCharacters) must be at least 1 (got \(validationCharacters ?? 0))")
        try require(maxVocabulary.map { $0 >= 2 } ?? true,
                    "\(Setting.maxVocabulary) must be at least 2 (got \(maxVocabulary ?? 0))")
        try require(checkpointEvery >= 0, "\(Setting.checkpointEvery) must be 0 or more (got \(checkpointEvery))")
    }
}

extension DropoutSettings {
    /// The dropout a training run with `options` applies.
    public init(_ options: TrainingOptions) {
        self.init(embedding: options.embeddingDropout, layers: options.dropout, mask: options.dropoutMask)
    }
}

/// When a training run is complete.
public enum TrainingGoal: Sendable, Equatable, Codable {
    /// After this many epochs in total.
    case epochs(Int)
    /// After this many steps in total.
    case steps(Int)
    /// No goal of its own: the run trains until a time limit or an interruption ends it.
    case openEnded

    /// The goal of a new run that names none and has no time limit.
    public static let defaultEpochs = 10

    /// Whether this is ``openEnded``.
    public var isOpenEnded: Bool { self == .openEnded }

    /// Total steps the goal amounts to, given the epoch length: for an open-ended run, a count no run reaches.
    public func totalSteps(stepsPerEpoch: Int) -> Int {
        switch self {
        case .epochs(let n): return n * stepsPerEpoch
        case .steps(let n): return n
        case .openEnded: return Self.unreachableStep
        }
    }

    /// The step goal files written before `{"open_ended": true}` existed give an open-ended run.
    static let unreachableStep = Int.max / 2
}

/// In a checkpoint's `training_goal`: `{"epochs": N}`, `{"steps": N}` or `{"open_ended": true}` (see
/// docs/checkpoint-format.md). `{"steps": 4611686018427387903}` is read as open-ended too.
extension TrainingGoal {
    private enum CodingKeys: String, CodingKey {
        case epochs, steps
        case openEnded = "open_ended"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if try container.decodeIfPresent(Bool.self, forKey: .openEnded) == true {
            self = .openEnded
        } else if let epochs = try container.decodeIfPresent(Int.self, forKey: .epochs) {
            self = .epochs(epochs)
        } else {
            let steps = try container.decode(Int.self, forKey: .steps)
            self = steps == Self.unreachableStep ? .openEnded : .steps(steps)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .epochs(let n): try container.encode(n, forKey: .epochs)
        case .steps(let n): try container.encode(n, forKey: .steps)
        case .openEnded: try container.encode(true, forKey: .openEnded)
        }
    }
}
