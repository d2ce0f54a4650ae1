import CharLSTM
import Foundation

/// The REPL's state and what each instruction does to it: a model whose memory (every layer's `h` and `c`)
/// carries from one exchange to the next, and the settings that shape its continuations.
final class ReplSession {
    /// How text appears: on a terminal, your words are echoed plain and the continuation follows in colour (unless
    /// NO_COLOR is set); otherwise each continuation is written on its own line and nothing else goes to stdout.
    struct Presentation {
        var interactive: Bool
        var colour: Bool
    }

    private(set) var checkpoint: Checkpoint
    private var sampler: Sampler
    var sampling: SamplingSettings
    var length: Int
    var stop: String
    var newline: Bool
    /// Beams for beam search; 0 samples.
    var beam = 0
    private var watch = MemoryWatch()
    private var seed: UInt64
    private var random: RandomSource
    private var warned: Set<Unicode.Scalar> = []
    private let presentation: Presentation
    private let output = Terminal.standardOutput
    private let notices = Terminal.standardError

    init(checkpoint: Checkpoint, sampling: SamplingSettings, length: Int, stop: String, newline: Bool, seed: UInt64,
         presentation: Presentation) {
        self.checkpoint = checkpoint
        sampler = Sampler(model: checkpoint.model)
        sampler.warmUp()
        self.sampling = sampling
        self.length = length
        self.stop = stop
        self.newline = newline
        self.seed = seed
        random = RandomSource(seed: seed)
        self.presentation = presentation
    }

    /// One line about the model and how to get help.
    var banner: String {
        let c = checkpoint.model.config
        let bpc = checkpoint.training?.progress.bestValidationBPC.map { ", val \(HumanReadable.decimal($0, 2)) bpc" } ?? ""
        return "charlstm · \(CheckpointDescription.name(checkpoint)) model: \(c.layers)×\(c.hidden) \(c.cell.displayName), \(c.vocabularySize) characters\(bpc) · type text to continue it, :help for commands, Ctrl-D to quit"
    }

    /// Carries out one line; returns false when the session should end.
    func handle(_ line: String) -> Bool {
        switch ReplInstruction.parse(line) {
        case .failure(let hint):
            notice(hint.message)
            return true
        case .success(let instruction):
            return perform(instruction)
        }
    }

    private func perform(_ instruction: ReplInstruction) -> Bool {
        switch instruction {
        case .text(let text): continueText(text)
        case .quit: return false
        case .help:
            let width = ReplInstruction.commands.map { $0.name.count + $0.argument.count }.max() ?? 0
            say("Type text and press Enter: it goes into the model's memory and the model continues it.")
            say("An empty line continues from where it stopped. Ctrl-C stops a continuation; Ctrl-D quits.")
            for command in ReplInstruction.commands {
                let head = command.argument.isEmpty ? command.name : "\(command.name) \(command.argument)"
                say("  " + head.padding(toLength: width + 2, withPad: " ", startingAt: 0) + command.summary)
            }
        case .show:
            let cell = watch.cell.map { "layer \($0.layer + 1) unit \($0.unit) \($0.quantity.rawValue)" } ?? "off"
            say("surprise \(watch.surprise ? "on" : "off") · cell \(cell)")
            say("temperature \(sampling.temperature) · length \(length) · top-k \(sampling.topK == 0 ? "off" : String(sampling.topK)) · top-p \(sampling.topP == 1 ? "off" : String(sampling.topP)) · beam \(beam == 0 ? "off" : String(beam)) · stop \(stop.isEmpty ? "off" : quoted(stop)) · seed \(seed) · newline \(newline ? "on" : "off")")
        case .info:
            CheckpointDescription.lines(checkpoint).forEach(say)
        case .reset:
            sampler.reset()
            say("memory cleared")
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
            let moved = watch.mostMoved(layers: c.layers, units: c.hidden)
            guard !moved.isEmpty else { notice("no exchange to look at yet"); break }
            let memory = c.cell.hasCellState ? "cells (c)" : "units (h; \(c.cell.displayName) cells have no c)"
            say("\(memory) that moved most over the last exchange (spread = standard deviation):")
            for cell in moved {
                say("  layer \(cell.layer + 1) unit \(String(cell.unit).padding(toLength: 5, withPad: " ", startingAt: 0)) spread \(HumanReadable.decimal(Double(cell.spread), 3))  \(cell.follows.map { "follows \($0)" } ?? "")")
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
            random = RandomSource(seed: value)
        case .load(let path):
            do {
                let loaded = try Checkpoint.load(path: path)
                checkpoint = loaded
                sampler = Sampler(model: loaded.model)
                sampler.warmUp()
                warned = []
                say(banner)
            } catch {
                notice("\(commandLineMessage(error)) — keeping \(checkpoint.path)")
            }
        case .primeFile(let path):
            do {
                let file = try TextFile(path: path)
                if let read = primeWithProgress(file, total: file.characterCount) {
                    say("read \(HumanReadable.count(read)) characters into the memory")
                }
            } catch {
                notice(commandLineMessage(error))
            }
        }
        return true
    }

    /// Feeds the line (and a newline, if on) into the memory, then streams a continuation until the length, the
    /// stop string or Ctrl-C — keeping the memory as it is at the last character shown.
    private func continueText(_ text: String) {
        var primed = text
        if newline && !text.isEmpty { primed += "\n" }
        let colour = presentation.interactive && presentation.colour
        watch.begin(sampler)
        if watch.surprise && !primed.isEmpty {
            // One step per character, to know each one's surprise: short lines only need it.
            let (measured, unknown) = sampler.feedMeasuringSurprise(primed.unicodeScalars)
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
            output.write(sampler.beamSearch(width: beam, length: length).map(display).joined())
            end = .length
        } else {
            end = sampler.generate(count: length, stop: Array(stop.unicodeScalars), settings: sampling, random: &random) { character in
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
        warnAbout(sampler.prime(text, progress: presentation.interactive ? progress.update : nil))
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
        notice("skipped character\(fresh.count == 1 ? "" : "s") the model does not know: \(fresh.map(Vocabulary.printable).joined(separator: " "))")
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
