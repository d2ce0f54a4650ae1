import ArgumentParser
import CharLSTM
import Foundation

/// `--threads`, shared by every command that runs the model.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for matrix products (default: all cores). Results are reproducible for a given count.")
    var threads: Int?

    /// Applies the setting to the engine; fails for a count below 1.
    func apply() throws {
        let count = threads ?? ProcessInfo.processInfo.activeProcessorCount
        guard count >= 1 else { throw CharLSTMError.invalidSetting("--threads must be at least 1 (got \(count))") }
        EngineThreads.set(count)
    }

    /// Once the inputs have been checked and real work is about to start: a one-line hint when the engine fell
    /// back to its own, slower GEMM. (Before that, an error must stay the only line on stderr.)
    static func noteFallbackBackend() {
        if BLAS.backend.isFallback {
            Terminal.standardError.writeLine("charlstm: note: OpenBLAS not found, using the built-in GEMM (slower); install it with: apt-get install libopenblas0-pthread")
        }
    }
}
