import Foundation
@testable import CharLSTM

/// Small models and texts shared by the engine tests.
enum Fixtures {
    /// A short text with repeated structure, written for these tests.
    static let rhyme = """
        The lamp was lit, the kettle sang,
        the cat lay curled beside the door;
        and every time the church bell rang
        the clock replied a minute more.

        """

    /// A model with random weights of the given shape over `text`'s characters.
    static func model(text: String, embedding: Int = 3, hidden: Int = 4, layers: Int = 2, cell: RecurrentCell = .lstm,
                      seed: UInt64 = 7) -> CharLSTMModel {
        var random = RandomSource(seed: seed)
        return try! CharLSTMModel(vocabulary: Vocabulary(of: text.unicodeScalars), embedding: embedding,
                                  hidden: hidden, layers: layers, cell: cell, random: &random)
    }

    /// The largest difference between two samplers' next-character probabilities (temperature 1) while both read
    /// the first 100 characters of `text` in chunks and then the next 40 one at a time, comparing at each.
    static func largestProbabilityDifference(_ a: Sampler, _ b: Sampler, text: String = rhyme) -> Float {
        let characters = Array(text.unicodeScalars)
        let vocabulary = a.model.vocabulary
        a.prime(characters.prefix(100))
        b.prime(characters.prefix(100))
        var worst: Float = 0
        for character in characters.dropFirst(100).prefix(40) {
            let theirs = Dictionary(uniqueKeysWithValues: b.mostLikely(vocabulary.count).map { ($0.character, $0.probability) })
            for entry in a.mostLikely(vocabulary.count) { worst = max(worst, abs(entry.probability - theirs[entry.character]!)) }
            let id = vocabulary.id(of: character)!
            a.feed(id)
            b.feed(id)
        }
        return worst
    }

    /// A text file made from a string, as if read from `path`.
    static func textFile(_ text: String, path: String = "fixture.txt") -> TextFile {
        try! TextFile(path: path, bytes: Array(text.utf8))
    }

    /// The folder that holds every test's temporary directories, one per test process, removed when the process
    /// exits so that test runs leave nothing behind.
    static let scratch: String = {
        atexit { try? FileManager.default.removeItem(atPath: Fixtures.scratch) }
        return NSTemporaryDirectory() + "charlstm-tests-\(getpid())"
    }()

    /// Fresh temporary directory path (not created).
    static func temporaryDirectory(_ name: String = #function) -> String {
        let cleaned = name.filter { $0.isLetter || $0.isNumber }
        return scratch + "/\(cleaned)-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Mutation number `trial` of a safetensors file, for the readers' fuzz tests: in turn a truncation, one to
    /// eight flipped bits anywhere, and one to three flipped bits in the length prefix and JSON header, where the
    /// validation lives.
    static func mutated(_ original: [UInt8], trial: Int, random: inout RandomSource) -> [UInt8] {
        var bytes = original
        let headerEnd = 8 + original[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        switch trial % 3 {
        case 0:
            bytes.removeLast(1 + Int(random.next() % UInt64(bytes.count)))
        case 1:
            for _ in 0..<(1 + random.next() % 8) {
                let index = Int(random.next() % UInt64(bytes.count))
                bytes[index] ^= UInt8(1) << UInt8(random.next() % 8)
            }
        default:
            for _ in 0..<(1 + random.next() % 3) {
                let index = Int(random.next() % UInt64(min(headerEnd, bytes.count)))
                bytes[index] ^= UInt8(1) << UInt8(random.next() % 8)
            }
        }
        return bytes
    }
}
