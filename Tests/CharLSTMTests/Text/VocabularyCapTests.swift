import Foundation
import Testing
@testable import CharLSTM

/// `--max-vocabulary`: the most frequent characters and one unknown symbol, recorded, read for every other
/// character, and never written.
@Suite struct VocabularyCapTests {
    @Test func theMostFrequentCharactersAreKept() throws {
        let counts: [Unicode.Scalar: Int] = ["a": 10, "c": 5, "b": 5, "d": 1, "é": 2]
        let capped = Vocabulary.capped(counts: counts, keeping: 3)
        #expect(capped.characters == ["a", "b", Vocabulary.unknownCharacter])  // b before c: the tie's lower scalar
        #expect(capped.unknownID == 2)
        #expect(capped.id(of: "d") == nil)
        #expect(capped.readingID(of: "d") == 2 && capped.readingID(of: "a") == 0)
        // No cap needed: no unknown symbol.
        #expect(Vocabulary.capped(counts: counts, keeping: 5).unknownID == nil)
        // Reading a text: the rest become the unknown symbol, and are counted.
        var ids: [Int32] = []
        let unknown = capped.forEachID(in: "abcd".unicodeScalars) { ids.append($0); return true }
        #expect(ids == [0, 1, 2, 2])
        #expect(unknown == ["c": 1, "d": 1])
    }

    /// A text whose rare characters are the letters of a second alphabet.
    static let text: String = {
        var text = ""
        for k in 0..<400 { text += Fixtures.rhyme.prefix(60) + (k % 7 == 0 ? "жзиклмн" : "") }
        return text
    }()

    @Test func aCappedRunTrainsSavesAndNeverWritesTheUnknownSymbol() throws {
        var options = TrainingOptions()
        options.batch = 4
        options.seq = 16
        options.maxVocabulary = 20
        let corpus = Fixtures.textFile(Self.text)
        #expect(corpus.distinctCharacters.count > 20)
        let trainer = try Trainer(corpus: corpus, embedding: 4, hidden: 16, layers: 1, options: options, goal: .steps(5))
        let vocabulary = trainer.model.vocabulary
        #expect(vocabulary.count == 20)
        let unknown = try #require(vocabulary.unknownID)
        let coverage = try #require(trainer.vocabularyCoverage)
        #expect(coverage > 0.5 && coverage < 1)
        for _ in 0..<5 { try trainer.step() }
        let saved = try Checkpoint.load(path: "memory", bytes: Checkpoint.encode(model: trainer.model, training: trainer.snapshot()))
        #expect(saved.model.vocabulary == vocabulary)
        #expect(saved.training?.options.maxVocabulary == 20)

        // Make the unknown symbol by far the likeliest: sampling, greedy decoding and beam search still avoid it.
        let model = saved.model
        model.parameters.pointer[model.layout.headBias + Int(unknown)] = 100
        let sampler = Sampler(model: model)
        var random = RandomSource(seed: 3)
        var written: [Unicode.Scalar] = []
        sampler.generate(count: 300, settings: SamplingSettings(temperature: 2), random: &random) { written.append($0); return true }
        sampler.generate(count: 20, settings: SamplingSettings(argmax: true), random: &random) { written.append($0); return true }
        written += sampler.beamSearch(width: 3, length: 20)
        #expect(!written.contains(Vocabulary.unknownCharacter))

        // eval reads the rare characters as the unknown symbol, and counts them.
        let evaluation = TextEvaluation(model: saved.model, text: Self.text.unicodeScalars)
        #expect(evaluation.predicted == Self.text.unicodeScalars.count - 1)
        #expect(evaluation.unknown.values.reduce(0, +) > 0)
    }
}
