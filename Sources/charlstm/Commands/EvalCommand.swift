import ArgumentParser
import CharLSTM
import Foundation

/// `charlstm eval`: how many bits per character a model needs for a text.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a checkpoint's bits per character on a text file.",
        discussion: """
            The file is read as one stream with the memory carried from start to end. Characters the model's \
            vocabulary lacks are counted, reported and skipped. Lower is better; 8 bits would be no better than \
            storing bytes. On a terminal, a long file shows its progress; Ctrl-C stops it and reports the figure \
            for what was read (exit status 130).

            Example:
              charlstm eval runs/lighthouse/best.safetensors corpora/lighthouse.txt
            """
    )

    @Argument(help: "Checkpoint to evaluate (.safetensors).")
    var checkpoint: String

    @Argument(help: "UTF-8 text file to evaluate on.")
    var file: String

    @Flag(help: "Print one JSON object instead of a sentence.")
    var json = false

    @OptionGroup var threading: ThreadOptions

    func run() throws {
        try threading.apply()
        let model = try Checkpoint.load(path: checkpoint).model
        let text = try TextFile(path: file)
        let tooShort = CharLSTMError.textTooShort(path: file, detail: "needs at least two characters the model knows to measure anything")
        // Refused before the work (and any note) where the text alone shows it; a text whose known characters
        // turn out to be a single one is refused after reading.
        if text.characterCount < 2 || !text.distinctCharacters.contains(where: { model.vocabulary.id(of: $0) != nil }) {
            throw tooShort
        }
        ThreadOptions.noteFallbackBackend()
        InterruptSignal.install()
        let progress = ReadingProgressDisplay(terminal: .standardError, total: text.characterCount, label: "evaluating")
        let result = TextEvaluation(model: model, text: text, progress: progress.update)
        progress.finish()
        guard result.predicted > 0 else {
            if let signalNumber = InterruptSignal.pending { throw ExitCode(InterruptSignal.exitStatus(for: signalNumber)) }
            throw tooShort
        }
        let skipped = result.unknown.values.reduce(0, +)
        if json {
            let unknown = result.unknown.keys.sorted { $0.value < $1.value }.map { String($0) }
            let object: [String: Any] = [
                "checkpoint": checkpoint, "file": file, "bits_per_character": result.bitsPerCharacter,
                "characters": result.predicted, "skipped_characters": skipped, "unknown_characters": unknown,
                "complete": result.isComplete,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return try exitIfStopped(result, total: text.characterCount)
        }
        print("\(file): \(HumanReadable.decimal(result.bitsPerCharacter, 4)) bits per character over \(HumanReadable.count(result.predicted)) characters")
        if skipped > 0 {
            let listed = result.unknown.keys.sorted { $0.value < $1.value }.prefix(20).map(Vocabulary.printable).joined(separator: " ")
            print("skipped \(HumanReadable.count(skipped)) character\(skipped == 1 ? "" : "s") not in the vocabulary: \(listed)\(result.unknown.count > 20 ? " …" : "")")
        }
        try exitIfStopped(result, total: text.characterCount)
    }

    /// A read stopped by a signal says so and ends with the conventional status, after its partial figure.
    private func exitIfStopped(_ result: TextEvaluation, total: Int) throws {
        guard !result.isComplete, let signalNumber = InterruptSignal.pending else { return }
        Terminal.standardError.writeLine("charlstm: stopped after \(HumanReadable.count(result.predicted + 1)) of \(HumanReadable.count(total)) characters; the figure is for the part read")
        throw ExitCode(InterruptSignal.exitStatus(for: signalNumber))
    }
}
