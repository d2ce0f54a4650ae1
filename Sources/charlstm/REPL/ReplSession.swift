import CharLSTM
import Foundation
import FrontEndSupport

/// The REPL's state and what each instruction does to it: a ``Conversation`` with a model, whose memory (every
/// layer's `h` and `c`) carries from one exchange to the next and can be taken back, kept and restored; the
/// settings that shape its continuations; and the terminal work of showing them.
final class ReplSession {
    /// How text appears: on a terminal, your words are echoed plain and the continuation follows in colour (unless
    /// NO_COLOR is set); otherwise each continuation is written on its own line and nothing else goes to stdout.
    struct Presentation {
        var interactive: Bool
        var colour: Bool
    }

    private(set) var checkpoint: Checkpoint
    private var conversation: Conversation
    private var sampler: Sampler { conversation.sampler }
    var sampling: SamplingSettings
    var length: Int
    var stop: String
    var newline: Bool
    /// Beams for beam search; 0 samples.
    var beam = 0
    private var watch = MemoryWatch()
    private var seed: UInt64
    /// Memories kept with `:save`, in the order they were first kept.
    private var saves: [(name: String, state: ConversationState)] = []
    /// Whether every exchange ends with its figures (`:stats on`).
    private var statsAfterEveryExchange = false
    /// The lines of a `"""` block being typed; nil outside one.
    private var block: [String]?
    private var warned: Set<Unicode.Scalar> = []
    /// How `:learn` adapts the weights.
    private let learning: DynamicEvaluationOptions
    /// A `:save-model` over the loaded checkpoint waiting for its confirmation (the same command again).
    private var pendingOverwrite: String?
    private let presentation: Presentation
    private let output = Terminal.standardOutput
    private let notices = Terminal.standardError

    init(checkpoint: Checkpoint, sampling: SamplingSettings, length: Int, stop: String, newline: Bool, seed: UInt64,
         learning: DynamicEvaluationOptions, presentation: Presentation) {
        self.learning = learning
        self.checkpoint = checkpoint
        let sampler = Sampler(model: checkpoint.model)
        sampler.warmUp()
        conversation = Conversation(sampler: sampler, random: RandomSource(seed: seed))
        self.sampling = sampling
        self.length = length
        self.stop = stop
        self.newline = newline
        self.seed = seed
        self.presentation = presentation
    }

    /// Starts from a state file's memory (`repl --state`); `seed`, when given, restarts its generator.
    func start(from state: ConversationState, seed: UInt64?) {
        conversation.restore(state)
        if let seed {
            self.seed = seed
            conversation.random = RandomSource(seed: seed)
        }
    }

    /// The prompt for the next line: `… ` inside a `"""` block.
    var prompt: String { block == nil ? "» " : "… " }

    /// Ctrl-C at the prompt: abandons a `"""` block being typed.
    func interruptedAtPrompt() {
        guard block != nil else { return }
        block = nil
        notice("block abandoned; nothing was read")
    }

    /// The end of input: a `"""` block still open is not read, and is said so.
    func finish() {
        if block != nil { notice("the \"\"\" block was never closed; its text was not read") }
    }

    /// One line about the model and how to get help.
    var banner: String {
        let c = checkpoint.model.config
        let bpc = checkpoint.training?.progress.bestValidationBPC.map { ", val \(HumanReadable.decimal($0, 2)) bpc" } ?? ""
        return "charlstm · \(CheckpointDescription.name(checkpoint)) model: \(c.layers)×\(c.hidden) \(c.cell.displayName), \(c.vocabularySize) characters\(bpc) · type text to continue it, :help for commands, Ctrl-D to quit"
    }

    /// Carries out one line; returns false when the session should end. A line `"""` opens a block of lines,
    /// read as one text when a second `"""` closes it.
    func handle(_ line: String) -> Bool {
        let isFence = line.trimmingCharacters(in: .whitespaces) == "\"\"\""
        if var lines = block {
            guard isFence else {
                lines.append(line)
                block = lines
                return true
            }
            block = nil
            return perform(.text(lines.joined(separator: "\n")))
        }
        if isFence {
            block = []
            return true
        }
        switch ReplInstruction.parse(line) {
        case .failure(let hint):
            notice(hint.message)
            return true
        case .success(let instruction):
            return perform(instruction)
        }
    }

    private func perform(_ instruction: ReplInstruction) -> Bool {
        if case .saveModel = instruction {} else { pendingOverwrite = nil }
        switch instruction {
        case .text(let text): continueText(text)
        case .quit: return false
        case .help:
            let width = ReplInstruction.commands.map { $0.name.count + $0.argument.count }.max() ?? 0
            say("Type text and press Enter: it goes into the model's memory and the model continues it.")
            say("An empty line continues from where it stopped. Ctrl-C stops a continuation; Ctrl-D quits.")
            say("A line \"\"\" opens a block of lines, read as one text when another \"\"\" line closes it.")
            for command in ReplInstruction.commands {
                let head = command.argument.isEmpty ? command.name : "\(command.name) \(command.argument)"
                say("  " + head.padding(toLength: width + 2, withPad: " ", startingAt: 0) + command.summary)
            }
        case .show:
            let cell = watch.cell.map { "layer \($0.layer + 1) unit \($0.unit) \($0.quantity.rawValue)" } ?? "off"
            say("surprise \(watch.surprise ? "on" : "off") · cell \(cell)")
            say("temperature \(sampling.temperature) · length \(length) · top-k \(sampling.topK == 0 ? "off" : String(sampling.topK)) · top-p \(sampling.topP == 1 ? "off" : String(sampling.topP)) · beam \(beam == 0 ? "off" : String(beam)) · stop \(stop.isEmpty ? "off" : quoted(stop)) · seed \(seed) · newline \(newline ? "on" : "off")")
            let kept = saves.isEmpty ? "none" : saves.map(\.name).joined(separator: ", ")
            say("memory: \(whereMemoryStands(conversation.charactersRead, conversation.tail)) · undo \(conversation.undoDepth) · saved \(kept) · stats \(statsAfterEveryExchange ? "on" : "off")")
            say(learningStatus)
        case .info:
            CheckpointDescription.lines(checkpoint).forEach(say)
        case .reset:
            conversation.clearMemory()
            say("memory cleared (:undo brings it back)")
        case .probabilities:
            for (character, probability) in sampler.mostLikely(10) {
                say("  \(Vocabulary.printable(character).padding(toLength: 8, withPad: " ", startingAt: 0)) \(HumanReadable.decimal(Double(probability), 4))")
            }
        case .why:
            guard let last = sampler.lastDrawCandidates(10) else { notice("nothing generated yet"); break }
            say("the last character, \(Vocabulary.printable(last.drawn)), was drawn from:")
            for (character, probability) in last.candidates {
                let mark = character == last.drawn ? "  ← drawn" : ""
                say("  \(Vocabulary.printable(character).padding(toLength: 8, withPad: " ", startingAt: 0)) \(HumanReadable.decimal(Double(probability), 4))\(mark)")
            }
        case .surprise(let on): watch.surprise = on
        case .cell(let unit):
            if let unit {
                let c = checkpoint.model.config
                guard unit.layer < c.layers && unit.unit < c.hidden else {
                    notice(":cell: this model has layers 1–\(c.layers) and units 0–\(c.hidden - 1)")
                    break
                }
                guard unit.quantity.isAvailable(in: c.cell) else {
                    notice(":cell: this model's layers are \(c.cell.displayName) cells, which keep only h; \(unit.quantity.rawValue) is an LSTM's \(unit.quantity.meaning)")
                    break
                }
                say("continuations coloured by layer \(unit.layer + 1) unit \(unit.unit) \(unit.quantity.rawValue), \(unit.quantity.meaning): blue low, red high")
            }
            watch.cell = unit
        case .cells:
            let c = checkpoint.model.config
            let moved = watch.mostMoved(units: c.hidden)
            guard !moved.isEmpty else { notice("no exchange to look at yet"); break }
            let memory = c.cell.hasCellState ? "cells (c)" : "units (h; \(c.cell.displayName) cells have no c)"
            say("\(memory) that moved most over the last exchange (spread = standard deviation):")
            for cell in moved {
                say("  layer \(cell.layer + 1) unit \(String(cell.unit).padding(toLength: 5, withPad: " ", startingAt: 0)) spread \(HumanReadable.decimal(Double(cell.spread), 3))  \(cell.follows.map { "follows \($0.property.rawValue) (r = \(HumanReadable.decimal($0.r, 2)))" } ?? "")")
            }
        case .temperature(let value): sampling.temperature = value
        case .length(let value): length = value
        case .topK(let value): sampling.topK = value
        case .topP(let value): sampling.topP = value
        case .beam(let value): beam = value
        case .stop(let value): stop = value
        case .newline(let value): newline = value
        case .seed(let value):
            seed = value
            conversation.random = RandomSource(seed: value)
        case .load(let path):
            do {
                let loaded = try Checkpoint.load(path: path)
                let hadHistory = conversation.undoDepth > 0 || !saves.isEmpty
                checkpoint = loaded
                let sampler = Sampler(model: loaded.model)
                sampler.warmUp()
                conversation = Conversation(sampler: sampler, random: conversation.random)
                saves = []
                warned = []
                say(banner)
                if hadHistory { say("(the exchanges to undo and the memories kept were the previous model's, and are gone)") }
            } catch {
                notice("\(commandLineMessage(error)) — keeping \(checkpoint.path)")
            }
        case .primeFile(let path):
            do {
                let file = try TextFile(path: path)
                conversation.beginExchange(reading: nil)
                defer { endExchange() }
                if let read = primeWithProgress(file, total: file.characterCount) {
                    say("read \(HumanReadable.count(read)) characters into the memory")
                }
            } catch {
                notice(commandLineMessage(error))
            }
        case .undo:
            guard conversation.undo() else { notice("nothing to undo"); break }
            say("took back the last exchange; \(undoDepthText)")
            noteMissedWeights()
        case .again:
            guard conversation.undoDepth > 0 else { notice("nothing to do again yet"); break }
            guard let input = conversation.takeBackForAgain() else {
                notice(":again continues a line you typed anew; the last step (:prime-file, :reset, :restore) is taken back with :undo")
                break
            }
            noteMissedWeights()
            exchange(String(String.UnicodeScalarView(input)))
        case .learn(let on):
            switch on {
            case nil: say(learningStatus)
            case true?:
                guard startLearning() else { break }
                say(learningStatus)
            case false?:
                conversation.stopLearning()
                say("learning off; \(weightsStatus)")
            }
        case .learnReset:
            guard conversation.learner?.hasMoved == true else { say("the weights are the trained ones already"); break }
            conversation.resetWeights()
            say("the weights are the trained ones again (:undo takes it back); the memory stays as it is")
        case .saveModel(let path):
            saveModel(to: path)
        case .save(let name):
            let state = conversation.state()
            if let index = saves.firstIndex(where: { $0.name == name }) { saves[index].state = state } else { saves.append((name, state)) }
            say("kept the memory as \(name): \(whereMemoryStands(state.charactersRead, state.tail))")
        case .restore(let name):
            guard let kept = saves.first(where: { $0.name == name }) else {
                notice(saves.isEmpty ? "no memory is kept yet; :save \(name) keeps the one now"
                       : "no memory called \(name); kept: \(saves.map(\.name).joined(separator: ", "))")
                break
            }
            conversation.restore(kept.state)
            say("memory back to \(name): \(whereMemoryStands(kept.state.charactersRead, kept.state.tail)) (:undo takes it back)")
        case .saves:
            guard !saves.isEmpty else { notice("no memory is kept yet; :save NAME keeps the one now"); break }
            for kept in saves { say("  \(kept.name): \(whereMemoryStands(kept.state.charactersRead, kept.state.tail))") }
        case .saveState(let path):
            do {
                let state = conversation.state()
                try StateFile.write(state, model: checkpoint.model, checkpointName: checkpoint.fileName, to: path)
                if conversation.learner?.hasMoved == true {
                    say("wrote \(path): the memory after \(HumanReadable.count(state.charactersRead)) characters, of the weights as learned so far — it loads with the model :save-model writes now")
                } else {
                    say("wrote \(path): the memory after \(HumanReadable.count(state.charactersRead)) characters (charlstm repl --state \(path) continues from it)")
                }
            } catch {
                notice(commandLineMessage(error))
            }
        case .loadState(let path):
            do {
                let state = try StateFile.read(path: path, for: checkpoint.model, checkpointName: checkpoint.fileName)
                conversation.restore(state)
                say("memory from \(path): \(whereMemoryStands(state.charactersRead, state.tail)) (:undo takes it back)")
            } catch {
                notice(commandLineMessage(error))
            }
        case .stats(let setting):
            if let setting {
                statsAfterEveryExchange = setting
                say("figures after every exchange: \(setting ? "on" : "off")")
            } else if let last = conversation.lastStatistics {
                say(Self.describe(last))
            } else {
                notice("no exchange yet")
            }
        case .transcript(let path):
            do {
                let text = String(String.UnicodeScalarView(conversation.transcript))
                try AtomicFile.write(Array(text.utf8), to: path)
                say("wrote \(path): \(HumanReadable.count(conversation.transcript.count)) characters read and written in this session")
            } catch {
                notice(commandLineMessage(error))
            }
        }
        return true
    }

    /// Attaches a learner to the conversation, the first time gathering the rms rule's statistics. False, with a
    /// notice, when that fails or is stopped.
    private func startLearning() -> Bool {
        if let learner = conversation.learner {
            conversation.startLearning(with: learner)
            return true
        }
        do {
            let plan = try learning.statisticsPlan(for: checkpoint)
            let settings = try learning.settings(rule: learning.rule ?? (plan.isNone ? .sgd : .rms))
            var statistics: GradientStatistics?
            if settings.rule == .rms {
                if plan.isNone {
                    notice(":learn: the rms rule needs gradient statistics, and \(checkpoint.fileName) stores none and has neither its corpus at hand nor Adam's moments; start the REPL with --statistics FILE (a training text) or --dynamic-rule sgd")
                    return false
                }
                InterruptSignal.clear()
                let total = plan.passLength(learning.statisticsCharacters)
                let progress = ReadingProgressDisplay(terminal: output, total: total, label: "gradient statistics")
                statistics = try GradientStatistics.gather(plan, model: checkpoint.model, segment: settings.segment,
                                                           characters: learning.statisticsCharacters,
                                                           progress: presentation.interactive ? progress.update : nil)
                progress.finish()
                if progress.interrupted {
                    InterruptSignal.clear()
                    notice(":learn: stopped gathering gradient statistics; learning stays off")
                    return false
                }
            }
            conversation.startLearning(with: try DynamicLearner(model: checkpoint.model, settings: settings,
                                                                statistics: statistics))
            return true
        } catch {
            notice(":learn: \(commandLineMessage(error))")
            return false
        }
    }

    /// `on · rms rule, segment 50, …; statistics from …; the weights have moved 0.12% …`
    private var learningStatus: String {
        guard let learner = conversation.learner else {
            return "learning off; the weights are the trained ones (:learn on lets the text you type and prime adapt them)"
        }
        let statistics = learner.statistics.map { "; statistics from \($0.source)" } ?? ""
        return "learning \(conversation.isLearning ? "on" : "off") · \(learner.settings.summary)\(statistics) · \(weightsStatus)"
    }

    private var weightsStatus: String {
        guard let learner = conversation.learner, learner.hasMoved else { return "the weights are the trained ones" }
        return "the weights have moved \(HumanReadable.decimal(learner.relativeChange * 100, 3))% from the trained ones (‖θ − θ₀‖ / ‖θ₀‖) over \(HumanReadable.count(learner.updates)) update\(learner.updates == 1 ? "" : "s"); :learn reset returns to them"
    }

    /// After a take-back that returned the memory but not the weights, says so.
    private func noteMissedWeights() {
        guard conversation.lastTakeBackMissedWeights else { return }
        notice("the weights could not go back that far (the last \(conversation.weightUndoLevels) changes are kept); they keep what they learned — :learn reset returns to the trained ones")
    }

    /// `:save-model`: the model with its weights now, as a checkpoint; over the loaded file only when asked twice.
    private func saveModel(to path: String) {
        let target = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        let loaded = URL(fileURLWithPath: checkpoint.path).standardizedFileURL.resolvingSymlinksInPath().path
        if target == loaded && pendingOverwrite != target {
            pendingOverwrite = target
            notice("\(path) is the checkpoint this session loaded; :save-model \(path) again replaces it")
            return
        }
        pendingOverwrite = nil
        do {
            try Checkpoint.write(model: checkpoint.model, training: checkpoint.training?.withoutResumeState, to: path,
                                 statistics: conversation.learner?.statistics ?? checkpoint.gradientStatistics)
            let moved = conversation.learner.map { $0.hasMoved ? "weights learned over \(HumanReadable.count($0.updates)) updates" : "the trained weights" } ?? "the trained weights"
            say("wrote \(path): \(checkpoint.model.shapeDescription), \(moved) (charlstm repl \(path) talks with it)")
        } catch {
            notice(commandLineMessage(error))
        }
    }

    private var undoDepthText: String {
        let depth = conversation.undoDepth
        return depth == 0 ? "nothing more to undo" : "\(depth) more can be undone"
    }

    /// `1,204 characters read, ending …"the lamp was lit\n"`, or `empty`: the last 40 characters, escaped.
    private func whereMemoryStands(_ read: Int, _ tail: [Unicode.Scalar]) -> String {
        guard read > 0 else { return "empty" }
        let shown = tail.suffix(40)
        let text = String(String.UnicodeScalarView(shown.map { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" ? "\u{FFFD}" : $0 }))
        return "\(HumanReadable.count(read)) characters read, ending \(shown.count < tail.count || read > tail.count ? "…" : "")\(quoted(text))"
    }

    /// One line of an exchange's figures.
    static func describe(_ s: ExchangeStatistics) -> String {
        var parts = ["read \(HumanReadable.count(s.charactersRead)) characters in \(HumanReadable.milliseconds(s.readSeconds))"]
        if let first = s.firstCharacterSeconds { parts.append("first character after \(HumanReadable.milliseconds(first))") }
        var written = "wrote \(HumanReadable.count(s.charactersWritten)) characters in \(HumanReadable.milliseconds(s.writeSeconds))"
        if let rate = s.writingRate { written += " (\(HumanReadable.count(Int(rate.rounded()))) chars/s)" }
        parts.append(written)
        return parts.joined(separator: " · ")
    }

    private func endExchange() {
        conversation.endExchange()
        if statsAfterEveryExchange, let last = conversation.lastStatistics { notice("stats: " + Self.describe(last)) }
    }

    /// Feeds the line (and a newline, if on) into the memory, then streams a continuation.
    private func continueText(_ text: String) {
        var primed = text
        if newline && !text.isEmpty { primed += "\n" }
        exchange(primed)
    }

    /// One exchange: feeds `primed` into the memory, then streams a continuation until the length, the stop string
    /// or Ctrl-C — keeping the memory as it is at the last character shown.
    private func exchange(_ primed: String) {
        conversation.beginExchange(reading: Array(primed.unicodeScalars))
        defer { endExchange() }
        let colour = presentation.interactive && presentation.colour
        watch.begin(sampler)
        if watch.surprise && !primed.isEmpty {
            // One step per character, to know each one's surprise: short lines only need it.
            let (measured, unknown) = conversation.readMeasuringSurprise(primed.unicodeScalars)
            warnAbout(unknown)
            if colour {
                output.write(measured.map { MemoryWatch.background(red: min(1, ($0.bits ?? 0) / 8)) + String($0.character) + "\u{1B}[0m" }.joined())
            } else {
                if presentation.interactive { output.write(primed) }
                notice("surprise (bits): " + measured.map { "\(Vocabulary.printable($0.character)) \($0.bits.map { HumanReadable.decimal($0, 1) } ?? "–")" }.joined(separator: " "))
            }
        } else {
            guard primeWithProgress(primed.unicodeScalars, total: primed.unicodeScalars.count) != nil else { return }
            if presentation.interactive { output.write(primed) }
        }
        let perCharacter = watch.surprise || watch.cell != nil
        if colour && !perCharacter { output.write("\u{1B}[36m") }
        InterruptSignal.clear()
        var numbers: [String] = []
        // A generated character: recorded for :cells, coloured or measured as :surprise and :cell ask.
        func show(_ character: Unicode.Scalar) {
            watch.record(character, sampler)
            var value: Double?
            if let cell = watch.cell {
                let raw = sampler.unitValue(layer: cell.layer, unit: cell.unit, cell.quantity)
                value = Double(raw)
                if colour { output.write(MemoryWatch.background(diverging: MemoryWatch.position(raw, cell.quantity))) }
            } else if watch.surprise, let confidence = sampler.lastDrawProbability {
                value = Double(confidence)
                if colour { output.write(MemoryWatch.background(green: Double(confidence))) }
            }
            output.write(display(character))
            if colour && perCharacter { output.write("\u{1B}[0m") }
            if !colour, perCharacter, let value { numbers.append("\(Vocabulary.printable(character)) \(HumanReadable.decimal(value, 2))") }
        }
        let end: Sampler.GenerationEnd
        if beam > 0 {
            // Beam search knows its text only at the end: it is shown whole (no per-character values), and the
            // memory holds it.
            output.write(conversation.writeBeam(width: beam, length: length).map(display).joined())
            end = .length
        } else {
            end = conversation.write(count: length, stop: Array(stop.unicodeScalars), settings: sampling) { character in
                show(character)
                return InterruptSignal.pending == nil
            }
        }
        if colour { output.write("\u{1B}[0m") }
        output.write("\n")
        if !numbers.isEmpty {
            let what = watch.cell.map { "layer \($0.layer + 1) unit \($0.unit) \($0.quantity.rawValue)" } ?? "confidence"
            notice("\(what): " + numbers.joined(separator: " "))
        }
        if end == .cancelled {
            InterruptSignal.clear()
            notice("stopped; the memory keeps everything up to the last character shown")
        }
    }

    /// Feeds text into the memory, showing progress on a terminal when it takes a while. Ctrl-C stops it and
    /// keeps what was read, which it reports; the result is then nil, else the characters read.
    private func primeWithProgress<S: Sequence>(_ text: S, total: Int) -> Int? where S.Element == Unicode.Scalar {
        InterruptSignal.clear()
        let progress = ReadingProgressDisplay(terminal: output, total: total, label: "reading")
        warnAbout(conversation.read(text, progress: presentation.interactive ? progress.update : nil))
        progress.finish()
        guard progress.interrupted else { return total }
        InterruptSignal.clear()
        notice("stopped reading after \(HumanReadable.count(progress.read)) of \(HumanReadable.count(total)) characters; the memory keeps what was read")
        return nil
    }

    /// A generated character as it should reach the screen. On a terminal, control characters other than newline
    /// and tab are shown in visible form (`U+0007`): a bell would ring, a backspace or escape would rewrite the
    /// screen. The model's memory still receives the character itself; piped output is left exactly as generated.
    private func display(_ character: Unicode.Scalar) -> String {
        guard presentation.interactive, character.properties.generalCategory == .control,
              character != "\n", character != "\t" else { return String(character) }
        return Vocabulary.printable(character)
    }

    /// Names characters the model does not know, once each per session.
    private func warnAbout(_ unknown: [Unicode.Scalar: Int]) {
        let fresh = unknown.keys.filter { !warned.contains($0) }.sorted { $0.value < $1.value }
        guard !fresh.isEmpty else { return }
        warned.formUnion(fresh)
        let done = checkpoint.model.vocabulary.unknownID == nil ? "skipped" : "read as the unknown symbol \(Vocabulary.printable(Vocabulary.unknownCharacter)):"
        notice("\(done) character\(fresh.count == 1 ? "" : "s") the model does not know: \(fresh.map(Vocabulary.printable).joined(separator: " "))")
    }

    private func quoted(_ text: String) -> String {
        "\"" + text.unicodeScalars.map { $0 == "\n" ? "\\n" : $0 == "\t" ? "\\t" : String($0) }.joined() + "\""
    }

    /// Output the user asked for (help, settings, probabilities).
    private func say(_ line: String) { output.writeLine(line) }

    /// Hints and warnings: beside the conversation on a terminal, on stderr otherwise.
    private func notice(_ line: String) {
        (presentation.interactive ? output : notices).writeLine("charlstm: \(line)")
    }
}
