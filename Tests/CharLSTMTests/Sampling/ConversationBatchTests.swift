import Foundation
import Testing
@testable import CharLSTM

/// Conversations writing together in one batched step per character (what `charlstm serve` does) against each
/// writing alone.
@Suite struct ConversationBatchTests {
    static func conversations(_ model: CharLSTMModel, sharing sampler: Sampler, count: Int) -> [Conversation] {
        let text = Array(Fixtures.rhyme.unicodeScalars)
        return (0..<count).map { k in
            let conversation = Conversation(sampler: Sampler(sharingWeightsWith: sampler, primeChunk: 16),
                                            random: RandomSource(seed: UInt64(k)))
            conversation.read(text[(3 * k)..<(3 * k + 20 + k)])
            return conversation
        }
    }

    static let noKernels = "this CPU has no F16C or no AVX2; the half and int8 paths are never taken here"

    /// A model of `cell`s with its weights as halves, or on int8 grids.
    static func model(_ cell: RecurrentCell, _ format: WeightFormat) throws -> CharLSTMModel {
        let model = Fixtures.model(text: Fixtures.rhyme, embedding: 16, hidden: 96, layers: 2, cell: cell)
        return format == .int8 ? try model.roundedToInt8() : try model.roundedToHalf()
    }

    /// With F16 or int8 weights every stream is summed as a lone conversation's: the same texts to the character,
    /// and the same memory and transcript afterwards.
    @Test(.enabled(if: HalfGEMV.isAvailable && Int8GEMM.isAvailable, "\(noKernels)"),
          arguments: RecurrentCell.allCases, [WeightFormat.half, .int8])
    func batchedConversationsWriteWhatEachWritesAlone(cell: RecurrentCell, format: WeightFormat) throws {
        let model = try Self.model(cell, format)
        let shared = Sampler(model: model)
        #expect(format == .int8 ? shared.usesInt8Weights : shared.usesHalfWeights)
        let settings = (0..<6).map { SamplingSettings(temperature: 0.6 + 0.1 * Float($0), topK: $0 == 2 ? 5 : 0) }
        let together = Self.conversations(model, sharing: shared, count: 6)
        let alone = Self.conversations(model, sharing: shared, count: 6)
        let batch = ConversationBatch(sharingWeightsWith: shared, capacity: 8)
        var written: [ConversationBatch.WrittenCharacter] = []
        var texts = [[Unicode.Scalar]](repeating: [], count: 6)
        for step in 0..<60 {
            // Conversations join and leave: the first two write only every other step.
            let active = (0..<6).filter { $0 >= 2 || step % 2 == 0 }
            batch.writeNext(active.map { together[$0] }, settings: active.map { settings[$0] }, into: &written)
            for (k, index) in active.enumerated() { texts[index].append(written[k].character) }
        }
        for k in 0..<6 {
            var own: [Unicode.Scalar] = []
            alone[k].write(count: texts[k].count, settings: settings[k]) { own.append($0); return true }
            #expect(texts[k] == own, "conversation \(k)")
            #expect(together[k].sampler.memory() == alone[k].sampler.memory())
            #expect(together[k].transcript == alone[k].transcript)
        }
    }

    /// Pieces read together, batched over streams and time, leave each memory as reading its piece alone does.
    @Test(.enabled(if: HalfGEMV.isAvailable && Int8GEMM.isAvailable, "\(noKernels)"),
          arguments: RecurrentCell.allCases, [WeightFormat.half, .int8])
    func piecesReadTogetherLeaveTheMemoriesAsReadAlone(cell: RecurrentCell, format: WeightFormat) throws {
        let model = try Self.model(cell, format)
        let shared = Sampler(model: model)
        let together = Self.conversations(model, sharing: shared, count: 5)
        let alone = Self.conversations(model, sharing: shared, count: 5)
        let batch = ConversationBatch(sharingWeightsWith: shared, capacity: 8, readSteps: 16)
        let text = Array(Fixtures.rhyme.unicodeScalars)
        for length in [16, 1, 9] {
            let pieces = (0..<5).map { k in text[(7 * k)..<(7 * k + length)] }
            batch.read(together, pieces: pieces)
            for k in 0..<5 { alone[k].read(pieces[k]) }
            for k in 0..<5 {
                #expect(together[k].sampler.memory() == alone[k].sampler.memory(), "conversation \(k), pieces of \(length)")
                #expect(together[k].transcript == alone[k].transcript && together[k].charactersRead == alone[k].charactersRead)
            }
        }
    }

    /// With float weights the batch goes through BLAS: the same distributions up to rounding.
    @Test func floatWeightsGiveTheSameDistributionsUpToRounding() throws {
        let model = Fixtures.model(text: Fixtures.rhyme, embedding: 8, hidden: 40, layers: 2)
        let shared = Sampler(model: model, allowsNarrowWeights: false)
        let together = Self.conversations(model, sharing: shared, count: 3)
        let alone = Self.conversations(model, sharing: shared, count: 3)
        let batch = ConversationBatch(sharingWeightsWith: shared, capacity: 3)
        var written: [ConversationBatch.WrittenCharacter] = []
        batch.writeNext(together, settings: Array(repeating: SamplingSettings(), count: 3), into: &written)
        for k in 0..<3 {
            let id = try #require(model.vocabulary.id(of: written[k].character))
            alone[k].sampler.feed(id)
            let (a, b) = (together[k].sampler.memory().nextLogits, alone[k].sampler.memory().nextLogits)
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-4 }, "conversation \(k)")
            #expect(written[k].bits >= 0)
        }
    }
}
