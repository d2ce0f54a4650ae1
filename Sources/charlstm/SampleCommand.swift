import ArgumentParser
import CharLSTM
import Foundation

/// `charlstm sample`: prime a model with text and stream a continuation.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate text from a checkpoint, streamed as it is produced.",
        discussion: """
            The priming text is run through the network to set its memory (every layer's h and c), echoed, and \
            then characters are drawn one at a time. The same --seed gives the same output.

            Example:
              charlstm sample runs/lighthouse/best.safetensors --prime "The keeper " --length 300 --temperature 0.8
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

    @Option(name: .customLong("top-k"), help: "Sample only among the K most likely characters; 0 = all.")
    var topK = 0

    @Flag(help: "Always take the most likely character (ignores --temperature and --top-k).")
    var argmax = false

    @Option(help: "Stop after generating this string (escapes \\n, \\t, \\\\ understood).")
    var stop: String?

    @Option(help: "Random seed; the same seed gives the same text (default: a fresh random seed).")
    var seed: UInt64?

    @Flag(name: .customLong("no-echo"), help: "Print only the generated text, not the priming text.")
    var noEcho = false

    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if prime != nil && primeFile != nil { throw ValidationError("give --prime or --prime-file, not both") }
        if length < 0 { throw ValidationError("--length must be 0 or more (got \(length))") }
        if let stop, EscapeSequences.decode(stop).isEmpty { throw ValidationError("--stop must not be empty") }
    }

    func run() throws {
        let settings = SamplingSettings(temperature: temperature, topK: topK, argmax: argmax)
        try settings.validate()
        try threading.apply()
        let model = try Checkpoint.load(path: checkpoint).model
        let primeText: [Unicode.Scalar]
        if let primeFile {
            primeText = Array(try TextFile(path: primeFile))
        } else {
            primeText = Array((prime ?? "").unicodeScalars)
        }
        ThreadOptions.noteFallbackBackend()
        let sampler = Sampler(model: model)
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
            Terminal.standardError.writeLine("charlstm: warning: skipped priming characters the model does not know: \(listed)")
        }
        let output = Terminal.standardOutput
        if !noEcho { output.write(String(String.UnicodeScalarView(primeText))) }
        var random = RandomSource(seed: seed ?? UInt64.random(in: 0...UInt64.max))
        let stopScalars = stop.map { Array(EscapeSequences.decode($0).unicodeScalars) } ?? []
        sampler.generate(count: length, stop: stopScalars, settings: settings, random: &random) { character in
            output.write(String(character))
            return InterruptSignal.pending == nil
        }
        output.write("\n")
        if let signalNumber = InterruptSignal.pending { throw ExitCode(InterruptSignal.exitStatus(for: signalNumber)) }
    }
}
