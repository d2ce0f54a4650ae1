extension CharLSTMModel {
    /// A 64-bit fingerprint of the model itself — its shape, its vocabulary and every weight's bits — so that a
    /// memory saved from it (a state file) can tell it from any other model: FNV-1a over the shape's numbers,
    /// the vocabulary's code points and the weights' bit patterns, one 32-bit word at a time. Two files with the
    /// same weights (a checkpoint and its export) have the same fingerprint. A 2×512 model takes about 10 ms.
    public var fingerprint: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt32) { hash = (hash ^ UInt64(word)) &* 0x0000_0100_0000_01b3 }
        let c = config
        for number in [c.layers, c.hidden, c.embedding, c.vocabularySize] { mix(UInt32(truncatingIfNeeded: number)) }
        for byte in c.cell.rawValue.utf8 { mix(UInt32(byte)) }
        for character in vocabulary.characters { mix(character.value) }
        for value in UnsafeBufferPointer(start: parameters.pointer, count: parameters.count) { mix(value.bitPattern) }
        return hash
    }

    /// "2×512 LSTM over 99 characters": the shape, for messages.
    public var shapeDescription: String {
        "\(config.layers)×\(config.hidden) \(config.cell.displayName) over \(config.vocabularySize) characters"
    }
}
