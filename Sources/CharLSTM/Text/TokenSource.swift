/// A sequence of character ids that can be read at any position: what a ``StreamBatcher`` cuts into streams.
public protocol TokenSource {
    /// Number of ids.
    var count: Int { get }
    /// Writes ids `start ..< start + length` to `destination`.
    func read(from start: Int, count length: Int, into destination: UnsafeMutablePointer<Int32>)
}

/// Ids held in memory (tests, small texts).
extension Array: TokenSource where Element == Int32 {
    public func read(from start: Int, count length: Int, into destination: UnsafeMutablePointer<Int32>) {
        withUnsafeBufferPointer { destination.update(from: $0.baseAddress! + start, count: length) }
    }
}

/// A stretch of a ``TextFile`` seen through a vocabulary: the ids are decoded from the file's bytes on demand, so
/// a corpus is never held as an array of ids. Every character of the stretch must be in the vocabulary.
public struct EncodedText: TokenSource {
    public let file: TextFile
    public let vocabulary: Vocabulary
    /// The characters of the file this covers.
    public let characters: Range<Int>

    /// - Precondition: every character of `file` is in `vocabulary` (check ``TextFile/distinctCharacters``).
    public init(file: TextFile, vocabulary: Vocabulary, characters: Range<Int>) {
        self.file = file
        self.vocabulary = vocabulary
        self.characters = characters
    }

    public var count: Int { characters.count }

    /// A character the vocabulary lacks — only possible once the file has changed under the mapping, which
    /// ``TextFile/change()`` reports — reads as id 0.
    public func read(from start: Int, count length: Int, into destination: UnsafeMutablePointer<Int32>) {
        var k = 0
        file.forEachCharacter(from: characters.lowerBound + start, count: length) { character in
            destination[k] = vocabulary.readingID(of: character) ?? 0
            k += 1
        }
    }
}
