import Foundation

/// Receives a training session's progress; the CLI's progress display is one.
public protocol TrainingObserver: AnyObject {
    /// After every optimiser step.
    func trainingDidStep(_ report: StepReport)
    /// After every validation run.
    func trainingDidEvaluate(_ record: EvaluationRecord, isBest: Bool)
    /// Polled before every step; returning true ends the session cleanly (the latest checkpoint is saved).
    func trainingShouldStop() -> Bool
    /// During a validation, after each chunk: `read` of its `total` characters so far. Returning false abandons the
    /// validation (nothing is recorded) and ends the session as ``trainingShouldStop()`` does.
    func trainingIsValidating(read: Int, of total: Int) -> Bool
}

/// Where a session stands after one step.
public struct StepReport: Sendable {
    /// Steps taken so far.
    public let step: Int
    /// The goal as a step count; nil when the run is open-ended (ended by a time limit or a stop request).
    public let totalSteps: Int?
    /// Epochs completed, with the fraction of the current one.
    public let epoch: Double
    /// This step's mean loss, nats per character.
    public let loss: Double
    /// The learning rate the step used.
    public let learningRate: Float
    /// Training throughput of this session so far (validation and saving excluded).
    public let charactersPerSecond: Double
    /// Estimated seconds to the goal or the time limit, whichever is nearer.
    public let secondsRemaining: Double
    /// Latest validation result, if any.
    public let validationBPC: Double?
}

/// Drives a ``Trainer`` to its goal, a time limit, or a stop request, writing into its ``RunFolder``:
/// `latest.safetensors` (after every validation, every `checkpointEvery` steps, and when the session ends),
/// `best.safetensors` (whenever validation improves) and `log.jsonl` (one line per validation).
public final class TrainingSession {
    /// The run being driven.
    public let trainer: Trainer
    /// Where its checkpoints and log go.
    public let folder: RunFolder

    /// How a session ended.
    public enum Outcome: Sendable, Equatable {
        /// The goal was reached.
        case finished
        /// The time limit ran out first.
        case timeLimitReached
        /// The observer asked to stop.
        case stopped
    }

    /// A session of `trainer` writing into `folder`, which it claims (see ``RunFolder``) before any training.
    public init(trainer: Trainer, folder: String) throws {
        self.trainer = trainer
        self.folder = try RunFolder(path: folder)
    }

    /// Runs until the goal, `timeLimit` seconds, or the observer's stop request; saves `latest` on the way out.
    ///
    /// The time limit covers the whole session: stepping stops early enough for the closing validation and saves
    /// to fit — a validation takes as long per character as the last one did (before any, a share of a training
    /// character's time: ``validationCostPerTrainingCost``) — and a validation still running when only
    /// the saves' time is left is abandoned. A stop request is seen between steps and between validation chunks.
    public func run(timeLimit: Double? = nil, observer: TrainingObserver) throws -> Outcome {
        let clock = ContinuousClock()
        let sessionStart = clock.now
        var trainingTime = 0.0          // this session, steps only
        var sinceRecord = (loss: 0.0, steps: 0, seconds: 0.0)
        var lastEvaluatedStep = -1
        var lastSavedStep = -1
        var saveSeconds = 0.0           // the longest save so far
        var validationSecondsPerCharacter: Double?
        let firstStep = trainer.progress.step
        let options = trainer.options

        func elapsed() -> Double { (clock.now - sessionStart).seconds }
        func stepSeconds() -> Double { trainingTime / Double(max(1, trainer.progress.step - firstStep)) }
        /// What the end of the session needs after the last step: a validation, then `best` and `latest`.
        func closingSeconds() -> Double {
            let perCharacter = validationSecondsPerCharacter
                ?? Self.validationCostPerTrainingCost * stepSeconds() / Double(trainer.charactersPerStep)
            return Double(trainer.validationCharacterCount) * perCharacter + 2 * saveSeconds
        }
        /// Runs `work`; a training failure it throws says which checkpoint is still the last good one.
        func keepingLastCheckpoint<T>(_ work: () throws -> T) throws -> T {
            do {
                return try work()
            } catch CharLSTMError.trainingFailed(let detail) {
                throw CharLSTMError.trainingFailed("\(detail) The last good checkpoint, \(folder.latest) (step \(lastSavedStep)), is unchanged.")
            }
        }
        func save() throws {
            let start = clock.now
            try Checkpoint.write(model: trainer.model, training: trainer.snapshot(), to: folder.latest)
            saveSeconds = max(saveSeconds, (clock.now - start).seconds)
            lastSavedStep = trainer.progress.step
        }
        /// Validates, logs and saves; false when the validation was abandoned (a stop request, or the time limit).
        func evaluate() throws -> Bool {
            let start = clock.now
            let total = trainer.validationCharacterCount
            let result = trainer.evaluate { read in
                if let timeLimit, elapsed() + 2 * saveSeconds >= timeLimit { return false }
                return observer.trainingIsValidating(read: read, of: total)
            }
            try keepingLastCheckpoint { try trainer.checkCorpus() }
            guard let bpc = result else { return false }
            let seconds = (clock.now - start).seconds
            validationSecondsPerCharacter = seconds / Double(total)
            let isBest = trainer.progress.bestValidationBPC == bpc
            let record = EvaluationRecord(
                step: trainer.progress.step, epoch: epochProgress, trainLoss: sinceRecord.loss / Double(max(sinceRecord.steps, 1)),
                valBpc: bpc, lr: trainer.learningRate,
                charsPerS: Double(sinceRecord.steps * trainer.charactersPerStep) / max(sinceRecord.seconds, 1e-9),
                elapsedS: trainer.progress.trainingSeconds, validationS: seconds)
            try TrainingLog(path: folder.log).append(record)
            sinceRecord = (0, 0, 0)
            lastEvaluatedStep = trainer.progress.step
            observer.trainingDidEvaluate(record, isBest: isBest)
            if isBest {
                try Checkpoint.write(model: trainer.model, training: trainer.snapshot(), to: folder.best)
            }
            try save()
            return true
        }
        /// How the session ends when a validation was abandoned.
        func abandonedOutcome() -> Outcome {
            if let timeLimit, elapsed() + 2 * saveSeconds >= timeLimit { return .timeLimitReached }
            return .stopped
        }

        // Before the first step: clear away what a killed run may have left, and prove that a full checkpoint can be
        // written — so a run that cannot save refuses to start, and the folder always holds a resumable `latest`.
        folder.removeStaleTemporaryFiles()
        // Without a time limit the goal alone ends the run; with one, the last session's estimate stands until
        // this session's first step measures the speed.
        if timeLimit == nil { trainer.expectEnd(atStep: nil) }
        try save()
        try folder.checkRoomForCheckpoints()

        var outcome = Outcome.finished
        var validationAbandoned = false
        while !trainer.isFinished {
            if observer.trainingShouldStop() { outcome = .stopped; break }
            if let timeLimit {
                let nextStep = trainer.progress.step > firstStep ? stepSeconds() : 0
                if elapsed() + nextStep + closingSeconds() >= timeLimit { outcome = .timeLimitReached; break }
            }

            let stepStart = clock.now
            let result = try keepingLastCheckpoint { try trainer.step() }
            let seconds = (clock.now - stepStart).seconds
            trainingTime += seconds
            trainer.addTrainingTime(seconds)
            sinceRecord.loss += result.loss
            sinceRecord.steps += 1
            sinceRecord.seconds += seconds

            if let timeLimit {
                // The schedule anneals to the deadline: the steps left at the speed so far, validations included,
                // once the closing validation and saves are set aside.
                let stepsDone = Double(trainer.progress.step - firstStep)
                let left = max(0, timeLimit - elapsed() - closingSeconds())
                trainer.expectEnd(atStep: trainer.progress.step + Int(left * stepsDone / elapsed()))
            }
            let progress = trainer.progress
            var remaining = Double(trainer.totalSteps - progress.step) * stepSeconds()
            if let timeLimit { remaining = min(remaining, max(0, timeLimit - elapsed())) }
            observer.trainingDidStep(StepReport(
                step: progress.step, totalSteps: trainer.goal.isOpenEnded ? nil : trainer.totalSteps,
                epoch: epochProgress, loss: result.loss, learningRate: trainer.learningRate,
                charactersPerSecond: Double((progress.step - firstStep) * trainer.charactersPerStep) / max(trainingTime, 1e-9),
                secondsRemaining: remaining, validationBPC: progress.lastValidationBPC))

            if progress.step % options.evaluateEvery == 0 {
                if try !evaluate() {
                    validationAbandoned = true
                    outcome = abandonedOutcome()
                    break
                }
            } else if options.checkpointEvery > 0 && progress.step % options.checkpointEvery == 0 {
                try save()
            }
        }
        // A session that trained ends with a validation (unless stopped by the user, who wants out quickly).
        if outcome != .stopped && !validationAbandoned && lastEvaluatedStep != trainer.progress.step
            && trainer.progress.step > firstStep {
            if try !evaluate() { outcome = abandonedOutcome() }
        }
        if lastSavedStep != trainer.progress.step { try save() }
        return outcome
    }

    /// Time to validate a character over time to train one, assumed before a validation has been timed: forward
    /// alone measured 0.30 to 0.46 of a training step's time per character (2×128 to 2×512), so 0.6 is safe.
    static let validationCostPerTrainingCost = 0.6

    private var epochProgress: Double {
        let progress = trainer.progress
        return Double(progress.epoch) + Double(progress.cursor) / Double(trainer.stepsPerEpoch)
    }
}
