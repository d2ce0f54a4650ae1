/// The model a time-limited run gets when its user names no size: the widest two-layer model that still reads the
/// training text `minimumEpochs` times in the time given, with dropout once it will see the text often enough, for its
/// size, to start memorising it.
///
/// Why: in a fixed time a wider model learns more per character but reads fewer characters. On tinyshakespeare in
/// 10 minutes (README, "Text quality") 2×512 read the text about six times and reached 2.060 bits per character; the
/// next width, 2×768, would read it under three times. Regularisation pays only once a model starts to memorise
/// the text, and how soon that happens grows with its weights per character of text: at six passes 2×512 (3.3 weights
/// per training character, so 20 "weight-passes") lost 0.012 bits to dropout and weight decay (2.072 with them),
/// while PyTorch, which read the same text nine times in the same 10 minutes (30), overfitted without them (2.108)
/// and gained 0.057 with them (2.050); and 2×1024 (12.9 weights per character) without them was 0.42 bits better on
/// its training text than on the held-out text after 3.7 passes (48) in a 30-minute run. So the rule adds them from
/// `dropoutFromWeightPasses`, between 20 and 30.
///
/// Long budgets on a small text: on tinyshakespeare 2×768 and 2×1024 were at their best after five to seven passes
/// and then memorised the text whatever their dropout (2×1024 read it 13 times in 60 minutes, 170 weight-passes,
/// and lost 0.02 bits after its best with dropout 0.4; 2×768 read it 12.5 times in 30 minutes and lost 0.01 with
/// dropout 0.25; README, "Thirty and sixty minutes"). A narrower model only reads the text more often, so the
/// widths go past 1,024: an hour gives 2×1536 about six passes, and with so many weights per character it gets the
/// stronger dropout from `strongDropoutFromWeightPasses` (181 weight-passes). It reached 2.031 bits per character
/// in that hour against 2×1024's 2.068, though still not 2×1024's 2.025 in half an hour: it too was best after
/// five passes. Past six or so passes of a small text, more time needs more text, not a wider model.
public struct ModelSizeRule: Sendable {
    /// The widths considered, narrowest first.
    public static let widths = [128, 192, 256, 384, 512, 768, 1024, 1536]
    public static let layers = 2
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
    public static let strongDropout: Float = 0.4
    public static let embeddingDropout: Float = 0.1
    public static let weightDecay: Float = 0.01

    /// What the rule chose, and the passes it expects the run to make.
    public struct Choice: Sendable, Equatable {
        public var layers: Int
        public var hidden: Int
        public var embedding: Int
        public var dropout: Float
        public var embeddingDropout: Float
        public var dropoutMask: DropoutMask
        public var weightDecay: Float
        public var expectedEpochs: Double
    }

    /// Chooses for `trainingCharacters` characters and `seconds` of training on a machine that trains a
    /// `layers`×`referenceWidth` model of `cell`s (this embedding and vocabulary) at `referenceRate` characters per
    /// second. Other widths' speeds are scaled by their multiply-adds per character. `hidden`, when given, fixes the
    /// width. (The thresholds were measured with LSTMs.)
    public static func choose(trainingCharacters: Int, seconds: Double, referenceRate: Double, vocabularySize: Int,
                              cell: RecurrentCell, hidden fixedWidth: Int? = nil) -> Choice {
        func config(_ width: Int) -> ModelConfig {
            ModelConfig(vocabularySize: vocabularySize, embedding: embedding, hidden: width, layers: layers, cell: cell)
        }
        let characters = Double(max(1, trainingCharacters))
        func epochs(_ width: Int) -> Double {
            let cost = { Double(config($0).forwardMultiplyAdds) }
            return seconds * referenceRate * cost(referenceWidth) / cost(width) / characters
        }
        let width = fixedWidth ?? widths.last { epochs($0) >= minimumEpochs } ?? widths[0]
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
