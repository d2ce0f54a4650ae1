import Foundation
import Testing
@testable import CharLSTM

/// Thousands of mutated checkpoints: every one either loads (a mutation can be harmless, such as a flipped bit in
/// a weight) or is refused with a one-line `invalidCheckpoint` error. Nothing traps, and nothing is allocated from
/// a size the file merely claims (a trap or an impossible allocation would end the test process).
@Suite struct CheckpointFuzzTests {
    /// A resumable checkpoint of a small model: weights, Adam moments, carried state and metadata.
    static let original: [UInt8] = {
        var options = TrainingOptions()
        options.batch = 2
        options.seq = 4
        let trainer = try! Trainer(corpus: Fixtures.textFile(Fixtures.rhyme), embedding: 3, hidden: 5, layers: 2,
                                   options: options, goal: .steps(3))
        for _ in 0..<3 { try! trainer.step() }
        return Checkpoint.encode(model: trainer.model, training: trainer.snapshot())
    }()

    static var headerLength: Int { original[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) } }
    static var header: String { String(decoding: original[8..<(8 + headerLength)], as: UTF8.self) }
    static var data: [UInt8] { Array(original[(8 + headerLength)...]) }

    /// A file with the given header text (length prefix recomputed) and data.
    static func file(header: String, data: [UInt8] = data) -> [UInt8] {
        let json = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data
    }

    enum Outcome { case loaded, refused }

    func load(_ bytes: [UInt8], _ description: @autoclosure () -> String) -> Outcome? {
        do {
            _ = try Checkpoint.load(path: "fuzz.safetensors", bytes: bytes)
            return .loaded
        } catch let error as CharLSTMError {
            guard case .invalidCheckpoint = error else {
                Issue.record("\(description()): wrong kind of error: \(error)")
                return nil
            }
            let message = error.description
            #expect(!message.contains("\n"), "\(description()): message is not one line: \(message)")
            #expect(message.hasPrefix("fuzz.safetensors: not a usable charlstm checkpoint: "))
            return .refused
        } catch {
            Issue.record("\(description()): unexpected error \(error)")
            return nil
        }
    }

    @Test func theUnmutatedFileLoads() {
        #expect(load(Self.original, "original") == .loaded)
    }

    @Test func truncationsAndBitFlips() {
        var random = RandomSource(seed: 1)
        var refused = 0
        for trial in 0..<1500 {
            let bytes = Fixtures.mutated(Self.original, trial: trial, random: &random)
            if load(bytes, "trial \(trial)") == .refused { refused += 1 }
        }
        #expect(refused > 900, "most mutations of structure should be refused (\(refused))")
    }

    @Test(arguments: [UInt64(1) << 63, UInt64.max, UInt64(1) << 32, UInt64(original.count), UInt64(original.count - 7), 0, 1])
    func declaredHeaderLengths(_ length: UInt64) {
        var bytes = Self.original
        withUnsafeBytes(of: length.littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        #expect(load(bytes, "header length \(length)") == .refused)
    }

    /// Targeted edits of the header's JSON: each must be refused.
    @Test func hostileHeaders() throws {
        let header = Self.header
        let data = Self.data
        let firstOffsets = try #require(header.range(of: #""data_offsets":\[[0-9]+,[0-9]+\]"#, options: .regularExpression))
        let edits: [(String, String)] = [
            ("offsets past the end", header.replacingCharacters(in: firstOffsets, with: "\"data_offsets\":[0,\(data.count + 4)]")),
            ("overlapping offsets", header.replacingOccurrences(of: #""data_offsets":\[([0-9]+),"#, with: "\"data_offsets\":[0,", options: .regularExpression)),
            ("negative offset", header.replacingCharacters(in: firstOffsets, with: "\"data_offsets\":[-4,0]")),
            ("fractional offset", header.replacingCharacters(in: firstOffsets, with: "\"data_offsets\":[0.5,4]")),
            ("boolean offset", header.replacingCharacters(in: firstOffsets, with: "\"data_offsets\":[false,true]")),
            ("huge shape", header.replacingOccurrences(of: #""shape":\[[0-9,]+\]"#, with: "\"shape\":[4611686018427387904,4]", options: .regularExpression)),
            ("shape product overflows", header.replacingOccurrences(of: #""shape":\[[0-9,]+\]"#, with: "\"shape\":[4294967296,4294967296,16]", options: .regularExpression)),
            ("negative dimension", header.replacingOccurrences(of: #""shape":\[[0-9,]+\]"#, with: "\"shape\":[-1,3]", options: .regularExpression)),
            ("unknown dtype", header.replacingOccurrences(of: "\"F32\"", with: "\"Q17\"")),
            ("other dtype", header.replacingOccurrences(of: "\"F32\"", with: "\"F64\"")),
            ("invalid JSON", String(header.dropFirst())),
            ("not an object", "[" + String(header.dropFirst().dropLast()) + "]"),
            ("deep nesting", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)),
            ("metadata not strings", header.replacingOccurrences(of: "\"format_version\":\"1\"", with: "\"format_version\":1")),
            ("future version", header.replacingOccurrences(of: "\"format_version\":\"1\"", with: "\"format_version\":\"9\"")),
            ("not ours", header.replacingOccurrences(of: "\"format\":\"charlstm\"", with: "\"format\":\"other\"")),
            ("vocabulary entry of two characters", header.replacingOccurrences(of: #"[\"\\n\","#, with: #"[\"ab\","#)),
            ("vocabulary out of order", header.replacingOccurrences(of: #"[\"\\n\",\" \","#, with: #"[\" \",\"\\n\","#)),
            ("vocabulary shorter than the tensors", header.replacingOccurrences(of: #"[\"\\n\","#, with: #"["#)),
            ("vocabulary not JSON", header.replacingOccurrences(of: #""vocab":"["#, with: #""vocab":"{"#)),
            ("model says wider", header.replacingOccurrences(of: #"\"hidden\":5"#, with: #"\"hidden\":16384"#)),
            ("model says deeper", header.replacingOccurrences(of: #"\"layers\":2"#, with: #"\"layers\":64"#)),
            ("model out of range", header.replacingOccurrences(of: #"\"layers\":2"#, with: #"\"layers\":100000000"#)),
            ("training batch disagrees with state", header.replacingOccurrences(of: #"\"batch\":2"#, with: #"\"batch\":3"#)),
            ("training progress garbage", header.replacingOccurrences(of: #"\"step\":3"#, with: #"\"step\":\"three\""#)),
            ("random generator state garbage", header.replacingOccurrences(of: #"\"random\":[\""#, with: #"\"random\":[\"zz"#)),
        ]
        for (name, edited) in edits {
            #expect(edited != header || name == "", "edit '\(name)' did not apply")
            #expect(load(Self.file(header: edited, data: data), name) == .refused, "\(name) was accepted")
        }
        // Invalid UTF-8 inside the header.
        var bytes = Self.original
        bytes[8 + Self.headerLength / 2] = 0xFF
        #expect(load(bytes, "invalid UTF-8") == .refused)
        // Data that is not entirely covered by tensors.
        #expect(load(Self.original + [0, 0, 0, 0], "trailing bytes") == .refused)
    }

    @Test func nonFiniteCarriedStateIsRefused() {
        // The carried c state is the last tensor in the file: make its last two values NaN.
        var bytes = Self.original
        for i in stride(from: bytes.count - 8, to: bytes.count, by: 4) {
            withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { bytes.replaceSubrange(i..<(i + 4), with: $0) }
        }
        #expect(load(bytes, "NaN state") == .refused)
    }
}
