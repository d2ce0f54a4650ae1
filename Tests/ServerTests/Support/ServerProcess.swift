import CharLSTM
import Foundation
import Testing

/// A real `charlstm-serve` on an ephemeral loopback port, started as a user starts it, stopped with SIGTERM.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let errors = Pipe()
    private let lock = NSLock()
    private var errorText = ""

    /// The built charlstm-serve binary (beside the test bundle).
    static let binary: String = {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("charlstm-serve").path),
              folder.path != "/" {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("charlstm-serve").path
    }()

    /// The repository root: this file is Tests/ServerTests/Support/ServerProcess.swift.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// Starts the server on `checkpoint` with `arguments` and waits until it listens.
    init(checkpoint: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [checkpoint, "--port", "0"] + arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "CHARLSTM_SERVE_TOKEN")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // The banner names the port: "… at http://127.0.0.1:PORT/ — …".
        var found: Int?
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while found == nil && Date() < deadline && process.isRunning {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: #"at http://127\.0\.0\.1:(\d+)/"#, options: .regularExpression) {
                found = Int(text[range].dropFirst("at http://127.0.0.1:".count).dropLast())
            }
        }
        guard let found else {
            process.terminate()
            throw ServerStartFailure(output: text)
        }
        port = found
        errorText = text
        // Keep draining standard error so the server never blocks on a full pipe.
        let handle = errors.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                lock.withLock { errorText += String(decoding: data, as: UTF8.self) }
            }
        }
    }

    struct ServerStartFailure: Error, CustomStringConvertible {
        let output: String
        var description: String { "charlstm-serve did not start: \(output)" }
    }

    /// Everything the server wrote on standard error so far.
    var standardError: String { lock.withLock { errorText } }

    /// Waits until standard error contains `text` (or `seconds` pass); returns whether it did.
    func waitForLog(_ text: String, seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if standardError.contains(text) { return true }
            usleep(20_000)
        }
        return false
    }

    /// Sends SIGTERM and waits for the process to end; returns its exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }

    func client() -> HTTPClient { HTTPClient(port: port) }
}

/// Checkpoints the tests serve: small models with their matrices on int8 grids, so that the server steps them
/// with the int8 kernels as it does the bundled model.
enum TestModels {
    static let text = "the keeper lit the lamp at dusk and the ships came home.\nthe sea was calm, the night was long.\n"

    static let checkpoint: String = {
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var random = RandomSource(seed: 11)
        let model = try! CharLSTMModel(vocabulary: Vocabulary(of: text.unicodeScalars), embedding: 16, hidden: 64,
                                       layers: 2, random: &random).roundedToInt8()
        let path = folder.appendingPathComponent("small.safetensors").path
        try! Checkpoint.write(model: model, to: path)
        atexit { try? FileManager.default.removeItem(atPath: TestModels.folder.path) }
        return path
    }()

    private static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("charlstm-serve-tests-\(getpid())")

    static var bundled: String { ServerProcess.repository + "/checkpoints/default.safetensors" }
}
