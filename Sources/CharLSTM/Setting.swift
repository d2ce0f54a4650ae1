/// A setting of a model, a training run or sampling, by what it means. The engine's messages name settings this
/// way; a front end shows each in its own words — the command line as its flag (`--lr`), so renaming a flag never
/// touches the engine.
public enum Setting: String, Sendable, CaseIterable {
    case cell, layers, hidden, embedding
    case batch, seq, learningRate, schedule, learningRateDecay, learningRateDecayEvery, clip
    case dropout, embeddingDropout, dropoutMask
    case warmupSteps, minLearningRate, weightDecay, validationFraction, validationCharacters, evaluateEvery, checkpointEvery,
        maxVocabulary, seed
    case goalEpochs, goalSteps, initialWeights, outputFolder
    case temperature, topK, topP, argmax
    case adaptationRule, adaptationSegment, adaptationRate, adaptationDecay, adaptationEpsilon, statisticsText
    case precision
    case halfExport, int8Export

    /// Plain words, for a message shown without a front end's names: "learning rate".
    public var plainName: String {
        switch self {
        case .cell: "cell"
        case .layers: "layers"
        case .hidden: "hidden units"
        case .embedding: "embedding width"
        case .batch: "batch"
        case .seq: "sequence length"
        case .learningRate: "learning rate"
        case .schedule: "learning-rate schedule"
        case .dropoutMask: "dropout mask"
        case .seed: "seed"
        case .learningRateDecay: "learning-rate decay"
        case .learningRateDecayEvery: "learning-rate decay interval"
        case .clip: "gradient clip"
        case .dropout: "dropout"
        case .embeddingDropout: "embedding dropout"
        case .warmupSteps: "warm-up steps"
        case .minLearningRate: "minimum learning rate"
        case .weightDecay: "weight decay"
        case .validationFraction: "validation fraction"
        case .validationCharacters: "validation sample size"
        case .maxVocabulary: "vocabulary cap"
        case .evaluateEvery: "validation interval"
        case .checkpointEvery: "checkpoint interval"
        case .goalEpochs: "epoch goal"
        case .goalSteps: "step goal"
        case .initialWeights: "starting weights (a new run from a checkpoint)"
        case .outputFolder: "output folder"
        case .temperature: "temperature"
        case .topK: "top-k"
        case .topP: "top-p"
        case .argmax: "argmax (greedy) decoding"
        case .adaptationRule: "dynamic-evaluation rule"
        case .adaptationSegment: "dynamic-evaluation segment length"
        case .adaptationRate: "dynamic-evaluation learning rate"
        case .adaptationDecay: "dynamic-evaluation decay"
        case .adaptationEpsilon: "dynamic-evaluation epsilon"
        case .statisticsText: "text for gradient statistics"
        case .precision: "precision of the matrix products"
        case .halfExport: "export as 16-bit floats"
        case .int8Export: "export on int8 grids"
        }
    }
}

/// A message that names settings by ``Setting``, so whoever shows it can name them its own way. Written as a
/// string literal with settings interpolated: `"\(Setting.batch) must be at least 1 (got \(batch))"`.
public struct SettingMessage: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Piece: Sendable, Equatable {
        case text(String)
        case setting(Setting)
    }

    var pieces: [Piece]

    public init(stringLiteral value: String) { pieces = [.text(value)] }

    public init(stringInterpolation: StringInterpolation) { pieces = stringInterpolation.pieces }

    /// The message with each setting called `name(setting)`.
    public func rendered(naming name: (Setting) -> String) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let text): text
            case .setting(let setting): name(setting)
            }
        }.joined()
    }

    /// The message with settings in plain words.
    public var description: String { rendered { $0.plainName } }

    public struct StringInterpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { pieces.append(.text(literal)) }
        }

        public mutating func appendInterpolation(_ setting: Setting) { pieces.append(.setting(setting)) }

        public mutating func appendInterpolation(_ message: SettingMessage) { pieces += message.pieces }

        public mutating func appendInterpolation<T>(_ value: T) { pieces.append(.text("\(value)")) }
    }
}
