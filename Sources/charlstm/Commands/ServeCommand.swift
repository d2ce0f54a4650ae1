import ArgumentParser
import CharLSTM
import Foundation

/// `charlstm serve`: runs the charlstm-serve binary that sits beside this one, with the same arguments. The HTTP
/// server is a binary of its own so that building charlstm never builds the HTTP stack it needs.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model over HTTP: OpenAI-style completions, sessions with a memory, and a playground page.",
        discussion: "Runs charlstm-serve, built beside charlstm (swift build -c release builds both); charlstm serve --help shows its options."
    )

    @Argument(parsing: .captureForPassthrough, help: "charlstm-serve's arguments (see charlstm serve --help).")
    var arguments: [String] = []

    /// The server binary's name; it sits in the folder of the running charlstm.
    static let serverBinary = "charlstm-serve"

    func run() throws {
        guard let executable = Platform.executablePath else {
            throw CharLSTMError.fileAccess(path: Self.serverBinary, reason: "this charlstm cannot tell where its binary is, to find charlstm-serve beside it")
        }
        let folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        let server = folder.appendingPathComponent(Self.serverBinary).path
        guard FileManager.default.isExecutableFile(atPath: server) else {
            throw CharLSTMError.fileAccess(path: server, reason: "charlstm serve runs this binary, which is not built: swift build -c release --product charlstm-serve (Scripts/install.sh installs both)")
        }
        let argv = ([server] + arguments).map { strdup($0) } + [nil]
        execv(server, argv)
        throw CharLSTMError.fileAccess(path: server, reason: "could not be started: \(String(cString: strerror(errno)))")
    }
}
