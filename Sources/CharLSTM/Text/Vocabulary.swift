/// The characters a model knows: the sorted set of Unicode scalars of its training corpus.
///
/// Scalars, not bytes (so "é" is one symbol, not two) and not grapheme clusters (so combining marks and emoji
/// sequences do not explode the vocabulary). A character's id is its position in the sorted list.
///
/// A capped vocabulary (``capped(counts:keeping:)``) keeps a corpus's most frequent characters and one unknown
/// symbol, U+FFFD, that every other character is read as; sampling never writes it.
public struct Vocabulary: Sendable, Equatable {
    /// The characters in ascending scalar order; `characters[id]` is the character with that id.
    public let characters: [Unicode.Scalar]
    private let ids: [Unicode.Scalar: Int32]
    /// The id every character outside the vocabulary is read as, in a capped vocabulary; nil otherwise.
    public let unknownID: Int32?

    /// The unknown symbol of a capped vocabulary.
    public static let unknownCharacter: Unicode.Scalar = "\u{FFFD}"

    /// The vocabulary of a text: every distinct scalar in it.
    public init<S: Sequence>(of text: S) where S.Element == Unicode.Scalar {
        self.init(uncheckedSorted: Set(text).sorted { $0.value < $1.value })
    }

    /// A vocabulary from an explicit list, which must be strictly ascending (as a checkpoint stores it); with
    /// `unknown`, a capped one whose unknown symbol is that character of the list.
    public init(characters: [Unicode.Scalar], unknown: Unicode.Scalar? = nil) throws {
        guard !characters.isEmpty else { throw CharLSTMError.invalidSetting("a vocabulary needs at least one character") }
        for (a, b) in zip(characters, characters.dropFirst()) where a.value >= b.value {
            throw CharLSTMError.invalidSetting("vocabulary is not strictly ascending at \(Vocabulary.printable(b))")
        }
        if let unknown, !characters.contains(unknown) {
            throw CharLSTMError.invalidSetting("the unknown symbol \(Vocabulary.printable(unknown)) is not in the vocabulary")
        }
        self.init(uncheckedSorted: characters, unknown: unknown)
    }

    private init(uncheckedSorted characters: [Unicode.Scalar], unknown: Unicode.Scalar? = nil) {
        self.characters = characters
        var ids: [Unicode.Scalar: Int32] = [:]
        ids.reserveCapacity(characters.count)
        for (id, character) in characters.enumerated() { ids[character] = Int32(id) }
        self.ids = ids
        unknownID = unknown.flatMap { ids[$0] }
    }

    /// The `limit − 1` most frequent characters of `counts` (ties: the lower scalar first) and the unknown symbol,
    /// or all of them when there are no more than `limit`.
    public static func capped(counts: [Unicode.Scalar: Int], keeping limit: Int) -> Vocabulary {
        precondition(limit >= 2)
        guard counts.count > limit else { return Vocabulary(uncheckedSorted: counts.keys.sorted { $0.value < $1.value }) }
        let kept = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.value < $1.key.value }
            .prefix(limit - 1).map(\.key)
        let characters = Set(kept + [unknownCharacter]).sorted { $0.value < $1.value }
        return Vocabulary(uncheckedSorted: characters, unknown: unknownCharacter)
    }

    /// The id a character is read as: its own, or in a capped vocabulary the unknown symbol's; nil for a character
    /// an uncapped vocabulary lacks.
    @inline(__always)
    public func readingID(of character: Unicode.Scalar) -> Int32? { ids[character] ?? unknownID }

    /// Number of characters.
    public var count: Int { characters.count }

    /// The id of a character, or nil when the vocabulary lacks it.
    public func id(of character: Unicode.Scalar) -> Int32? { ids[character] }

    /// The character with a given id.
    public func character(_ id: Int32) -> Unicode.Scalar { characters[Int(id)] }

    /// Calls `body` with the id of every character of `text` in order, streaming (no array of ids is built), until
    /// `body` returns false; the characters it lacks are returned with their counts — skipped, or in a capped
    /// vocabulary read as the unknown symbol.
    public func forEachID<S: Sequence>(in text: S, _ body: (Int32) -> Bool) -> [Unicode.Scalar: Int]
    where S.Element == Unicode.Scalar {
        var unknown: [Unicode.Scalar: Int] = [:]
        for character in text {
            if let id = ids[character] {
                if !body(id) { break }
            } else {
                unknown[character, default: 0] += 1
                if let unknownID, !body(unknownID) { break }
            }
        }
        return unknown
    }

    /// A visible rendering of a character for messages and listings: `\n`, `\t`, `␠` for space, `U+0007` for
    /// other invisible characters, the character itself otherwise.
    public static func printable(_ character: Unicode.Scalar) -> String {
        switch character {
        case "\n": return "\\n"
        case "\t": return "\\t"
        case "\r": return "\\r"
        case " ": return "␠"
        default:
            let invisible = character.properties.generalCategory == .control
                || character.properties.generalCategory == .format
                || character.properties.generalCategory == .unassigned
                || character.properties.generalCategory == .privateUse
                || character.properties.isWhitespace
            if invisible {
                let hex = String(character.value, radix: 16, uppercase: true)
                return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            }
            return String(character)
        }
    }
}
