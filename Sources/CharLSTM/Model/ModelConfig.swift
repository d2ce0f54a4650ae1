/// The shape of a model: embedding → `layers` stacked LSTMs of `hidden` units → linear head over the vocabulary.
public struct ModelConfig: Sendable, Equatable, Codable {
    /// Number of characters in the vocabulary (V).
    public var vocabularySize: Int
    /// Width of the character embedding (E).
    public var embedding: Int
    /// Units per LSTM layer (H).
    public var hidden: Int
    /// Number of stacked LSTM layers (L).
    public var layers: Int

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocabulary_size", embedding, hidden, layers
    }

    public init(vocabularySize: Int, embedding: Int = 64, hidden: Int = 128, layers: Int = 2) {
        self.vocabularySize = vocabularySize
        self.embedding = embedding
        self.hidden = hidden
        self.layers = layers
    }

    /// Checks that every size is usable, with the flag name in the message.
    public func validate() throws {
        func require(_ ok: Bool, _ message: String) throws {
            if !ok { throw CharLSTMError.invalidSetting(message) }
        }
        try require(layers >= 1 && layers <= 64, "--layers must be between 1 and 64 (got \(layers))")
        try require(hidden >= 1 && hidden <= 16384, "--hidden must be between 1 and 16384 (got \(hidden))")
        try require(embedding >= 1 && embedding <= 16384, "--embedding must be between 1 and 16384 (got \(embedding))")
        try require(vocabularySize >= 1 && vocabularySize <= 1 << 21, "vocabulary size must be between 1 and 2^21 (got \(vocabularySize))")
    }

    /// Width of the input to layer `k`: the embedding for the first layer, the layer below's `h` otherwise.
    public func inputSize(ofLayer k: Int) -> Int { k == 0 ? embedding : hidden }

    /// Multiply-adds of one character's forward pass (input and recurrent products of every layer, and the head).
    public var forwardMultiplyAdds: Int {
        (0..<layers).reduce(0) { $0 + 4 * hidden * (inputSize(ofLayer: $1) + hidden) } + vocabularySize * hidden
    }
}
