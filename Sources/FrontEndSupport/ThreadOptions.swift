import ArgumentParser
import CharLSTM
import Foundation

/// `--threads`, shared by every command that runs the model.
public struct ThreadOptions: ParsableArguments {
    public init() {}

    @Option(help: "Threads for matrix products (default: all cores). Results are reproducible for a given count.")
    public var threads: Int?

    /// Applies the setting to the engine: the flag, else `trainedWith` — the count a resumed run was trained with,
    /// so that it continues bit for bit — else every core. Fails for a count below 1. Returns, for a resumed run,
    /// what to tell the user about the choice.
    @discardableResult
    public func apply(resumingRunTrainedWith trainedWith: Int? = nil) throws -> String? {
        let count = threads ?? trainedWith ?? ProcessInfo.processInfo.activeProcessorCount
        guard count >= 1 else { throw CharLSTMError.invalidSetting("--threads must be at least 1 (got \(count))") }
        EngineThreads.set(count)
        guard let trainedWith else { return nil }
        if count == trainedWith { return threads == nil ? "as the run was trained (--threads changes it)" : nil }
        return "the run was trained with \(trainedWith), so its numbers may differ from an uninterrupted run's in the last digits"
    }

    /// Once the inputs have been checked and real work is about to start: a one-line hint when the engine fell
    /// back to its own, slower GEMM. (Before that, an error must stay the only line on stderr.)
    public static func noteFallbackBackend() {
        if BLAS.backend.isFallback {
            Terminal.standardError.writeLine("charlstm: note: OpenBLAS not found, using the built-in GEMM (slower); install it with: \(Platform.openBLASInstallHint)")
        }
    }
}
