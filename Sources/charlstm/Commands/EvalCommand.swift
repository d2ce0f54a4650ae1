import ArgumentParser
import CharLSTM
import Foundation
import FrontEndSupport

/// `charlstm eval`: how many bits per character a model needs for a text — with its weights fixed, and with
/// `--dynamic` also with its weights following the text as it is read.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a checkpoint's bits per character on a text file.",
        discussion: """
            The file is read as one stream with the memory carried from start to end. Characters the model's \
            vocabulary lacks are counted, reported and skipped. Lower is better; 8 bits would be no better than \
            storing bytes. On a terminal, a long file shows its progress; Ctrl-C stops it and reports the figure \
            for what was read (exit status 130).

            --streams N reads a long text as N streams at once, batched as training's validation reads its text: \
            the text cut into N contiguous pieces, each from an empty memory. Every character is still read; the \
            figure is slightly higher (N pieces start cold, and N − 1 more characters go unpredicted) and comes many \
            times sooner — for a text of many megabytes, 64 streams is a good choice.

            With --dynamic the text is read a second time with dynamic evaluation: the weights take a small step \
            after every segment, learning from what was just scored, so the model picks up the names, spelling \
            and style of the text as it goes. Every character is still predicted before any step has seen it, \
            so the two figures are comparable. The rms rule needs the gradients' typical size on training text: \
            statistics stored in the checkpoint (export --gradient-statistics), a pass over the first \
            --statistics-characters of the checkpoint's corpus (or of --statistics FILE), or a resumable \
            checkpoint's Adam moments; without any it falls back to the sgd rule and says so.

            Examples:
              charlstm eval runs/lighthouse/best.safetensors corpora/lighthouse.txt
              charlstm eval runs/shakespeare/best.safetensors held-out.txt --dynamic
              charlstm eval runs/big/best.safetensors enwik8 --streams 64
              charlstm eval runs/notes/best.safetensors      # the run's own held-out text, all of it
            """
    )

    @Argument(help: "Checkpoint to evaluate (.safetensors).")
    var checkpoint: String

    @Argument(help: "UTF-8 text file to evaluate on (left out: the run's own held-out text, found from the checkpoint's record).")
    var file: String?

    @Option(help: ArgumentHelp("Without FILE: where the run's corpus (a file or folder) is now, if it moved.", valueName: "path"))
    var corpus: String?

    @Option(help: "Read the text as this many streams at once (see above; 1: one stream, start to end).")
    var streams = 1

    @Flag(help: "Also measure with dynamic evaluation (the weights follow the text) and show both figures.")
    var dynamic = false

    @OptionGroup(title: "Dynamic evaluation") var adaptation: DynamicEvaluationOptions

    @Flag(help: "Print one JSON object instead of sentences.")
    var json = false

    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if file == nil && (dynamic || streams > 1) {
            throw ValidationError("the run's held-out text is read as its validations read it; --dynamic and --streams need FILE")
        }
        if file != nil && corpus != nil { throw ValidationError("--corpus goes with evaluating the run's held-out text, without FILE") }
        if streams < 1 { throw ValidationError("--streams must be at least 1 (got \(streams))") }
        if streams > 1 && dynamic { throw ValidationError("--dynamic reads the text as one stream; leave out --streams") }
    }

    func run() throws {
        try threading.apply()
        let loaded = try Checkpoint.load(path: checkpoint)
        let model = loaded.model
        guard let file else { return try evaluateHeldOutText(loaded) }
        let text = try TextFile(path: file)
        let tooShort = CharLSTMError.textTooShort(path: file, detail: "needs at least two characters the model knows to measure anything")
        // Refused before the work (and any note) where the text alone shows it; a text whose known characters
        // turn out to be a single one is refused after reading.
        if text.characterCount < 2 || !text.distinctCharacters.contains(where: { model.vocabulary.id(of: $0) != nil }) {
            throw tooShort
        }
        let plan = dynamic ? try adaptation.statisticsPlan(for: loaded) : .none
        let rule = adaptation.rule ?? (plan.isNone ? .sgd : .rms)
        if dynamic, rule == .rms, plan.isNone {
            throw CharLSTMError.invalidSetting("\(checkpoint): \(Setting.adaptationRule) rms needs gradient statistics, and this checkpoint stores none and has neither its corpus at hand nor Adam's moments; name a training text with \(Setting.statisticsText) FILE, or use \(Setting.adaptationRule) sgd")
        }
        let settings = dynamic ? try adaptation.settings(rule: rule) : nil
        if dynamic, adaptation.rule == nil, plan.isNone {
            Terminal.standardError.writeLine("charlstm: no gradient statistics for \(loaded.fileName) (it stores none, its corpus is not at hand and it holds no Adam moments), so dynamic evaluation uses the sgd rule; \(Setting.statisticsText.flag) FILE names a training text for the rms rule")
        }
        ThreadOptions.noteFallbackBackend()
        InterruptSignal.install()

        if streams > 1 && text.characterCount < 2 * streams {
            throw CharLSTMError.textTooShort(path: file, detail: "has \(text.characterCount) characters, too few for \(streams) streams of at least two; use fewer streams")
        }
        let staticResult = measure(label: "evaluating", total: text.characterCount) { progress in
            streams > 1 ? TextEvaluation(model: model, file: text, streams: streams, progress: progress)
                : TextEvaluation(model: model, text: text, progress: progress)
        }
        guard staticResult.predicted > 0 else { throw stopOr(tooShort) }
        var dynamicResult: DynamicTextEvaluation?
        var statistics: GradientStatistics?
        if let settings, staticResult.isComplete {
            if settings.rule == .rms {
                statistics = try measure(label: "gradient statistics", total: plan.passLength(adaptation.statisticsCharacters)) { progress in
                    try GradientStatistics.gather(plan, model: model, segment: settings.segment,
                                                  characters: adaptation.statisticsCharacters, progress: progress)
                }
                if InterruptSignal.pending != nil { throw stopOr(tooShort) }
            }
            dynamicResult = try measure(label: "dynamic evaluation", total: text.characterCount) { progress in
                try DynamicTextEvaluation(model: model, text: text, settings: settings, statistics: statistics,
                                          progress: progress)
            }
        }
        let skipped = staticResult.unknown.values.reduce(0, +)
        if json {
            let unknown = staticResult.unknown.keys.sorted { $0.value < $1.value }.map { String($0) }
            var object: [String: Any] = [
                "checkpoint": checkpoint, "file": file, "bits_per_character": staticResult.bitsPerCharacter,
                "characters": staticResult.predicted, "skipped_characters": skipped, "unknown_characters": unknown,
                "complete": staticResult.isComplete && (!dynamic || dynamicResult?.isComplete == true),
                "products": staticResult.usedInt8Weights ? "int8" : "float", "streams": streams,
            ]
            if let settings, let dynamicResult {
                var adaptation: [String: Any] = [
                    "rule": settings.rule.rawValue, "segment": settings.segment,
                    "learning_rate": Self.decimal(settings.learningRate), "decay": Self.decimal(settings.decay),
                    "bits_per_character": dynamicResult.bitsPerCharacter, "characters": dynamicResult.predicted,
                    "relative_change": dynamicResult.relativeChange, "complete": dynamicResult.isComplete,
                ]
                if settings.rule == .rms {
                    adaptation["epsilon"] = Self.decimal(settings.epsilon)
                    adaptation["statistics"] = statistics?.source
                }
                object["dynamic"] = adaptation
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(file): \(HumanReadable.decimal(staticResult.bitsPerCharacter, 4)) bits per character over \(HumanReadable.count(staticResult.predicted)) characters\(streams > 1 ? " in \(streams) streams" : "")\(dynamic ? " (static)" : "")\(staticResult.usedInt8Weights ? ", int8 products as priming and sampling run them" : "")")
            if let settings, let dynamicResult {
                let gain = staticResult.bitsPerCharacter - dynamicResult.bitsPerCharacter
                let over = dynamicResult.isComplete ? "" : " over the first \(HumanReadable.count(dynamicResult.predicted)) characters"
                print("\(file): \(HumanReadable.decimal(dynamicResult.bitsPerCharacter, 4)) bits per character with dynamic evaluation\(over) (\(gain >= 0 ? "\(HumanReadable.decimal(gain, 4)) better" : "\(HumanReadable.decimal(-gain, 4)) worse"))")
                print("dynamic evaluation: \(settings.summary)\(statistics.map { "; statistics from \($0.source)" } ?? ""); the weights moved \(HumanReadable.decimal(dynamicResult.relativeChange * 100, 2))% (‖θ − θ₀‖ / ‖θ₀‖)")
            }
            if skipped > 0 {
                let listed = staticResult.unknown.keys.sorted { $0.value < $1.value }.prefix(20).map(Vocabulary.printable).joined(separator: " ")
                if model.vocabulary.unknownID != nil {
                    let share = HumanReadable.decimal(Double(skipped) * 100 / Double(max(1, text.characterCount)), 2)
                    print("the vocabulary (capped) covered \(HumanReadable.decimal(100 - (Double(skipped) * 100 / Double(max(1, text.characterCount))), 2))% of the text: \(HumanReadable.count(skipped)) characters (\(share)%) were read as the unknown symbol: \(listed)\(staticResult.unknown.count > 20 ? " …" : "")")
                } else {
                print("skipped \(HumanReadable.count(skipped)) character\(skipped == 1 ? "" : "s") not in the vocabulary: \(listed)\(staticResult.unknown.count > 20 ? " …" : "")")
                }
            }
        }
        let read = dynamicResult.map { $0.isComplete ? nil : $0.predicted } ?? (staticResult.isComplete ? nil : staticResult.predicted)
        if let read, let signalNumber = InterruptSignal.pending {
            Terminal.standardError.writeLine("charlstm: stopped after \(HumanReadable.count(read + 1)) of \(HumanReadable.count(text.characterCount)) characters; the figure is for the part read")
            throw ExitCode(InterruptSignal.exitStatus(for: signalNumber))
        }
        if dynamic && dynamicResult == nil, let signalNumber = InterruptSignal.pending {
            throw ExitCode(InterruptSignal.exitStatus(for: signalNumber))
        }
    }

    /// `eval CHECKPOINT` alone: the run's held-out text, all of it, as its validations read it.
    private func evaluateHeldOutText(_ loaded: Checkpoint) throws {
        guard let training = loaded.training else {
            throw CharLSTMError.invalidCheckpoint(path: checkpoint, reason: "it records no training run, so it has no held-out text; name a FILE to evaluate on")
        }
        let record = training.corpus
        let found: Corpus
        do {
            found = try record.reload(root: corpus)
        } catch CharLSTMError.fileNotFound(let path) where corpus == nil {
            throw CharLSTMError.fileAccess(path: path, reason: "the run's corpus is gone; if it moved, name it with --corpus PATH")
        }
        if let difference = record.difference(from: found) {
            throw CharLSTMError.fileAccess(path: found.displayName, reason: "the corpus changed since the checkpoint was written (\(difference)), so its held-out text is not what the run held out")
        }
        ThreadOptions.noteFallbackBackend()
        InterruptSignal.install()
        let result = try measure(label: "evaluating the held-out text", total: Int(Double(found.characterCount) * training.options.validationFraction)) { progress in
            try TextEvaluation(model: loaded.model, heldOutOf: training, corpus: found, progress: progress)
        }
        if json {
            let object: [String: Any] = [
                "checkpoint": checkpoint, "held_out_of": found.displayName, "bits_per_character": result.bitsPerCharacter,
                "characters": result.predicted, "complete": result.isComplete,
                "products": result.usedInt8Weights ? "int8" : "float",
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("held-out text of \(found.displayName): \(HumanReadable.decimal(result.bitsPerCharacter, 4)) bits per character over \(HumanReadable.count(result.predicted)) characters, as the run's validations read it\(result.usedInt8Weights ? " (int8 products)" : "")")
        }
        if !result.isComplete, let signalNumber = InterruptSignal.pending {
            Terminal.standardError.writeLine("charlstm: stopped after \(HumanReadable.count(result.predicted)) characters; the figure is for the part read")
            throw ExitCode(InterruptSignal.exitStatus(for: signalNumber))
        }
    }

    /// A setting as the number it was written as (0.003, not the float's 0.003000000026077032).
    static func decimal(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }

    /// Runs one pass with a progress line labelled `label`.
    private func measure<Result>(label: String, total: Int, _ pass: (@escaping ReadingProgress) throws -> Result) rethrows -> Result {
        let progress = ReadingProgressDisplay(terminal: .standardError, total: total, label: label)
        defer { progress.finish() }
        return try pass(progress.update)
    }

    /// The exit a signal asks for, or `error`.
    private func stopOr(_ error: CharLSTMError) -> any Error {
        if let signalNumber = InterruptSignal.pending { return ExitCode(InterruptSignal.exitStatus(for: signalNumber)) }
        return error
    }
}
