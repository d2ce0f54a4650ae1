import ArgumentParser
import CharLSTM

/// `charlstm export`: a smaller copy of a checkpoint for sharing or bundling.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint without the state only resuming needs (about a third of the size, a sixth with --half).",
        discussion: """
            Keeps the weights, the vocabulary and the training record (settings, step, validation bits per \
            character); drops Adam's moments and the carried state. The result samples, evaluates and starts new \
            runs with --init-from exactly like the original, but cannot be resumed.

            --half stores the weights as 16-bit floats (safetensors F16, which PyTorch loads as torch.float16): \
            half the size again, each weight rounded to 11 significant bits. Every charlstm command reads F16 and \
            F32 files alike, widening F16 weights to 32 bits as it loads them.

            Examples:
              charlstm export runs/lighthouse/best.safetensors lighthouse.safetensors
              charlstm export runs/lighthouse/best.safetensors lighthouse-f16.safetensors --half
            """
    )

    @Argument(help: "Checkpoint to read.")
    var checkpoint: String

    @Argument(help: "File to write (replaced atomically if it exists).")
    var output: String

    @Flag(help: "Store the weights as 16-bit floats (F16).")
    var half = false

    func run() throws {
        let loaded = try Checkpoint.load(path: checkpoint)
        try Checkpoint.export(loaded, to: output, half: half)
        print("wrote \(output): \(half ? "F16 " : "")weights and training record of \(checkpoint), without resume state")
    }
}
