import Foundation
import Testing
@testable import CharLSTM

/// A conversation's exchanges taken back, repeated, kept and restored — exactly, to the bit.
@Suite struct ConversationTests {
    static var model: CharLSTMModel { Fixtures.model(text: Fixtures.rhyme, embedding: 6, hidden: 12, layers: 2) }

    func conversation(_ model: CharLSTMModel = Self.model) -> Conversation {
        Conversation(sampler: Sampler(model: model), random: RandomSource(seed: 5))
    }

    /// One exchange as the REPL has it: read the text, write 30 characters.
    @discardableResult
    func exchange(_ c: Conversation, _ text: String) -> String {
        c.beginExchange(reading: Array(text.unicodeScalars))
        c.read(text.unicodeScalars)
        var written = ""
        c.write(count: 30, settings: SamplingSettings(temperature: 0.9)) { written.unicodeScalars.append($0); return true }
        c.endExchange()
        return written
    }

    func distribution(_ c: Conversation) -> [Float] {
        (0..<Self.model.config.vocabularySize).map { c.sampler.nextLogits.pointer[$0] }
    }

    @Test func undoReturnsToTheMomentBeforeExactly() {
        let c = conversation()
        exchange(c, "The lamp was lit,")
        let memory = c.sampler.memory(), random = c.random, transcript = c.transcript, logits = distribution(c)
        let first = exchange(c, " the kettle sang")
        #expect(c.undo())
        #expect(c.sampler.memory() == memory)
        #expect(c.random == random)
        #expect(c.transcript == transcript)
        #expect(distribution(c).map(\.bitPattern) == logits.map(\.bitPattern))
        // The same text with the generator put back: the same continuation.
        #expect(exchange(c, " the kettle sang") == first)
    }

    @Test func againKeepsTheMemoryButDrawsAnew() {
        let c = conversation()
        exchange(c, "The cat")
        let memory = c.sampler.memory()
        let first = exchange(c, " lay curled")
        let input = c.takeBackForAgain()
        #expect(input.map { String(String.UnicodeScalarView($0)) } == " lay curled")
        #expect(c.sampler.memory() == memory)
        let second = exchange(c, " lay curled")
        #expect(second != first)
    }

    @Test func onlyTheLastHundredExchangesCanBeUndone() {
        let c = conversation()
        for k in 0..<(Conversation.undoLevels + 5) { exchange(c, "line \(k % 10)\n") }
        #expect(c.undoDepth == Conversation.undoLevels)
        for _ in 0..<Conversation.undoLevels { #expect(c.undo()) }
        #expect(!c.undo())
        #expect(c.takeBackForAgain() == nil)
        // Back at the state before the sixth exchange: five exchanges of text are still in the transcript.
        #expect(c.charactersRead == c.transcript.count)
    }

    @Test func clearingAndRestoringAreStepsThatCanBeUndone() {
        let c = conversation()
        exchange(c, "The clock replied")
        let kept = c.state()
        let memory = c.sampler.memory()
        c.clearMemory()
        #expect(c.charactersRead == 0 && !c.sampler.isPrimed)
        #expect(!c.lastExchangeIsRepeatable)
        #expect(c.takeBackForAgain() == nil, "a cleared memory is not a line to try again")
        #expect(c.undo())
        #expect(c.sampler.memory() == memory)
        exchange(c, " a minute more.")
        let transcript = c.transcript
        c.restore(kept)
        #expect(c.sampler.memory() == kept.memory && c.random == kept.random)
        #expect(c.transcript == transcript, "a restore keeps what was said")
        #expect(c.tail == kept.tail)
        #expect(c.undo())
        #expect(c.transcript == transcript)
    }

    @Test func theTailFollowsTheMemoryThroughRestores() {
        let c = conversation()
        exchange(c, String(repeating: "the cat lay curled ", count: 20))
        let kept = c.state()
        #expect(kept.tail.count == Conversation.tailLength)
        #expect(kept.tail == Array(c.transcript.suffix(Conversation.tailLength)))
        let other = conversation()
        other.restore(kept)
        #expect(other.tail == kept.tail)
        exchange(other, "door")
        #expect(String(String.UnicodeScalarView(other.tail)).hasSuffix(String(String.UnicodeScalarView(other.transcript))))
        #expect(other.tail.count == Conversation.tailLength)
    }

    @Test func statisticsCountWhatWasReadAndWritten() {
        let c = conversation()
        exchange(c, "The lamp")
        let s = c.lastStatistics
        #expect(s?.charactersRead == 8)
        #expect(s?.charactersWritten == 30)
        #expect((s?.firstCharacterSeconds ?? -1) >= 0)
        #expect((s?.writingRate ?? 0) > 0)
    }
}
