import Foundation

/// Finds a file that ships with charlstm — the bundled model, a page template — however the binary was started.
///
/// Looked for, in order: `share/charlstm/NAME` beside the binary's folder (an installed layout such as
/// `/usr/local/bin` + `/usr/local/share/charlstm`); `$HOME/.local/share/charlstm/NAME`; and its place in the source
/// checkout the binary was built from, whose location is compiled in. The binary's own path comes from
/// `/proc/self/exe`, so neither the working directory nor a symlink matters.
enum ShippedFile {
    /// Every place `name` is looked for, in order; `checkoutPath` is its path inside the repository.
    static func candidates(_ name: String, checkoutPath: String) -> [String] {
        var paths: [String] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let binFolder = URL(fileURLWithPath: executable).deletingLastPathComponent()
            paths.append(binFolder.deletingLastPathComponent().appendingPathComponent("share/charlstm/\(name)").path)
        }
        paths.append(home + "/.local/share/charlstm/" + name)
        paths.append(checkout + "/" + checkoutPath)
        return paths
    }

    /// The first candidate that exists, or nil.
    static func locate(_ name: String, checkoutPath: String) -> String? {
        candidates(name, checkoutPath: checkoutPath).first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The user's home folder: `$HOME` when it is set, as shells do, else the account's home folder from the
    /// password database (which is what Foundation's `homeDirectoryForCurrentUser` reads, whatever `$HOME` says).
    static var home: String {
        let environment = ProcessInfo.processInfo.environment["HOME"] ?? ""
        let home = environment.isEmpty ? FileManager.default.homeDirectoryForCurrentUser.path : environment
        return home.count > 1 && home.hasSuffix("/") ? String(home.dropLast()) : home
    }

    /// The source checkout's root: this file is Sources/charlstm/ShippedFile.swift.
    private static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}
