import ArgumentParser
import CharLSTM

/// `charlstm export`: a smaller copy of a checkpoint for sharing or bundling.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint without the state only resuming needs (about a third of the size).",
        discussion: """
            Keeps the weights, the vocabulary and the training record (settings, step, validation bits per \
            character); drops Adam's moments and the carried state. The result samples, evaluates and starts new \
            runs with --init-from exactly like the original, but cannot be resumed.

            Example:
              charlstm export runs/lighthouse/best.safetensors lighthouse.safetensors
            """
    )

    @Argument(help: "Checkpoint to read.")
    var checkpoint: String

    @Argument(help: "File to write (replaced atomically if it exists).")
    var output: String

    func run() throws {
        let loaded = try Checkpoint.load(path: checkpoint)
        try Checkpoint.export(loaded, to: output)
        print("wrote \(output): weights and training record of \(checkpoint), without resume state")
    }
}
