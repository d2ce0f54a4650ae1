import CharLSTM
import Foundation

/// Finds a file that ships with charlstm beside the binary — the bundled model — however the binary was started.
///
/// Looked for, in order: `share/charlstm/NAME` beside the binary's folder (the installed layout that
/// `Scripts/install.sh PREFIX` makes: `PREFIX/bin/charlstm` and `PREFIX/share/charlstm/`);
/// `$HOME/.local/share/charlstm/NAME`; and, for a binary that sits inside the source checkout it was built from
/// (`swift run`, `.build/release/charlstm`), its place in that checkout. A copy of the binary elsewhere never
/// reads the checkout, so an installation works, or fails, the same once the checkout is gone. The binary's path
/// comes from the operating system (``Platform/executablePath``), so neither the working directory nor a symlink
/// matters.
public enum ShippedFile {
    /// Every place `name` is looked for, in order; `checkoutPath` is its path inside the repository.
    public static func candidates(_ name: String, checkoutPath: String) -> [String] {
        var paths: [String] = []
        let executable = Platform.executablePath.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
        if let executable {
            let binFolder = URL(fileURLWithPath: executable).deletingLastPathComponent()
            paths.append(binFolder.deletingLastPathComponent().appendingPathComponent("share/charlstm/\(name)").path)
        }
        paths.append(home + "/.local/share/charlstm/" + name)
        if let executable, executable.hasPrefix(checkout + "/") {
            paths.append(checkout + "/" + checkoutPath)
        }
        return paths
    }

    /// The user's home folder: `$HOME` when it is set, as shells do, else the account's home folder from the
    /// password database (which is what Foundation's `homeDirectoryForCurrentUser` reads, whatever `$HOME` says).
    public static var home: String {
        let environment = ProcessInfo.processInfo.environment["HOME"] ?? ""
        let home = environment.isEmpty ? FileManager.default.homeDirectoryForCurrentUser.path : environment
        return home.count > 1 && home.hasSuffix("/") ? String(home.dropLast()) : home
    }

    /// The source checkout's root: this file is Sources/FrontEndSupport/ShippedFile.swift.
    private static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().resolvingSymlinksInPath().path
}
