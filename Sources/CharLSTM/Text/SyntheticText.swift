/// The characters of the random texts that speed measurements train and sample on (`bench`, the size rule's
/// probe): `vocabulary` distinct ones, each written with as few UTF-8 bytes as a real text of that many
/// characters would use — printable ASCII first (94), then CJK ideographs (U+4E00…, 20,992 of them, three bytes
/// each, as a Chinese corpus has), then ideographs beyond the Basic Multilingual Plane (U+20000…, four bytes).
public enum SyntheticText {
    /// The largest vocabulary it can write.
    public static let maximumVocabulary = 94 + 20_992 + 42_720

    /// Character `k` of a vocabulary (0 ≤ k < ``maximumVocabulary``).
    public static func character(_ k: Int) -> Unicode.Scalar {
        precondition(k >= 0 && k < maximumVocabulary)
        if k < 94 { return Unicode.Scalar(UInt8(33 + k)) }
        if k < 94 + 20_992 { return Unicode.Scalar(UInt32(0x4E00 + k - 94))! }
        return Unicode.Scalar(UInt32(0x20000 + k - 94 - 20_992))!
    }

    /// `count` random characters of a `vocabulary`-character alphabet, every one of them among the first
    /// `vocabulary` (so the text's vocabulary is the whole alphabet), as UTF-8.
    public static func utf8(count: Int, vocabulary: Int, random: inout RandomSource) -> [UInt8] {
        precondition(vocabulary >= 2 && vocabulary <= maximumVocabulary && count >= vocabulary)
        var text = String.UnicodeScalarView()
        for k in 0..<vocabulary { text.append(character(k)) }
        for _ in vocabulary..<count { text.append(character(Int(random.next() % UInt64(vocabulary)))) }
        return Array(String(text).utf8)
    }
}
