import ArgumentParser
import CharLSTM
import Foundation
import FrontEndSupport

/// `charlstm sample`: prime a model with text and stream a continuation.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate text from a checkpoint, streamed as it is produced.",
        discussion: """
            The priming text is run through the network to set its memory (every layer's h and c), echoed, and \
            then characters are drawn one at a time. The same --seed gives the same output.

            --count N draws N independent samples at once (one batch through the network), separated by a blank \
            line. --beam N instead finds the continuation the model finds likeliest, keeping the N best partial \
            continuations at each step: safer, blander text, the same every time (temperature, top-k and top-p do \
            not apply).

            Examples:
              charlstm sample runs/lighthouse/best.safetensors --prime "The keeper " --length 300 --temperature 0.8
              charlstm sample runs/lighthouse/best.safetensors --prime "The keeper " --top-p 0.9 --count 5 --output five.txt
              charlstm sample runs/lighthouse/best.safetensors --prime "The keeper " --length 80 --beam 8
            """
    )

    @Argument(help: "Checkpoint to sample from (.safetensors).")
    var checkpoint: String

    @Option(help: "Text to prime the model's memory with before generating.")
    var prime: String?

    @Option(name: .customLong("prime-file"), help: ArgumentHelp("Prime with the contents of this UTF-8 file.", valueName: "path"))
    var primeFile: String?

    @Option(help: "Characters to generate.")
    var length = 500

    @Option(help: "Softmax temperature, > 0: lower is more conservative, higher more surprising.")
    var temperature: Float = 1

    @Flag(help: "Always take the most likely character (ignores --temperature, --top-k and --top-p).")
    var argmax = false

    @Option(help: "Independent samples to draw, as one batch.")
    var count = 1

    @Option(help: ArgumentHelp("Write the text to this file (atomically) instead of standard output.", valueName: "path"))
    var output: String?

    @Option(help: "Stop after generating this string (escapes \\n, \\t, \\\\ understood).")
    var stop: String?

    @Option(help: ArgumentHelp("Start from the memory in this state file (the REPL's :save-state): priming text is read after it, and its random generator draws unless --seed is given.",
                               valueName: "file"))
    var state: String?

    @Flag(name: .customLong("no-echo"), help: "Print only the generated text, not the priming text.")
    var noEcho = false

    @OptionGroup var decoding: DecodingOptions
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if prime != nil && primeFile != nil { throw ValidationError("give --prime or --prime-file, not both") }
        if length < 0 { throw ValidationError("--length must be 0 or more (got \(length))") }
        if let stop, EscapeSequences.decode(stop).isEmpty { throw ValidationError("--stop must not be empty") }
        if !(1...10_000).contains(count) { throw ValidationError("--count must be 1 to 10,000 (got \(count))") }
        if decoding.beam > 0 && (count > 1 || argmax || decoding.topK > 0 || decoding.topP < 1) {
            throw ValidationError("--beam finds the likeliest continuation; it does not combine with --count, --argmax, --top-k or --top-p")
        }
        if stop != nil && (decoding.beam > 0 || count > 1) { throw ValidationError("--stop works with one sampled continuation, not with --beam or --count") }
    }

    func run() throws {
        let settings = try decoding.settings(temperature: temperature, argmax: argmax)
        try threading.apply()
        if let output { try AtomicFile.checkWritable(output) }
        let loaded = try Checkpoint.load(path: checkpoint)
        let model = loaded.model
        let saved = try state.map { try StateFile.read(path: $0, for: model, checkpointName: loaded.fileName) }
        let primeText: [Unicode.Scalar]
        if let primeFile {
            primeText = Array(try TextFile(path: primeFile))
        } else {
            primeText = Array((prime ?? "").unicodeScalars)
        }
        ThreadOptions.noteFallbackBackend()
        let sampler = Sampler(model: model)
        if let saved { sampler.restore(saved.memory) }
        InterruptSignal.install()
        let progress = ReadingProgressDisplay(terminal: .standardError, total: primeText.count, label: "priming")
        let unknown = sampler.prime(primeText, progress: progress.update)
        progress.finish()
        if let signalNumber = InterruptSignal.pending {
            Terminal.standardError.writeLine("charlstm: stopped while priming, after \(HumanReadable.count(progress.read)) of \(HumanReadable.count(primeText.count)) characters")
            throw ExitCode(InterruptSignal.exitStatus(for: signalNumber))
        }
        if !unknown.isEmpty {
            let listed = unknown.keys.sorted { $0.value < $1.value }.map(Vocabulary.printable).joined(separator: " ")
            let done = model.vocabulary.unknownID == nil ? "skipped" : "read as the unknown symbol"
            Terminal.standardError.writeLine("charlstm: warning: \(done) priming characters the model does not know: \(listed)")
        }
        let echo = noEcho ? "" : String(String.UnicodeScalarView(primeText))
        var random = decoding.seed.map { RandomSource(seed: $0) } ?? saved?.random ?? RandomSource(seed: decoding.chosenSeed())
        var text = ""
        // To a file, everything is collected and written at once; to the terminal, one sample streams as made.
        func emit(_ piece: String) { if output == nil { Terminal.standardOutput.write(piece) } else { text += piece } }
        if decoding.beam > 0 {
            emit(echo + String(String.UnicodeScalarView(sampler.beamSearch(width: decoding.beam, length: length))) + "\n")
        } else if count > 1 {
            let samples = sampler.sampleMany(count: count, length: length, settings: settings, random: &random)
            emit(samples.map { echo + String(String.UnicodeScalarView($0)) + "\n" }.joined(separator: "\n"))
        } else {
            emit(echo)
            let stopScalars = stop.map { Array(EscapeSequences.decode($0).unicodeScalars) } ?? []
            sampler.generate(count: length, stop: stopScalars, settings: settings, random: &random) { character in
                emit(String(character))
                return InterruptSignal.pending == nil
            }
            emit("\n")
        }
        if let output { try AtomicFile.write(Array(text.utf8), to: output) }
        if let signalNumber = InterruptSignal.pending { throw ExitCode(InterruptSignal.exitStatus(for: signalNumber)) }
    }
}
