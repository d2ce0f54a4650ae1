import CharLSTM

/// The flag that sets each of the engine's ``Setting``s: how the command line names settings in the engine's
/// messages. (A test checks that each one appears in a command's help.)
extension Setting {
    public var flag: String {
        switch self {
        case .cell: "--cell"
        case .layers: "--layers"
        case .hidden: "--hidden"
        case .embedding: "--embedding"
        case .batch: "--batch"
        case .seq: "--seq"
        case .learningRate: "--lr"
        case .schedule: "--schedule"
        case .dropoutMask: "--dropout-mask"
        case .seed: "--seed"
        case .learningRateDecay: "--lr-decay"
        case .learningRateDecayEvery: "--lr-decay-every"
        case .clip: "--clip"
        case .dropout: "--dropout"
        case .embeddingDropout: "--embedding-dropout"
        case .warmupSteps: "--warmup"
        case .minLearningRate: "--min-lr"
        case .weightDecay: "--weight-decay"
        case .validationFraction: "--val-fraction"
        case .validationCharacters: "--val-chars"
        case .maxVocabulary: "--max-vocabulary"
        case .evaluateEvery: "--eval-every"
        case .checkpointEvery: "--checkpoint-every"
        case .goalEpochs: "--epochs"
        case .goalSteps: "--steps"
        case .initialWeights: "--init-from"
        case .outputFolder: "--out"
        case .temperature: "--temperature"
        case .topK: "--top-k"
        case .topP: "--top-p"
        case .argmax: "--argmax"
        case .adaptationRule: "--dynamic-rule"
        case .adaptationSegment: "--dynamic-segment"
        case .adaptationRate: "--dynamic-lr"
        case .adaptationDecay: "--dynamic-decay"
        case .adaptationEpsilon: "--dynamic-epsilon"
        case .statisticsText: "--statistics"
        case .precision: "--precision"
        case .halfExport: "--half"
        case .int8Export: "--int8"
        }
    }
}

extension CharLSTMError {
    /// The message as the command line shows it: settings named by their flags.
    public var commandLineMessage: String { description(naming: \.flag) }
}

/// An error's one-line message as the command line shows it.
public func commandLineMessage(_ error: any Error) -> String {
    (error as? CharLSTMError)?.commandLineMessage ?? "\(error)"
}
