/// What a new run will be — its model's shape, its training options and its goal — from three sources in a fixed
/// order: the defaults (``ModelConfig/defaults``, ``TrainingOptions/init()``, ``TrainingGoal/defaultEpochs``); then,
/// for a run with a time budget and no goal or size of its own, ``ModelSizeRule``'s choice for this machine's
/// speed; then the settings the user gave, which always win. A front end hands those over as `applyGiven`, which
/// writes them into a shape and options (`charlstm train` does it from its flags).
public struct TrainingRecipe: Sendable {
    /// The model's shape (the vocabulary size from the corpus).
    public var config: ModelConfig
    /// The training settings.
    public var options: TrainingOptions
    /// When the run is complete.
    public var goal: TrainingGoal
    /// What the size rule chose, when it was asked.
    public var sizeChoice: ModelSizeRule.Choice?
    /// The precision of the run's products (also in ``options``), and why.
    public var precision: PrecisionDecision

    /// The recipe for training on `corpus` toward `goal` (nil: none given) within `minutes` (nil: no time limit).
    /// `choosesSize` is false when the shape is not the rule's to choose (fine-tuning a model of its own);
    /// `givenHidden` is the width the user fixed, if any, which the size rule then keeps. `measuring` hears when
    /// the rule's speed measurement starts (true) and ends (false), for a front end to say so. `precision` is
    /// settled for the final shape (and the rule measures the speed in what it settles to for the rule's
    /// reference shape).
    public static func make(corpus: Corpus, goal: TrainingGoal?, minutes: Double?, choosesSize: Bool = true,
                            givenHidden: Int?, precision: PrecisionRequest = .fp32,
                            applyGiven: (inout ModelConfig, inout TrainingOptions) -> Void,
                            measuring: (Bool) -> Void = { _ in }) throws -> TrainingRecipe {
        var config = ModelConfig.defaults
        config.vocabularySize = corpus.distinctCharacters.count
        var options = TrainingOptions()
        applyGiven(&config, &options)
        config.vocabularySize = min(config.vocabularySize, options.maxVocabulary ?? Int.max)
        var choice: ModelSizeRule.Choice?
        if let minutes, goal == nil, choosesSize {
            measuring(true)
            let vocabularySize = min(corpus.distinctCharacters.count, options.maxVocabulary ?? Int.max)
            var reference = config
            (reference.layers, reference.hidden, reference.embedding) = (ModelSizeRule.layers, ModelSizeRule.referenceWidth, ModelSizeRule.embedding)
            let probePrecision = try ProductPrecision.decide(precision, config: reference, batch: options.batch)
            func probe(_ width: Int) throws -> Double {
                try TrainingThroughput.probe(layers: ModelSizeRule.layers, hidden: width, cell: config.cell,
                                             embedding: ModelSizeRule.embedding,
                                             vocabulary: min(SyntheticText.maximumVocabulary, max(2, vocabularySize)), batch: options.batch,
                                             seq: options.seq, precision: probePrecision.precision)
            }
            let trainingCharacters = Int(Double(corpus.characterCount) * (1 - options.validationFraction))
            func choose(_ rates: [Int: Double]) -> ModelSizeRule.Choice {
                ModelSizeRule.choose(trainingCharacters: trainingCharacters, seconds: minutes * 60, measuredRates: rates,
                                     vocabularySize: vocabularySize, cell: config.cell, hidden: givenHidden)
            }
            // The reference width first, then the width it points to, until the chosen width's speed is measured,
            // not scaled (at most three more probes).
            var rates = [ModelSizeRule.referenceWidth: try probe(ModelSizeRule.referenceWidth)]
            var chosen = choose(rates)
            while rates[chosen.hidden] == nil && rates.count < 4 {
                rates[chosen.hidden] = try probe(chosen.hidden)
                chosen = choose(rates)
            }
            measuring(false)
            config.layers = chosen.layers
            config.hidden = chosen.hidden
            config.embedding = chosen.embedding
            options.dropout = chosen.dropout
            options.embeddingDropout = chosen.embeddingDropout
            options.dropoutMask = chosen.dropoutMask
            options.weightDecay = chosen.weightDecay
            applyGiven(&config, &options)
            choice = chosen
        }
        let decision = try ProductPrecision.decide(precision, config: config, batch: options.batch)
        options.precision = decision.precision
        try options.validate()
        // With only a time limit, the run has no step goal: it trains until the minutes are up.
        let goal = goal ?? (minutes != nil ? .openEnded : .epochs(TrainingGoal.defaultEpochs))
        return TrainingRecipe(config: config, options: options, goal: goal, sizeChoice: choice, precision: decision)
    }
}
