/// The shape of a model: embedding → `layers` stacked recurrent layers (LSTM, GRU or RNN cells) of `hidden` units →
/// linear head over the vocabulary.
public struct ModelConfig: Sendable, Equatable, Codable {
    /// Number of characters in the vocabulary (V).
    public var vocabularySize: Int
    /// Width of the character embedding (E).
    public var embedding: Int
    /// Units per recurrent layer (H).
    public var hidden: Int
    /// Number of stacked recurrent layers (L).
    public var layers: Int
    /// The cell of every layer.
    public var cell: RecurrentCell

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocabulary_size", embedding, hidden, layers, cell
    }

    /// A new model's shape where nothing else is said (its vocabulary comes from the corpus).
    public static let defaults = ModelConfig(vocabularySize: 0, embedding: 64, hidden: 128, layers: 2, cell: .lstm)

    /// A shape; ``validate()`` checks it.
    public init(vocabularySize: Int, embedding: Int, hidden: Int, layers: Int, cell: RecurrentCell) {
        self.vocabularySize = vocabularySize
        self.embedding = embedding
        self.hidden = hidden
        self.layers = layers
        self.cell = cell
    }

    /// Checkpoints written before there was a choice of cell hold LSTMs and have no `cell` entry.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        vocabularySize = try values.decode(Int.self, forKey: .vocabularySize)
        embedding = try values.decode(Int.self, forKey: .embedding)
        hidden = try values.decode(Int.self, forKey: .hidden)
        layers = try values.decode(Int.self, forKey: .layers)
        cell = try values.decodeIfPresent(RecurrentCell.self, forKey: .cell) ?? .lstm
    }

    /// Checks that every size is usable, naming the setting.
    public func validate() throws {
        func require(_ ok: Bool, _ message: SettingMessage) throws {
            if !ok { throw CharLSTMError.invalidSetting(message) }
        }
        try require(layers >= 1 && layers <= 64, "\(Setting.layers) must be between 1 and 64 (got \(layers))")
        try require(hidden >= 1 && hidden <= 16384, "\(Setting.hidden) must be between 1 and 16384 (got \(hidden))")
        try require(embedding >= 1 && embedding <= 16384, "\(Setting.embedding) must be between 1 and 16384 (got \(embedding))")
        try require(vocabularySize >= 1 && vocabularySize <= 1 << 21, "vocabulary size must be between 1 and 2^21 (got \(vocabularySize))")
    }

    /// Width of the input to layer `k`: the embedding for the first layer, the layer below's `h` otherwise.
    public func inputSize(ofLayer k: Int) -> Int { k == 0 ? embedding : hidden }

    /// Multiply-adds of one character's forward pass (input and recurrent products of every layer, and the head).
    public var forwardMultiplyAdds: Int {
        (0..<layers).reduce(0) { $0 + cell.gateCount * hidden * (inputSize(ofLayer: $1) + hidden) } + vocabularySize * hidden
    }
}
