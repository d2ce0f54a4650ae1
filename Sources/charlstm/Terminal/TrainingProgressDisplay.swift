import CharLSTM
import Foundation
import FrontEndSupport

/// Shows a training session to a person: on a terminal, one status line rewritten in place (at most ten times a
/// second) with a permanent line per validation; elsewhere (a pipe, a log file) a plain line per validation and
/// one every 30 seconds.
final class TrainingProgressDisplay: TrainingObserver {
    private let terminal: Terminal
    private let interactive: Bool
    private let timeLimited: Bool
    private var lastDraw = ContinuousClock.now - .seconds(60)
    private var statusShown = false

    init(terminal: Terminal, timeLimited: Bool) {
        self.terminal = terminal
        interactive = terminal.isInteractive
        self.timeLimited = timeLimited
    }

    /// The run's opening lines; `threadNote` says why a resumed run has the thread count it has.
    func announce(trainer: Trainer, session: TrainingSession, resumed: Bool, threadNote: String? = nil,
                  precisionNote: String) {
        let model = trainer.model
        let c = model.config
        let o = trainer.options
        if resumed {
            terminal.writeLine("Resuming \(trainer.corpusText.displayName) at step \(HumanReadable.count(trainer.progress.step)) (epoch \(trainer.progress.epoch)), goal \(HumanReadable.goal(trainer.goal)); \(scheduleText(trainer))")
        }
        terminal.writeLine("Model: \(c.layers)×\(c.hidden) \(c.cell.displayName), embedding \(c.embedding), vocabulary \(c.vocabularySize), \(HumanReadable.count(model.parameterCount)) parameters")
        let corpus = trainer.corpusText
        if !corpus.skipped.isEmpty {
            let reasons = Dictionary(grouping: corpus.skipped, by: \.reason).sorted { $0.key < $1.key }
                .map { "\(HumanReadable.count($0.value.count)) \($0.key)" }.joined(separator: ", ")
            terminal.writeLine("Skipped \(HumanReadable.count(corpus.skipped.count)) file\(corpus.skipped.count == 1 ? "" : "s") (\(reasons)), first \(corpus.skipped[0].path)")
        }
        // Said for many files, and for a corpus big enough to take a moment to load.
        if corpus.files.count > 1 || corpus.loadSeconds >= 1 {
            let held = trainer.heldOutFileCount
            let files = corpus.files.count > 1 ? "\(HumanReadable.count(corpus.files.count)) files, " : ""
            let validation = corpus.files.count == 1 ? "" : held > 0
                ? "; \(HumanReadable.count(held)) whole files held out for validation"
                : "; the last \(Int((o.validationFraction * 100).rounded()))% held out (no file small enough to hold out whole)"
            terminal.writeLine("Corpus: \(files)\(HumanReadable.count(corpus.characterCount)) characters, loaded in \(HumanReadable.decimal(corpus.loadSeconds, 1)) s\(validation)")
        }
        if let coverage = trainer.vocabularyCoverage {
            terminal.writeLine("Vocabulary: capped at \(c.vocabularySize) of \(HumanReadable.count(corpus.distinctCharacters.count)) characters (\(Setting.maxVocabulary.flag)), covering \(HumanReadable.decimal(coverage * 100, 2))% of the text; the rest are read as \(Vocabulary.printable(Vocabulary.unknownCharacter)), which sampling never writes")
        }
        terminal.writeLine("Data: \(corpus.displayName), \(HumanReadable.count(trainer.stepsPerEpoch)) step\(trainer.stepsPerEpoch == 1 ? "" : "s") per epoch of \(o.batch)×\(o.seq) characters; \(goalText(trainer))")
        terminal.writeLine("Validation: \(HumanReadable.count(trainer.validationCharacterCount)) characters each time\(trainer.validationChunks < trainer.validationChunksAvailable ? " (a fixed sample of \(HumanReadable.count(trainer.validationCharactersAvailable)) held out; --val-chars)" : ", all of the held-out text")")
        terminal.writeLine("Output: \(session.folder.path)/ · BLAS: \(BLAS.backend), \(EngineThreads.count) thread\(EngineThreads.count == 1 ? "" : "s")\(threadNote.map { ", \($0)" } ?? "")")
        terminal.writeLine("Precision: \(precisionNote)")
    }

    /// Where a resumed run's learning rate stands: a cosine or linear schedule spans the whole run up to its goal,
    /// so a larger goal stretches it and the rate goes back up to where the longer schedule is at this step.
    private func scheduleText(_ trainer: Trainer) -> String {
        let o = trainer.options
        let now = "learning rate \(HumanReadable.significant(trainer.learningRate))"
        guard o.schedule != .step, let horizon = trainer.scheduleHorizon else { return now }
        return now + " (\(o.schedule.rawValue), to \(HumanReadable.significant(o.minLearningRate)) at step \(HumanReadable.count(horizon)))"
    }

    private func goalText(_ trainer: Trainer) -> String {
        switch trainer.goal {
        case .openEnded: return "training until the time limit"
        case .epochs: return "training to \(HumanReadable.goal(trainer.goal)) (\(HumanReadable.count(trainer.totalSteps)) steps)"
        case .steps: return "training to step \(HumanReadable.count(trainer.totalSteps))"
        }
    }

    func trainingDidStep(_ report: StepReport) {
        drawStatus {
            let total = report.totalSteps.map { "/\(HumanReadable.count($0))" } ?? ""
            var parts = [
                "step \(HumanReadable.count(report.step))\(total)",
                "epoch \(HumanReadable.decimal(report.epoch, 2))",
                "loss \(HumanReadable.decimal(report.loss, 3))",
            ]
            if let bpc = report.validationBPC { parts.append("val \(HumanReadable.decimal(bpc, 3)) bpc") }
            parts.append("\(HumanReadable.rate(report.charactersPerSecond)) chars/s")
            parts.append("\(timeLimited ? "left" : "ETA") \(HumanReadable.duration(report.secondsRemaining))")
            return parts.joined(separator: " · ")
        }
    }

    /// Shows the status line `line()` makes, unless one was shown too recently (a tenth of a second on a
    /// terminal, rewritten in place; 30 seconds elsewhere, a line each).
    private func drawStatus(_ line: () -> String) {
        let now = ContinuousClock.now
        guard now - lastDraw >= (interactive ? .milliseconds(100) : .seconds(30)) else { return }
        lastDraw = now
        if interactive {
            terminal.write("\r\u{1B}[K" + line())
            statusShown = true
        } else {
            terminal.writeLine(line())
        }
    }

    func trainingDidEvaluate(_ record: EvaluationRecord, isBest: Bool) {
        clearStatus()
        terminal.writeLine("step \(HumanReadable.count(record.step)) · epoch \(HumanReadable.decimal(record.epoch, 2)) · train loss \(HumanReadable.decimal(record.trainLoss, 3)) · val \(HumanReadable.decimal(record.valBpc, 3)) bpc\(isBest ? " (best)" : "") · lr \(HumanReadable.significant(record.lr)) · \(HumanReadable.rate(record.charsPerS)) chars/s")
    }

    func trainingShouldStop() -> Bool { InterruptSignal.pending != nil }

    func trainingIsValidating(read: Int, of total: Int) -> Bool {
        if InterruptSignal.pending != nil { return false }
        if read < total {
            drawStatus { "validating: \(HumanReadable.count(read)) / \(HumanReadable.count(total)) characters (\(read * 100 / max(total, 1))%)" }
        }
        return true
    }

    func finish(trainer: Trainer, session: TrainingSession, outcome: TrainingSession.Outcome) {
        clearStatus()
        let progress = trainer.progress
        let best = progress.bestValidationBPC.map { ", best val \(HumanReadable.decimal($0, 3)) bpc" } ?? ""
        switch outcome {
        case .finished:
            terminal.writeLine("Done: step \(HumanReadable.count(progress.step)), epoch \(progress.epoch)\(best). Saved \(session.folder.latest) and \(session.folder.best).")
        case .timeLimitReached:
            terminal.writeLine("Time limit reached at step \(HumanReadable.count(progress.step))\(best). Saved \(session.folder.latest).")
            terminal.writeLine("Continue with: charlstm train --resume \(session.folder.latest) --minutes M (the schedule stretches to the new end)")
        case .stopped:
            terminal.writeLine("Interrupted at step \(HumanReadable.count(progress.step)). Saved \(session.folder.latest).")
            terminal.writeLine("Resume with: charlstm train --resume \(session.folder.latest)")
        }
    }

    private func clearStatus() {
        if statusShown {
            terminal.write("\r\u{1B}[K")
            statusShown = false
        }
    }
}
