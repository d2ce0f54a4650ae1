import Testing
@testable import CharLSTM

/// Damaged and foreign files are refused with a reason, never a trap.
@Suite struct CheckpointValidationTests {
    let good = Checkpoint.encode(model: Fixtures.model(text: Fixtures.rhyme), training: nil)

    func reason(_ bytes: [UInt8]) -> String? {
        do {
            _ = try Checkpoint.load(path: "c.safetensors", bytes: bytes)
            return nil
        } catch let error as CharLSTMError {
            guard case .invalidCheckpoint(let path, let reason) = error, path == "c.safetensors" else { return "wrong error \(error)" }
            return reason.description
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func everyTruncationIsRefused() {
        for length in stride(from: 0, to: good.count, by: max(1, good.count / 200)) {
            #expect(reason(Array(good[..<length])) != nil, "truncated to \(length) bytes")
        }
    }

    @Test func hugeHeaderLengthIsRefused() {
        var bytes = good
        for i in 0..<8 { bytes[i] = i == 7 ? 0x80 : 0 }   // 2^63
        #expect(reason(bytes)?.contains("exceeds") == true)
    }

    @Test func headerThatIsNotJSONIsRefused() {
        var bytes = good
        bytes[8] = UInt8(ascii: "[")
        bytes[9] = 0xFF
        #expect(reason(bytes) != nil)
    }

    @Test func foreignSafetensorsIsRefused() {
        var writer = SafeTensorsWriter()
        writer.add("weight", shape: [2, 2], values: [1, 2, 3, 4])
        #expect(reason(writer.bytes(metadata: [:]))?.contains("not one written by charlstm") == true)
    }

    @Test func vocabularyThatDisagreesWithShapesIsRefused() throws {
        var bytes = good
        // Blank out the first vocabulary entry ("\n") with spaces: the header keeps its length and stays valid JSON.
        let entry = Array(#"[\"\\n\","#.utf8)
        let start = try #require((0...(bytes.count - entry.count)).first { Array(bytes[$0..<($0 + entry.count)]) == entry })
        bytes.replaceSubrange(start..<(start + entry.count), with: [UInt8(ascii: "[")] + Array(repeating: UInt8(ascii: " "), count: entry.count - 1))
        #expect(reason(bytes)?.contains("vocabulary") == true)
    }

    @Test func nonFiniteWeightsAreRefused() {
        let model = Fixtures.model(text: Fixtures.rhyme)
        model.parameters.pointer[model.layout.headBias] = .infinity
        #expect(reason(Checkpoint.encode(model: model, training: nil))?.contains("NaN or infinite") == true)
    }
}
