import Foundation
import Testing
@testable import CharLSTM

/// The validation sample: all of a short held-out text, the same windows of a long one at every validation and
/// across resumes, and a validation that a stop request or the time limit can cut short.
@Suite struct ValidationSampleTests {
    /// About 31,000 characters: 3,100 held out.
    static let text: String = String(repeating: Fixtures.rhyme, count: 200)

    static func options(sample: Int?) -> TrainingOptions {
        var options = TrainingOptions()
        options.batch = 4
        options.seq = 10
        options.evaluateEvery = 5
        options.validationCharacters = sample
        return options
    }

    static func trainer(sample: Int?, steps: Int = 1000) throws -> Trainer {
        try Trainer(corpus: Fixtures.textFile(text), embedding: 4, hidden: 8, layers: 1,
                    options: options(sample: sample), goal: .steps(steps))
    }

    @Test func aShortHeldOutTextIsReadWhole() throws {
        // The default at these settings (5 × 4 × 10 / 10 = 20) is far below the held-out text: set it above.
        let whole = try Self.trainer(sample: Int.max)
        let exact = try Self.trainer(sample: whole.validationCharacterCount)
        #expect(whole.validationChunks == whole.validation.chunksPerPass)
        #expect(exact.validationChunks == whole.validationChunks)
        #expect(whole.evaluate() == exact.evaluate())
        // charlstm's defaults sample 125,000 characters: all of a 1 MB corpus's held-out 100,000.
        #expect(TrainingOptions().defaultValidationCharacters == 125_000)
    }

    @Test func aLongHeldOutTextIsSampledInFixedWindows() throws {
        let sampled = try Self.trainer(sample: 1000)
        #expect(sampled.validationChunks == 1000 / (4 * 10))
        #expect(sampled.validationCharacterCount <= 1000)
        #expect(sampled.options.validationCharacters == 1000)
        // The default is recorded as a number, so a resumed run reads the same sample whatever the defaults are.
        let automatic = try Self.trainer(sample: nil)
        #expect(automatic.options.validationCharacters == 5 * 4 * 10 / TrainingOptions.validationShareDivisor)
        #expect(automatic.validationChunks == 1)
        let first = sampled.evaluate()
        for _ in 0..<3 { try sampled.step() }
        let bytes = Checkpoint.encode(model: sampled.model, training: sampled.snapshot())
        let resumed = try Trainer(resuming: Checkpoint.load(path: "memory", bytes: bytes), corpus: Fixtures.textFile(Self.text))
        #expect(resumed.validationChunks == sampled.validationChunks)
        #expect(resumed.evaluate() == sampled.evaluate())
        #expect(first != nil)
    }

    @Test func optionsRecordedBeforeTheSampleReadEverything() throws {
        let encoded = try JSONEncoder().encode(Self.options(sample: 700))
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(object["validation_characters"] as? Int == 700)
        object.removeValue(forKey: "validation_characters")
        let old = try JSONDecoder().decode(TrainingOptions.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.validationCharacters == Int.max)
        #expect(throws: CharLSTMError.self) { try Self.options(sample: 0).validate() }
    }

    /// Stops when asked to during the first validation, like Ctrl-C.
    final class StopDuringValidation: TrainingObserver {
        var validating = 0
        func trainingDidStep(_ report: StepReport) {}
        func trainingDidEvaluate(_ record: EvaluationRecord, isBest: Bool) {}
        func trainingShouldStop() -> Bool { validating > 0 }
        func trainingIsValidating(read: Int, of total: Int) -> Bool {
            validating += 1
            return false
        }
    }

    final class Quiet: TrainingObserver {
        func trainingDidStep(_ report: StepReport) {}
        func trainingDidEvaluate(_ record: EvaluationRecord, isBest: Bool) {}
        func trainingShouldStop() -> Bool { false }
        func trainingIsValidating(read: Int, of total: Int) -> Bool { true }
    }

    /// A stop during a validation saves `latest` at the step just taken with nothing logged, and resuming it
    /// continues exactly as a run that was never stopped.
    @Test func aStopDuringValidationSavesTheStepAndResumesExactly() throws {
        let folder = Fixtures.temporaryDirectory()
        do {  // the session holds the folder until it is gone
            let observer = StopDuringValidation()
            let session = try TrainingSession(trainer: Self.trainer(sample: 400, steps: 12), folder: folder)
            #expect(try session.run(observer: observer) == .stopped)
            #expect(observer.validating == 1)
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/log.jsonl"))
        let saved = try Checkpoint.load(path: folder + "/latest.safetensors")
        #expect(saved.training?.progress.step == 5)
        #expect(saved.training?.progress.lastValidationBPC == nil)

        let straight = try Self.trainer(sample: 400, steps: 12)
        for _ in 0..<12 { try straight.step() }
        let resumed = try TrainingSession(trainer: Trainer(resuming: saved, corpus: Fixtures.textFile(Self.text)),
                                          folder: folder)
        #expect(try resumed.run(observer: Quiet()) == .finished)
        #expect(resumed.trainer.progress.step == 12)
        #expect(resumed.trainer.model.parameters.array == straight.model.parameters.array)
        let log = try TrainingLog(path: folder + "/log.jsonl").read()
        #expect(log.map(\.step) == [10, 12])
        #expect(log.allSatisfy { ($0.validationS ?? -1) >= 0 })
    }
}
