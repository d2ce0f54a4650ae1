import CharLSTM
import Foundation

/// The model that ships with charlstm (`checkpoints/default.safetensors`): `$CHARLSTM_MODEL` if set, else the
/// first ``ShippedFile`` place that has it.
public enum BundledModel {
    public static let fileName = "default.safetensors"

    /// Every place looked at, in order.
    public static var candidates: [String] {
        let override = ProcessInfo.processInfo.environment["CHARLSTM_MODEL"].flatMap { $0.isEmpty ? nil : [$0] } ?? []
        return override + ShippedFile.candidates(fileName, checkoutPath: "checkpoints/" + fileName)
    }

    /// The first candidate that exists, or nil.
    public static func locate() -> String? {
        candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The checkpoint a command was given, else the bundled model; fails, saying where it looked, when there is
    /// neither. `command` is how the user would name one (`charlstm repl`).
    public static func checkpoint(_ given: String?, command: String) throws -> String {
        if let given { return given }
        if let bundled = locate() { return bundled }
        throw CharLSTMError.fileAccess(path: fileName, reason: "the bundled model was not found (looked in \(candidates.joined(separator: ", "))); name a checkpoint: \(command) CHECKPOINT")
    }
}
