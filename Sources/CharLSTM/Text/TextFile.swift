/// A UTF-8 text file, validated once and then read character by character straight from its bytes.
///
/// Only the bytes are kept in memory — no array of characters or of ids — so a corpus costs about its own size.
/// One pass at load validates the UTF-8 (reporting the byte offset of the first bad sequence), counts the
/// characters, collects the distinct ones, fingerprints the bytes, and records the byte offset of every
/// 1024th character, so that any stretch of the text can be decoded without scanning from the start.
/// A leading byte-order mark is not part of the text. Iterating a `TextFile` yields its characters.
public final class TextFile: Sequence, @unchecked Sendable {
    /// The path the file was read from.
    public let path: String
    /// Size in bytes as read.
    public let byteCount: Int
    /// FNV-1a 64-bit hash of the bytes.
    public let fingerprint: UInt64
    /// Number of characters (Unicode scalars) in the text.
    public let characterCount: Int
    /// The distinct characters of the text, in ascending scalar order.
    public let distinctCharacters: [Unicode.Scalar]

    private let bytes: [UInt8]
    /// Byte offset of character `k · indexStride`.
    private let index: [Int]
    static let indexStride = 1024

    /// Reads and validates `path`. Fails with a one-line error for a missing, unreadable, empty or non-UTF-8 file.
    public convenience init(path: String) throws {
        try self.init(path: path, bytes: FileBytes.read(path))
    }

    /// Validates bytes already in memory; `path` is used in messages.
    public init(path: String, bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { throw CharLSTMError.emptyFile(path: path) }
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var index: [Int] = []
        index.reserveCapacity(bytes.count / Self.indexStride + 1)
        var seen = [Bool](repeating: false, count: 0x110000)
        var count = 0
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        try bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            var offset = start
            while offset < buffer.count {
                if count % Self.indexStride == 0 { index.append(offset) }
                guard let (scalar, width) = UTF8Decoding.validatedScalar(in: buffer, at: offset) else {
                    throw CharLSTMError.invalidUTF8(path: path, byteOffset: offset)
                }
                seen[Int(scalar.value)] = true
                offset += width
                count += 1
            }
        }
        guard count > 0 else { throw CharLSTMError.emptyFile(path: path) }
        self.path = path
        byteCount = bytes.count
        fingerprint = hash
        characterCount = count
        distinctCharacters = seen.indices.filter { seen[$0] }.map { Unicode.Scalar(UInt32($0))! }
        self.bytes = bytes
        self.index = index
    }

    /// Calls `body` with characters `start ..< start + count` in order.
    public func forEachCharacter(from start: Int, count: Int, _ body: (Unicode.Scalar) -> Void) {
        precondition(start >= 0 && count >= 0 && start + count <= characterCount, "character range outside the text")
        bytes.withUnsafeBufferPointer { buffer in
            var offset = index[start / Self.indexStride]
            for _ in 0..<(start % Self.indexStride) { offset += UTF8Decoding.width(of: buffer[offset]) }
            for _ in 0..<count {
                let (scalar, width) = UTF8Decoding.scalar(in: buffer, at: offset)
                body(scalar)
                offset += width
            }
        }
    }

    /// Iterates over the text's characters from the start.
    public func makeIterator() -> Iterator { Iterator(file: self) }

    /// The characters of a text file, in order.
    public struct Iterator: IteratorProtocol {
        private let file: TextFile
        private var offset: Int

        init(file: TextFile) {
            self.file = file
            offset = file.index.first ?? file.bytes.count
        }

        /// The next character, or nil at the end.
        public mutating func next() -> Unicode.Scalar? {
            guard offset < file.bytes.count else { return nil }
            let (scalar, width) = file.bytes.withUnsafeBufferPointer { UTF8Decoding.scalar(in: $0, at: offset) }
            offset += width
            return scalar
        }
    }

    /// The number of characters (exactly).
    public var underestimatedCount: Int { characterCount }
}
