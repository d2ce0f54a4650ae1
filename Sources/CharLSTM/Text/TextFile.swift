import Foundation

/// A UTF-8 text file, validated once and then read character by character straight from its bytes.
///
/// The file is memory-mapped (``TextBytes``), and no array of characters or of ids is ever made, so a corpus
/// costs no memory of its own beyond a small index, whatever its size. One pass at load — split among all cores
/// — validates the UTF-8 (reporting the byte offset of the first bad sequence), counts the characters, collects
/// the distinct ones, fingerprints the bytes, and records the byte offset of every 1024th character of each piece,
/// so that any stretch of the text can be decoded without scanning from the start. A leading byte-order mark is
/// not part of the text. Iterating a `TextFile` yields its characters.
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

    private let bytes: TextBytes
    /// The load pass's pieces, in order: each one's first character, and the byte offset of every
    /// `indexStride`-th character from it.
    private let pieces: [Piece]
    static let indexStride = 1024

    private struct Piece {
        var firstCharacter: Int
        var offsets: [Int]
    }

    /// Maps and validates `path`. Fails with a one-line error for a missing, unreadable, empty or non-UTF-8 file.
    public convenience init(path: String) throws {
        try self.init(path: path, storage: TextBytes(mapping: path))
    }

    /// Validates bytes already in memory (a copy is kept); `path` is used in messages.
    public convenience init(path: String, bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { throw CharLSTMError.emptyFile(path: path) }
        try self.init(path: path, storage: TextBytes(copying: bytes))
    }

    private init(path: String, storage: TextBytes) throws {
        let buffer = storage.buffer
        let start = buffer.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let scan = Self.scan(buffer, from: start)
        if let bad = scan.firstBadOffset { throw CharLSTMError.invalidUTF8(path: path, byteOffset: bad) }
        guard !scan.pieces.isEmpty else { throw CharLSTMError.emptyFile(path: path) }
        self.path = path
        byteCount = buffer.count
        fingerprint = scan.fingerprint
        characterCount = scan.characterCount
        distinctCharacters = scan.distinct
        bytes = storage
        pieces = scan.pieces
    }

    /// Why the file no longer holds the text it was loaded with, or nil while it is intact (see ``TextBytes``).
    public func change() -> String? { bytes.change() }

    /// Calls `body` with characters `start ..< start + count` in order. (Should the file have changed since it was
    /// loaded, the characters may be wrong but the call stays within the mapping; ``change()`` says so.)
    public func forEachCharacter(from start: Int, count: Int, _ body: (Unicode.Scalar) -> Void) {
        precondition(start >= 0 && count >= 0 && start + count <= characterCount, "character range outside the text")
        var low = 0, high = pieces.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if pieces[middle].firstCharacter <= start { low = middle } else { high = middle - 1 }
        }
        let piece = pieces[low]
        let local = start - piece.firstCharacter
        let buffer = bytes.buffer
        var offset = piece.offsets[local / Self.indexStride]
        for _ in 0..<(local % Self.indexStride) where offset < buffer.count {
            offset += UTF8Decoding.width(of: buffer[offset])
        }
        for _ in 0..<count {
            let (scalar, width) = UTF8Decoding.scalar(in: buffer, at: offset)
            body(scalar)
            offset += width
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
            offset = file.pieces[0].offsets[0]
        }

        /// The next character, or nil at the end.
        public mutating func next() -> Unicode.Scalar? {
            let buffer = file.bytes.buffer
            guard offset < buffer.count else { return nil }
            let (scalar, width) = UTF8Decoding.scalar(in: buffer, at: offset)
            offset += width
            return scalar
        }
    }

    /// The number of characters (exactly).
    public var underestimatedCount: Int { characterCount }

    // MARK: The load pass

    private struct Scan {
        var pieces: [Piece] = []
        var characterCount = 0
        var distinct: [Unicode.Scalar] = []
        var fingerprint: UInt64 = 0
        var firstBadOffset: Int?
    }

    /// What one piece of the load pass found.
    private struct PieceScan {
        var count = 0
        var offsets: [Int] = []
        var seen = ScalarSet()
        var badOffset: Int?
    }

    /// The distinct scalars of a piece, kept so that a piece of plain ASCII — a small source file — costs a
    /// 128-entry table, not one for every possible scalar (a folder of 50,000 files would zero gigabytes): a table
    /// for ASCII, one for the rest of the Basic Multilingual Plane once needed, and a set for what lies beyond.
    private struct ScalarSet {
        var ascii = [Bool](repeating: false, count: 128)
        var basic: [Bool]?
        var astral = Set<UInt32>()

        mutating func insert(_ value: UInt32) {
            if value < 0x80 {
                ascii[Int(value)] = true
            } else if value < 0x10000 {
                if basic == nil { basic = [Bool](repeating: false, count: 0x10000) }
                basic![Int(value)] = true
            } else {
                astral.insert(value)
            }
        }

        /// Every scalar in the set, ascending.
        var sorted: [UInt32] {
            var values = ascii.indices.filter { ascii[$0] }.map { UInt32($0) }
            if let basic { values += (0x80..<0x10000).filter { basic[$0] }.map { UInt32($0) } }
            return values + astral.sorted()
        }
    }

    /// Bytes below which a text is scanned in one piece (splitting it costs more than it saves).
    private static let parallelFrom = 1 << 20

    /// Validates, counts, indexes and collects `buffer[start...]` in pieces on all cores, while one more task
    /// hashes all of it (FNV-1a is a chain through every byte, so it cannot be split; it runs beside the pieces).
    private static func scan(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Scan {
        let cores = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
        let pieceCount = buffer.count - start < parallelFrom ? 1 : 2 * cores
        // Piece boundaries, each moved forward past continuation bytes (at most three) onto the start of a
        // character, so that no valid character straddles two pieces.
        var bounds = [start]
        for k in 1..<Swift.max(pieceCount, 1) {
            var b = Swift.max(bounds[k - 1], start + (buffer.count - start) * k / pieceCount)
            var moved = 0
            while b < buffer.count && moved < 3 && buffer[b] & 0xC0 == 0x80 { b += 1; moved += 1 }
            bounds.append(b)
        }
        bounds.append(buffer.count)
        let results = UnsafeMutablePointer<PieceScan>.allocate(capacity: pieceCount)
        results.initialize(repeating: PieceScan(), count: pieceCount)
        defer { results.deinitialize(count: pieceCount); results.deallocate() }
        // Each task writes only its own result (the hash, or one piece's slot).
        nonisolated(unsafe) let output = results
        nonisolated(unsafe) let bytes = buffer
        nonisolated(unsafe) var hash: UInt64 = 0
        let ends = bounds
        if pieceCount == 1 {
            // A small text: handing the two tasks to other threads would cost more than doing them.
            hash = fnv1a(bytes)
            output[0] = scanPiece(bytes, from: ends[0])
        } else {
            DispatchQueue.concurrentPerform(iterations: pieceCount + 1) { task in
                if task == 0 {
                    hash = fnv1a(bytes)
                } else {
                    let k = task - 1
                    output[k] = scanPiece(UnsafeBufferPointer(rebasing: bytes[..<ends[k + 1]]), from: ends[k])
                }
            }
        }
        var scan = Scan()
        scan.fingerprint = hash
        var seen = Set<UInt32>()
        for k in 0..<pieceCount {
            let piece = results[k]
            if let bad = piece.badOffset {
                scan.firstBadOffset = bad
                return scan
            }
            if piece.count > 0 {
                scan.pieces.append(Piece(firstCharacter: scan.characterCount, offsets: piece.offsets))
                scan.characterCount += piece.count
                seen.formUnion(piece.seen.sorted)
            }
        }
        scan.distinct = seen.sorted().map { Unicode.Scalar($0)! }
        return scan
    }

    /// One piece: every character from `start` to the end of `bytes` (which ends where the piece does).
    private static func scanPiece(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> PieceScan {
        var result = PieceScan()
        result.offsets.reserveCapacity((bytes.count - start) / indexStride + 1)
        var ascii = [Bool](repeating: false, count: 128)
        var count = 0
        var offset = start
        ascii.withUnsafeMutableBufferPointer { ascii in
            while offset < bytes.count {
                if count % indexStride == 0 { result.offsets.append(offset) }
                let lead = bytes[offset]
                if lead < 0x80 {
                    ascii[Int(lead)] = true
                    offset += 1
                } else {
                    guard let (scalar, width) = UTF8Decoding.validatedScalar(in: bytes, at: offset) else {
                        result.badOffset = offset
                        return
                    }
                    result.seen.insert(scalar.value)
                    offset += width
                }
                count += 1
            }
        }
        for value in ascii.indices where ascii[value] { result.seen.ascii[value] = true }
        result.count = count
        return result
    }

    /// FNV-1a, 64 bits: h ← (h ⊕ byte) · 1099511628211 over every byte, from 14695981039346656037.
    static func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}
