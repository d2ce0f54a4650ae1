import Foundation

/// The model a time-limited run gets when its user names no size: the widest two-layer model that still reads the
/// training text `minimumEpochs` times in the time given, with dropout once it will see the text often enough, for its
/// size, to start memorising it.
///
/// Why: in a fixed time a wider model learns more per character but reads fewer characters, and four passes were
/// the fewest that paid. Regularisation pays only once a model starts to memorise the text, and how soon that
/// happens grows with its weights per training character: the rule measures exposure in "weight-passes", passes ×
/// weights per training character, and adds dropout and weight decay from ``dropoutFromWeightPasses`` (a model at
/// 20 lost a little to them, one at 30 gained much), stronger dropout from ``strongDropoutFromWeightPasses``. On a
/// small text the best models measured were best after five to seven passes whatever their dropout, so a long
/// budget goes to a wider model rather than to more passes, up to the widest width; past that, more time needs more
/// text. The measurements behind each threshold are in docs/quality.md.
public struct ModelSizeRule: Sendable {
    /// The widths considered, narrowest first.
    public static let widths = [128, 192, 256, 384, 512, 768, 1024, 1536]
    /// Layers of every model the rule chooses.
    public static let layers = 2
    /// Embedding width of every model the rule chooses.
    public static let embedding = 64
    /// The width whose measured speed the rule scales from (`choose`'s `referenceRate`).
    public static let referenceWidth = 512
    /// Passes over the training text the chosen width must manage in the time given.
    public static let minimumEpochs = 4.0
    /// Passes over the training text times the model's weights per training character, from which dropout and
    /// weight decay are used.
    public static let dropoutFromWeightPasses = 25.0
    /// The regularisation used from ``dropoutFromWeightPasses``: dropout after each layer and on the embedding
    /// (masks per sequence), and AdamW's weight decay.
    public static let dropout: Float = 0.25
    /// Weight-passes from which ``strongDropout`` replaces ``dropout``: between the 88 of 2×1024 in 30 minutes, where
    /// dropout 0.25 gave the best figure measured, and the 181 of 2×1536 in an hour, which got 0.4. (2×1536 with 0.25
    /// is not measured.)
    public static let strongDropoutFromWeightPasses = 100.0
    /// Dropout after each layer from ``strongDropoutFromWeightPasses``.
    public static let strongDropout: Float = 0.4
    /// Dropout on the embedding, and weight decay, once regularised.
    public static let embeddingDropout: Float = 0.1
    public static let weightDecay: Float = 0.01

    /// What the rule chose, and the passes it expects the run to make.
    public struct Choice: Sendable, Equatable {
        /// The shape chosen.
        public var layers: Int
        public var hidden: Int
        public var embedding: Int
        /// The regularisation chosen (zero when none).
        public var dropout: Float
        public var embeddingDropout: Float
        public var dropoutMask: DropoutMask
        public var weightDecay: Float
        /// The passes over the training text the rule expects in the time given.
        public var expectedEpochs: Double
    }

    /// Chooses for `trainingCharacters` characters and `seconds` of training on a machine that trains a
    /// `layers`×`referenceWidth` model of `cell`s (this embedding and vocabulary) at `referenceRate` characters per
    /// second. Other widths' speeds are scaled by their multiply-adds per character. `hidden`, when given, fixes the
    /// width. (The thresholds were measured with LSTMs.)
    public static func choose(trainingCharacters: Int, seconds: Double, referenceRate: Double, vocabularySize: Int,
                              cell: RecurrentCell, hidden fixedWidth: Int? = nil) -> Choice {
        choose(trainingCharacters: trainingCharacters, seconds: seconds, measuredRates: [referenceWidth: referenceRate],
               vocabularySize: vocabularySize, cell: cell, hidden: fixedWidth)
    }

    /// Chooses as above from the speeds measured for some widths (characters per second, by width). A width not
    /// measured gets the speed of the measured width nearest in multiply-adds, scaled by their ratio; a width that
    /// measured too slow rules out itself and everything wider. Scaling is only an estimate: a narrower model
    /// does less work per step for the same overheads, so 2×256 trained at 0.8× the speed scaled from 2×512 on
    /// a 2-core machine (docs/quality.md) — hence ``TrainingRecipe`` measures the width chosen and chooses again.
    public static func choose(trainingCharacters: Int, seconds: Double, measuredRates: [Int: Double],
                              vocabularySize: Int, cell: RecurrentCell, hidden fixedWidth: Int? = nil) -> Choice {
        precondition(!measuredRates.isEmpty)
        func config(_ width: Int) -> ModelConfig {
            ModelConfig(vocabularySize: vocabularySize, embedding: embedding, hidden: width, layers: layers, cell: cell)
        }
        let characters = Double(max(1, trainingCharacters))
        let cost = { (width: Int) in Double(config(width).forwardMultiplyAdds) }
        func rate(_ width: Int) -> Double {
            if let measured = measuredRates[width] { return measured }
            let distance = { (measured: Int) in abs(log(cost(measured) / cost(width))) }
            let nearest = measuredRates.keys.min { (distance($0), $0) < (distance($1), $1) }!
            return measuredRates[nearest]! * cost(nearest) / cost(width)
        }
        func epochs(_ width: Int) -> Double { seconds * rate(width) / characters }
        let tooSlow = measuredRates.keys.filter { epochs($0) < minimumEpochs }.min() ?? Int.max
        let width = fixedWidth ?? widths.last { $0 < tooSlow && epochs($0) >= minimumEpochs } ?? widths[0]
        let passes = epochs(width)
        let weightsPerCharacter = Double(ParameterLayout(config: config(width)).parameterCount) / characters
        let weightPasses = passes * weightsPerCharacter
        let regularised = weightPasses >= dropoutFromWeightPasses
        let layerDropout = weightPasses >= strongDropoutFromWeightPasses ? strongDropout : dropout
        return Choice(layers: layers, hidden: width, embedding: embedding, dropout: regularised ? layerDropout : 0,
                      embeddingDropout: regularised ? embeddingDropout : 0, dropoutMask: .perSequence,
                      weightDecay: regularised ? weightDecay : 0, expectedEpochs: passes)
    }
}
