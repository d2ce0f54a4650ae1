/// The model a time-limited run gets when its user names no size: the widest two-layer model that still reads the
/// training text `minimumEpochs` times in the time given, with dropout only when it will read it many times.
///
/// Why: in a fixed time a wider model learns more per character but reads fewer characters. On tinyshakespeare in
/// 10 minutes (README, "Quality") 2×512 read the text about six times and reached 2.060 bits per character; the
/// next width, 2×768, would read it under three times. Regularisation pays only once a model starts to memorise
/// the text: at those six passes dropout and weight decay cost 0.012 bits (2.072 with them), while PyTorch, which
/// read the same text nine times in the same 10 minutes, overfitted without them (2.108) and gained 0.057 with
/// them (2.050). So the rule adds them from `dropoutFromEpochs` passes, between the two.
public struct ModelSizeRule: Sendable {
    /// The widths considered, narrowest first.
    public static let widths = [128, 192, 256, 384, 512, 768, 1024]
    public static let layers = 2
    public static let embedding = 64
    /// The width whose measured speed the rule scales from (`choose`'s `referenceRate`).
    public static let referenceWidth = 512
    /// Passes over the training text the chosen width must manage in the time given.
    public static let minimumEpochs = 4.0
    /// Passes from which dropout and weight decay are used.
    public static let dropoutFromEpochs = 8.0
    /// The regularisation used from ``dropoutFromEpochs`` passes: dropout after each layer and on the embedding
    /// (masks per sequence), and AdamW's weight decay.
    public static let dropout: Float = 0.25
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
        func epochs(_ width: Int) -> Double {
            let cost = { (h: Int) in
                Double(ModelConfig(vocabularySize: vocabularySize, embedding: embedding, hidden: h, layers: layers,
                                   cell: cell).forwardMultiplyAdds)
            }
            return seconds * referenceRate * cost(referenceWidth) / cost(width) / Double(max(1, trainingCharacters))
        }
        let width = fixedWidth ?? widths.last { epochs($0) >= minimumEpochs } ?? widths[0]
        let passes = epochs(width)
        let regularised = passes >= dropoutFromEpochs
        return Choice(layers: layers, hidden: width, embedding: embedding, dropout: regularised ? dropout : 0,
                      embeddingDropout: regularised ? embeddingDropout : 0, dropoutMask: .perSequence,
                      weightDecay: regularised ? weightDecay : 0, expectedEpochs: passes)
    }
}
