import Foundation
import Testing
@testable import CharLSTM

/// State files: written and read back exactly, refused for another model in one line naming both, and as hard to
/// break as checkpoints.
@Suite struct StateFileTests {
    static var model: CharLSTMModel { ConversationTests.model }
    static let state: ConversationState = {
        let c = Conversation(sampler: Sampler(model: model), random: RandomSource(seed: 9))
        c.beginExchange(reading: [])
        c.read("The lamp was lit, the kettle sang".unicodeScalars)
        c.write(count: 12, settings: SamplingSettings()) { _ in true }
        c.endExchange()
        return c.state()
    }()
    static let bytes = StateFile.encode(state, model: model, checkpointName: "rhyme.safetensors")

    @Test func aStateReadsBackExactly() throws {
        let read = try StateFile.read(path: "s.safetensors", bytes: Self.bytes, for: Self.model, checkpointName: "rhyme.safetensors")
        #expect(read.memory == Self.state.memory)
        #expect(read.random == Self.state.random)
        #expect(read.charactersRead == Self.state.charactersRead)
        #expect(read.tail == Self.state.tail)
        #expect(Self.bytes.count < 8_000, "a small model's state is a small file")
    }

    @Test(arguments: [(RecurrentCell.lstm, 12), (.lstm, 13), (.gru, 12)])
    func aStateOfAnotherModelIsRefusedNamingBoth(cell: RecurrentCell, hidden: Int) {
        let other = Fixtures.model(text: Fixtures.rhyme, embedding: 6, hidden: hidden, layers: 2, cell: cell, seed: 99)
        #expect {
            try StateFile.read(path: "s.safetensors", bytes: Self.bytes, for: other, checkpointName: "other.safetensors")
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("s.safetensors: not a usable charlstm state file: it is the memory of a 2×12 LSTM over")
                && message.contains("saved from rhyme.safetensors") && message.contains("not of other.safetensors, a 2×\(hidden) \(cell.displayName)")
                && !message.contains("\n")
        }
    }

    @Test func aCheckpointIsNotAState() {
        let checkpoint = Checkpoint.encode(model: Self.model, training: nil)
        #expect {
            try StateFile.read(path: "m.safetensors", bytes: checkpoint, for: Self.model, checkpointName: "m.safetensors")
        } throws: { "\($0)".contains("it is a checkpoint, not a state file") }
    }

    /// Thousands of truncations and bit flips: each either reads (a flipped bit in a value can be
    /// harmless) or is refused with one line; nothing traps.
    @Test func mutatedStateFilesAreReadOrRefusedInOneLine() {
        var random = RandomSource(seed: 4)
        var refused = 0
        for trial in 0..<3000 {
            let bytes = Fixtures.mutated(Self.bytes, trial: trial, random: &random)
            do {
                let state = try StateFile.read(path: "f.safetensors", bytes: bytes, for: Self.model, checkpointName: "m")
                #expect(state.memory.fits(Self.model.config), "trial \(trial): read a state that does not fit")
            } catch let error as CharLSTMError {
                guard case .invalidState = error else { Issue.record("trial \(trial): \(error)"); continue }
                #expect(!error.description.contains("\n"), "trial \(trial): \(error.description)")
                #expect(error.description.hasPrefix("f.safetensors: not a usable charlstm state file: "))
                refused += 1
            } catch {
                Issue.record("trial \(trial): unexpected \(error)")
            }
        }
        #expect(refused > 1500)
    }
}
