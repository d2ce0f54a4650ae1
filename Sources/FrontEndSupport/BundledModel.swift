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
}
