import ArgumentParser
import CharLSTM
import CharLSTMServer
import Foundation
import FrontEndSupport

/// `charlstm serve` (the charlstm-serve binary, which `charlstm serve` runs): a model over HTTP.
@main
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charlstm serve",
        abstract: "Serve a model over HTTP: OpenAI-style completions, sessions with a memory, and a playground page.",
        discussion: """
            The model is loaded once; each session keeps a memory of its own (h and c, with undo), and the \
            characters of everyone being answered at once go through the network together, one batched step \
            per character. Open http://HOST:PORT/ for the playground; README's "Serving over HTTP" gives the API \
            with curl examples. Each request is logged on standard error; Ctrl-C (or SIGTERM) lets the answers \
            under way finish and stops.

            Examples:
              charlstm serve
              charlstm serve runs/lighthouse/best.safetensors --port 9000
              CHARLSTM_SERVE_TOKEN=$(openssl rand -hex 16) charlstm serve --host 0.0.0.0
              curl -s localhost:8080/v1/completions -d '{"prompt": "The ", "max_tokens": 80}'
            """
    )

    @Argument(help: "Checkpoint to serve (default: the bundled model).")
    var checkpoint: String?

    @Option(help: "Address to listen on; anything but loopback needs a token (or --open).")
    var host = ModelServer.Configuration().host

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port = ModelServer.Configuration().port

    @Option(help: ArgumentHelp("Require 'Authorization: Bearer TOKEN' on every request but the playground page (default: $\(tokenVariable), if set). The environment variable keeps the token out of the process list.", valueName: "token"))
    var token: String?

    @Flag(help: "Serve beyond loopback without a token: anyone who can reach the port can use the model.")
    var open = false

    @Option(help: "Sessions held at once (each about 2.5 MB for a 2×512 model with a full undo ring).")
    var maxSessions = ServerLimits().maxSessions

    @Option(help: "Seconds a session may sit unused before it is deleted.")
    var sessionTimeout = ServerLimits().sessionIdleSeconds

    @Option(help: "Characters one request may ask for (max_tokens).")
    var maxLength = ServerLimits().maxLength

    @Option(help: "Characters written when a request does not say.")
    var defaultLength = ServerLimits().defaultLength

    @Option(help: "Bytes of a request body.")
    var maxRequestBytes = ServerLimits().maxRequestBytes

    @Option(help: "Generating requests at once, answered or waiting; more are refused with 503.")
    var maxRequests = ServerLimits().maxRequests

    @Option(help: "Characters a session may read and write in all.")
    var maxSessionCharacters = ServerLimits().maxSessionCharacters

    @Option(help: "Seconds a client may leave a stream unread, its answer waiting, before the answer is cancelled.")
    var clientTimeout = ServerLimits().stalledClientSeconds

    @Option(help: "Streams written in one batched step.")
    var batch = ServerLimits().batchCapacity

    @Flag(help: "No request log on standard error.")
    var quiet = false

    @OptionGroup var threading: ThreadOptions

    static let tokenVariable = "CHARLSTM_SERVE_TOKEN"

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535 (got \(port))") }
        for (flag, value) in [("--max-sessions", maxSessions), ("--max-length", maxLength), ("--max-request-bytes", maxRequestBytes),
                              ("--max-requests", maxRequests), ("--max-session-characters", maxSessionCharacters), ("--batch", batch)]
        where value < 1 {
            throw ValidationError("\(flag) must be at least 1 (got \(value))")
        }
        if !(0...maxLength).contains(defaultLength) { throw ValidationError("--default-length must be from 0 to --max-length, \(maxLength) (got \(defaultLength))") }
        if !(sessionTimeout > 0) { throw ValidationError("--session-timeout must be more than 0 seconds (got \(sessionTimeout))") }
        if !(clientTimeout > 0) { throw ValidationError("--client-timeout must be more than 0 seconds (got \(clientTimeout))") }
        if token?.isEmpty == true { throw ValidationError("--token cannot be empty") }
    }

    /// Whether `host` is this machine only.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    func run() throws {
        let environmentToken = ProcessInfo.processInfo.environment[Self.tokenVariable].flatMap { $0.isEmpty ? nil : $0 }
        let token = token ?? environmentToken
        if !Self.isLoopback(host) && token == nil && !open {
            throw ValidationError("--host \(host) serves beyond this machine: give a token (--token or $\(Self.tokenVariable)), or --open to serve without one")
        }
        try threading.apply()
        let path = try BundledModel.checkpoint(checkpoint, command: "charlstm serve")
        let loaded = try Checkpoint.load(path: path)
        ThreadOptions.noteFallbackBackend()

        var configuration = ModelServer.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.token = token
        configuration.limits.maxSessions = maxSessions
        configuration.limits.sessionIdleSeconds = sessionTimeout
        configuration.limits.maxLength = maxLength
        configuration.limits.defaultLength = defaultLength
        configuration.limits.maxRequestBytes = maxRequestBytes
        configuration.limits.maxRequests = maxRequests
        configuration.limits.maxSessionCharacters = maxSessionCharacters
        configuration.limits.stalledClientSeconds = clientTimeout
        configuration.limits.batchCapacity = batch
        if !quiet { configuration.log = { Terminal.standardError.writeLine("charlstm serve: \($0)") } }
        let server = ModelServer(checkpoint: loaded, configuration: configuration)
        let (host, model) = (host, loaded.model.shapeDescription)
        let name = loaded.fileName
        let authorization = token == nil ? "" : ", token required"
        try Self.wait {
            try await server.run { port in
                let shown = host.contains(":") ? "[\(host)]" : host
                Terminal.standardError.writeLine("charlstm serve: \(name) (\(model)) at http://\(shown):\(port)/ — the playground at /, the API under /v1\(authorization); Ctrl-C stops")
            }
        }
        Terminal.standardError.writeLine("charlstm serve: stopped")
    }

    /// Runs `body` on Swift's concurrency threads and waits for it on this one.
    private static func wait(_ body: @escaping @Sendable () async throws -> Void) throws {
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await body() } catch { outcome.error = error }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw error }
    }

    private final class Outcome: @unchecked Sendable {
        var error: (any Error)?
    }

    static func main() { CommandRunner.main(Self.self, program: "charlstm serve") }
}
