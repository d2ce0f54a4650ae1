import Testing
import Foundation
@testable import CharLSTM

@Suite struct SamplingTests {
    let model = Fixtures.model(text: Fixtures.rhyme, embedding: 8, hidden: 16, layers: 2, seed: 3)

    func generate(seed: UInt64, settings: SamplingSettings = SamplingSettings(), prime: String = "The lamp") -> String {
        let sampler = Sampler(model: model, primeChunk: 4)
        sampler.prime(prime.unicodeScalars)
        var random = RandomSource(seed: seed)
        var out = String.UnicodeScalarView()
        for _ in 0..<200 { out.append(sampler.next(settings, random: &random)) }
        return String(out)
    }

    @Test func sameSeedGivesSameText() {
        #expect(generate(seed: 5) == generate(seed: 5))
        #expect(generate(seed: 5) != generate(seed: 6))
    }

    @Test func topOneIsGreedy() {
        let greedy = generate(seed: 1, settings: SamplingSettings(argmax: true))
        #expect(generate(seed: 2, settings: SamplingSettings(topK: 1)) == greedy)
        #expect(generate(seed: 9, settings: SamplingSettings(argmax: true)) == greedy)
    }

    @Test func topKOnlyEverPicksAmongTheKMostLikely() {
        let sampler = Sampler(model: model)
        sampler.prime("the cat".unicodeScalars)
        let allowed = Set(sampler.mostLikely(3).map(\.character))
        var random = RandomSource(seed: 4)
        for _ in 0..<50 {
            let probe = Sampler(model: model)
            probe.prime("the cat".unicodeScalars)
            #expect(allowed.contains(probe.next(SamplingSettings(temperature: 2, topK: 3), random: &random)))
        }
    }

    /// Priming in chunks (batched over time) leaves the same memory as feeding one character at a time.
    @Test func chunkedPrimingMatchesCharacterByCharacter() {
        let text = Array("and every time the church bell rang".unicodeScalars)
        let chunked = Sampler(model: model, primeChunk: 8)
        chunked.prime(text)
        let stepwise = Sampler(model: model, primeChunk: 8)
        for character in text { stepwise.feed(model.vocabulary.id(of: character)!) }
        let a = chunked.mostLikely(model.vocabulary.count)
        let b = stepwise.mostLikely(model.vocabulary.count)
        for (x, y) in zip(a, b) { #expect(abs(x.probability - y.probability) < 1e-5) }
    }

    @Test func unknownPrimingCharactersAreSkippedAndCounted() {
        let sampler = Sampler(model: model)
        let unknown = sampler.prime("the 🦊 lamp 🦊!".unicodeScalars)
        #expect(unknown == ["🦊": 2, "!": 1])
        #expect(sampler.isPrimed)
    }

    @Test func settingsAreValidated() {
        #expect(throws: CharLSTMError.self) { try SamplingSettings(temperature: 0).validate() }
        #expect(throws: CharLSTMError.self) { try SamplingSettings(temperature: -1).validate() }
        #expect(throws: CharLSTMError.self) { try SamplingSettings(topK: -2).validate() }
        #expect(throws: Never.self) { try SamplingSettings(temperature: 0, argmax: true).validate() }
    }

    @Test func evaluationOfATextCountsPredictionsAndSkipsUnknowns() {
        let result = TextEvaluation(model: model, text: Array("the cat 🦊 sang".unicodeScalars), chunk: 4)
        #expect(result.predicted == 12)
        #expect(result.unknown == ["🦊": 1])
        #expect(result.bitsPerCharacter > 0 && result.bitsPerCharacter < 10)
    }
}

@Suite struct GenerationTests {
    let model = Fixtures.model(text: Fixtures.rhyme, embedding: 8, hidden: 16, layers: 1, seed: 5)

    @Test func generationStopsRightAfterTheStopString() {
        let sampler = Sampler(model: model)
        var random = RandomSource(seed: 2)
        var text = ""
        let end = sampler.generate(count: 5000, stop: ["e", " "], settings: SamplingSettings(temperature: 1.5), random: &random) {
            text.unicodeScalars.append($0)
            return true
        }
        #expect(end == .stop)
        #expect(text.hasSuffix("e "))
        #expect(!text.dropLast(2).contains("e "))
    }

    @Test func generationHonoursLengthAndCancellation() {
        let sampler = Sampler(model: model)
        var random = RandomSource(seed: 2)
        var count = 0
        #expect(sampler.generate(count: 37, settings: SamplingSettings(), random: &random) { _ in count += 1; return true } == .length)
        #expect(count == 37)
        count = 0
        #expect(sampler.generate(count: 100, settings: SamplingSettings(), random: &random) { _ in count += 1; return count < 5 } == .cancelled)
        #expect(count == 5)
    }
}

@Suite struct BatchDecodingTests {
    let model = Fixtures.model(text: Fixtures.rhyme, embedding: 8, hidden: 16, layers: 2, seed: 3)

    func primed(_ text: String = "The lamp") -> Sampler {
        let sampler = Sampler(model: model, primeChunk: 4)
        sampler.prime(text.unicodeScalars)
        return sampler
    }

    func oneByOne(_ settings: SamplingSettings, seed: UInt64, length: Int = 60) -> [Unicode.Scalar] {
        let sampler = primed()
        var random = RandomSource(seed: seed)
        return (0..<length).map { _ in sampler.next(settings, random: &random) }
    }

    /// A batch of one draws exactly what the one-stream sampler draws; every stream of a greedy batch is the greedy
    /// text; and the sampler's own memory is left as it was.
    @Test func aBatchOfStreamsDrawsWhatOneStreamWould() {
        let settings = SamplingSettings(temperature: 0.9, topK: 6)
        var random = RandomSource(seed: 11)
        #expect(primed().sampleMany(count: 1, length: 60, settings: settings, random: &random)[0] == oneByOne(settings, seed: 11))
        let greedy = oneByOne(SamplingSettings(argmax: true), seed: 1)
        let sampler = primed()
        let before = sampler.mostLikely(5).map(\.probability)
        var unused = RandomSource(seed: 2)
        #expect(sampler.sampleMany(count: 4, length: 60, settings: SamplingSettings(argmax: true), random: &unused)
            .allSatisfy { $0 == greedy })
        #expect(sampler.mostLikely(5).map(\.probability) == before)
    }

    /// One beam is greedy decoding; wider beams find a continuation at least as likely; the memory afterwards is
    /// the memory after feeding that continuation.
    @Test func beamSearchFindsLikelierTextAndKeepsItInMemory() {
        let greedy = oneByOne(SamplingSettings(argmax: true), seed: 1, length: 30)
        #expect(primed().beamSearch(width: 1, length: 30) == greedy)
        func logLikelihood(_ text: [Unicode.Scalar]) -> Double {
            let sampler = primed()
            var total = 0.0
            for character in text {
                let probabilities = Dictionary(uniqueKeysWithValues: sampler.mostLikely(model.vocabulary.count).map { ($0.character, $0.probability) })
                total += log(Double(probabilities[character]!))
                sampler.prime([character])
            }
            return total
        }
        let beamed = primed().beamSearch(width: 8, length: 30)
        #expect(logLikelihood(beamed) >= logLikelihood(greedy) - 1e-4)
        let afterBeam = primed()
        let text = afterBeam.beamSearch(width: 8, length: 30)
        let fed = primed()
        fed.prime(text)
        let a = afterBeam.mostLikely(5), b = fed.mostLikely(5)
        #expect(a.map(\.character) == b.map(\.character))
        for (x, y) in zip(a, b) { #expect(abs(x.probability - y.probability) < 1e-5) }
    }

    /// Nucleus sampling keeps the smallest set of likeliest characters whose probability reaches P.
    @Test func topPOnlyPicksFromTheNucleus() {
        let sampler = primed("the cat")
        let ranked = sampler.mostLikely(model.vocabulary.count)
        var mass: Float = 0
        var nucleus = Set<Unicode.Scalar>()
        for (character, probability) in ranked where mass < 0.6 {
            nucleus.insert(character)
            mass += probability
        }
        var random = RandomSource(seed: 8)
        var seen = Set<Unicode.Scalar>()
        for _ in 0..<200 {
            let probe = primed("the cat")
            let character = probe.next(SamplingSettings(topP: 0.6), random: &random)
            #expect(nucleus.contains(character))
            seen.insert(character)
        }
        #expect(seen == nucleus || nucleus.count > 6, "every member of a small nucleus should turn up in 200 draws")
        #expect(generate(topP: 1e-6) == oneByOne(SamplingSettings(argmax: true), seed: 1, length: 40), "a tiny nucleus is greedy")
    }

    func generate(topP: Float) -> [Unicode.Scalar] { oneByOne(SamplingSettings(topP: topP), seed: 3, length: 40) }
}
