import Foundation
import Testing
@testable import CharLSTM

/// A conversation that learns: what it reads teaches the weights, what it writes does not, and taking an exchange
/// back takes back what it taught — to the bit.
@Suite struct ConversationLearningTests {
    func learning(_ settings: DynamicEvaluationSettings = .defaults(for: .sgd), keptWeights: Int? = nil) throws -> Conversation {
        let model = Fixtures.model(text: Fixtures.rhyme, embedding: 6, hidden: 12, layers: 2)
        let c = Conversation(sampler: Sampler(model: model), random: RandomSource(seed: 5))
        var settings = settings
        settings.learningRate *= 5
        c.startLearning(with: try DynamicLearner(model: model, settings: settings, statistics: nil), keptWeights: keptWeights)
        return c
    }

    @discardableResult
    func exchange(_ c: Conversation, _ text: String, write: Int = 30) -> String {
        c.beginExchange(reading: Array(text.unicodeScalars))
        c.read(text.unicodeScalars)
        var written = ""
        c.write(count: write, settings: SamplingSettings(temperature: 0.9)) { written.unicodeScalars.append($0); return true }
        c.endExchange()
        return written
    }

    func weights(_ c: Conversation) -> [UInt32] { c.sampler.model.parameters.array.map(\.bitPattern) }

    @Test func readingTeachesAndWritingDoesNot() throws {
        let c = try learning()
        let trained = weights(c)
        c.beginExchange(reading: nil)
        c.read("The lamp was lit, the kettle sang,\n".unicodeScalars)
        let taught = weights(c)
        #expect(taught != trained)
        c.write(count: 80, settings: SamplingSettings(temperature: 1)) { _ in true }
        c.endExchange()
        #expect(weights(c) == taught)
        c.stopLearning()
        exchange(c, "the cat lay curled")
        #expect(weights(c) == taught, "learning off: the weights stay")
    }

    @Test func undoTakesBackWhatAnExchangeTaught() throws {
        let c = try learning()
        exchange(c, "The lamp was lit,")
        let before = weights(c), memory = c.sampler.memory(), random = c.random
        let first = exchange(c, " the kettle sang")
        #expect(weights(c) != before)
        #expect(c.undo())
        #expect(!c.lastTakeBackMissedWeights)
        #expect(weights(c) == before)
        #expect(c.sampler.memory() == memory)
        #expect(c.random == random)
        // The same exchange again teaches the same weights and writes the same text.
        #expect(exchange(c, " the kettle sang") == first)
        let again = weights(c)
        _ = c.takeBackForAgain()
        #expect(weights(c) == before)
        exchange(c, " the kettle sang")
        #expect(weights(c) == again)
    }

    @Test func resettingTheWeightsIsAStepOfItsOwn() throws {
        let c = try learning()
        let trained = weights(c)
        exchange(c, "and every time the church bell rang")
        let taught = weights(c), memory = c.sampler.memory()
        c.resetWeights()
        #expect(weights(c) == trained)
        #expect(c.sampler.memory() == memory, "the memory stays")
        #expect(c.learner?.hasMoved == false)
        #expect(c.undo())
        #expect(weights(c) == taught)
    }

    @Test func onlyTheLastChangesOfTheWeightsCanBeTakenBack() throws {
        let c = try learning(keptWeights: 3)
        let levels = c.weightUndoLevels
        #expect(levels == 3)
        let trained = weights(c)
        exchange(c, "the clock")
        let afterFirst = weights(c)
        for k in 0..<(levels + 2) { exchange(c, " replied \(k % 10)") }
        for _ in 0..<(levels + 2) { #expect(c.undo()) }
        #expect(c.lastTakeBackMissedWeights)
        #expect(weights(c) != afterFirst)
        // The trained weights are always kept.
        #expect(c.undo())
        #expect(!c.lastTakeBackMissedWeights)
        #expect(weights(c) == trained)
    }

    @Test func surpriseWhileLearningIsMeasuredBeforeTheWeightsLearn() throws {
        let plain = Conversation(sampler: Sampler(model: Fixtures.model(text: Fixtures.rhyme, embedding: 6, hidden: 12, layers: 2)),
                                 random: RandomSource(seed: 5))
        let c = try learning()
        let text = "the lamp €was lit"
        // Both memories read the same start with the same weights; then only `c` learns.
        plain.read("The cat\n".unicodeScalars)
        c.stopLearning()
        c.read("The cat\n".unicodeScalars)
        c.startLearning(with: try #require(c.learner))
        let fixed = plain.readMeasuringSurprise(text.unicodeScalars).measured
        let learned = c.readMeasuringSurprise(text.unicodeScalars).measured
        #expect(learned.map(\.character) == fixed.map(\.character))
        #expect(learned[9].bits == nil, "€ is not in the vocabulary")
        // The first character is predicted by the memory before the read; so is each one in the first segment.
        #expect(learned[0].bits == fixed[0].bits)
        let tolerance = 1e-4
        for k in 1..<learned.count where learned[k].bits != nil {
            #expect(abs(learned[k].bits! - fixed[k].bits!) < tolerance, "character \(k)")
        }
        #expect(c.transcript.count == plain.transcript.count)
    }
}
