/// A UTF-8 text file decoded to Unicode scalars, with the size and fingerprint that let a resumed run
/// notice that its corpus changed.
public struct TextFile: Sendable {
    /// The path the file was read from.
    public let path: String
    /// Size in bytes as read.
    public let byteCount: Int
    /// FNV-1a 64-bit hash of the bytes.
    public let fingerprint: UInt64
    /// The text; a leading byte-order mark is dropped.
    public let scalars: [Unicode.Scalar]

    /// Reads and decodes `path`. Fails with a one-line error for a missing, unreadable, empty or non-UTF-8 file.
    public init(path: String) throws {
        let bytes = try FileBytes.read(path)
        try self.init(path: path, bytes: bytes)
    }

    /// Decodes bytes already in memory; `path` is used in messages.
    public init(path: String, bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { throw CharLSTMError.emptyFile(path: path) }
        self.path = path
        byteCount = bytes.count
        fingerprint = Self.fnv1a(bytes)
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(bytes.count)
        var offset = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                scalars.append(scalar)
                offset += UTF8.width(scalar)
            case .emptyInput:
                break decoding
            case .error:
                throw CharLSTMError.invalidUTF8(path: path, byteOffset: offset)
            }
        }
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        guard !scalars.isEmpty else { throw CharLSTMError.emptyFile(path: path) }
        self.scalars = scalars
    }

    /// Fowler–Noll–Vo 1a: a fast, stable 64-bit fingerprint (not a cryptographic hash).
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}
