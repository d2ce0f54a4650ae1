import Foundation

/// Finds the model that ships with charlstm (`checkpoints/default.safetensors`), however the binary was started.
///
/// Looked for, in order: `$CHARLSTM_MODEL`; `share/charlstm/default.safetensors` beside the binary's folder (an
/// installed layout such as `/usr/local/bin` + `/usr/local/share/charlstm`); `~/.local/share/charlstm/`; and the
/// source checkout the binary was built from, whose location is compiled in. The binary's own path comes from
/// `/proc/self/exe`, so neither the working directory nor a symlink matters.
enum BundledModel {
    static let fileName = "default.safetensors"

    /// Every place looked at, in order.
    static var candidates: [String] {
        var paths: [String] = []
        if let override = ProcessInfo.processInfo.environment["CHARLSTM_MODEL"], !override.isEmpty { paths.append(override) }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let binFolder = URL(fileURLWithPath: executable).deletingLastPathComponent()
            paths.append(binFolder.deletingLastPathComponent().appendingPathComponent("share/charlstm/\(fileName)").path)
        }
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        paths.append(home + "/.local/share/charlstm/" + fileName)
        // This file is Sources/charlstm/BundledModel.swift; the checkout's root is two folders up.
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        paths.append(checkout.appendingPathComponent("checkpoints/\(fileName)").path)
        return paths
    }

    /// The first candidate that exists, or nil.
    static func locate() -> String? {
        candidates.first { FileManager.default.fileExists(atPath: $0) }
    }
}
