import CharLSTM
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// `charlstm serve`: one model behind HTTP. The model is loaded once and its weights are shared, read-only, by
/// every session and request; each session has a memory of its own. Every generation runs on one
/// ``ServingEngine`` thread, which batches the characters of everyone writing at once into one step.
///
/// The API (README, "Serving over HTTP"): `POST /v1/completions` (OpenAI's completions, streamed as
/// server-sent events with `"stream": true`), `/v1/sessions…` (a memory kept between requests, with undo, again
/// and state files), `GET /v1/models`, `GET /health`, and the playground page at `/`.
public final class ModelServer: Sendable {
    /// Where to listen and what to allow.
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port (``run(onListening:)`` says which).
        public var port = 8080
        public var limits = ServerLimits()
        /// With a token, every request but the playground page must send `Authorization: Bearer TOKEN`.
        public var token: String?
        /// Where the request log lines go (nil: nowhere).
        public var log: (@Sendable (String) -> Void)?

        public init() {}
    }

    let checkpoint: CheckpointSummary
    let configuration: Configuration
    var limits: ServerLimits { configuration.limits }
    let engine: ServingEngine
    let sessions: SessionStore
    /// Holds the F16 copies of the weights that every conversation's sampler shares; never samples itself.
    let prototype: SharedSampler
    private let shutdown = Mutex<ServiceGroup?>(nil)

    /// What the server tells clients about its model.
    struct CheckpointSummary: Sendable {
        /// The model's name in `/v1/models` and in every answer: the checkpoint's file name.
        let name: String
        let model: CharLSTMModel.Shared
        let created: Int
    }

    /// A server of the model in `checkpoint`.
    public init(checkpoint: Checkpoint, configuration: Configuration) {
        let model = checkpoint.model
        let created = (try? FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date)
            .flatMap { $0.map { Int($0.timeIntervalSince1970) } } ?? 0
        self.checkpoint = CheckpointSummary(name: checkpoint.fileName, model: .init(model), created: created)
        self.configuration = configuration
        let prototype = SharedSampler(Sampler(model: model))
        self.prototype = prototype
        engine = ServingEngine(sharingWeightsWith: prototype.sampler, capacity: configuration.limits.batchCapacity,
                               stalledClientSeconds: configuration.limits.stalledClientSeconds)
        sessions = SessionStore(limits: configuration.limits) { seed in Self.conversation(sharing: prototype, seed: seed) }
    }

    /// Time steps per forward pass when a conversation reads: the engine's pieces, so that a piece is one pass
    /// alone or with others (a quarter of the REPL's chunk, as each of many sessions holds the buffers of a pass).
    static let primeChunk = ServingEngine.readPiece

    var model: CharLSTMModel { checkpoint.model.model }

    /// A conversation of the model's own, for one completion.
    func makeConversation(seed: UInt64) -> Conversation { Self.conversation(sharing: prototype, seed: seed) }

    /// A new conversation with the prototype's model and F16 weights, its generator starting from `seed`.
    private static func conversation(sharing prototype: SharedSampler, seed: UInt64) -> Conversation {
        Conversation(sampler: Sampler(sharingWeightsWith: prototype.sampler, primeChunk: primeChunk),
                     random: RandomSource(seed: seed))
    }

    /// Serves until SIGINT or SIGTERM (or ``stop()``): then takes no new connections, lets the requests being
    /// answered finish, and returns. `onListening` gets the port once the server listens.
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        var logger = Logger(label: "charlstm-serve")
        logger.logLevel = .error
        let router = Router(context: ServerRequestContext.self)
        if let log = configuration.log { router.add(middleware: RequestLogMiddleware(write: log)) }
        router.add(middleware: ErrorMiddleware(limits: limits))
        if let token = configuration.token { router.add(middleware: BearerTokenMiddleware(token: token)) }
        addRoutes(to: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                 serverName: "charlstm-serve"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [app, SessionExpiry(sessions: sessions, every: min(30, limits.sessionIdleSeconds / 4))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        shutdown.withLock { $0 = group }
        engine.start()
        defer { engine.stop() }
        try await group.run()
    }

    /// Stops the server as a signal would.
    public func stop() async {
        await shutdown.withLock { $0 }?.triggerGracefulShutdown()
    }

    /// Hands `request` on `conversation` to the engine; its events come through the job's mailbox. Fails when
    /// the engine already has as many requests as it takes.
    func generate(on conversation: Conversation, _ request: GenerationRequest,
                  whenFinished: @escaping @Sendable () -> Void) throws -> GenerationJob {
        guard engine.jobCount < limits.maxRequests else { throw APIError.tooManyRequests(limits.maxRequests) }
        let job = GenerationJob(conversation: conversation, request: request, whenFinished: whenFinished)
        engine.submit(job)
        return job
    }

    /// A request's body, at most ``ServerLimits/maxRequestBytes``.
    func body(of request: Request) async throws -> [UInt8] {
        do {
            var buffer = try await request.body.collect(upTo: limits.maxRequestBytes)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge("the request body is larger than \(limits.maxRequestBytes) bytes, the limit")
        }
    }
}

/// Deletes idle sessions every so often, so that their memory goes back even when no request comes.
private struct SessionExpiry: Service {
    let sessions: SessionStore
    let every: Double

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: .seconds(max(0.05, every)))
                    sessions.expireIdle()
                }
            }
        } catch is CancellationError {}
    }
}

/// The sampler whose F16 weights every conversation shares; only its read-only weights are ever used across
/// threads.
final class SharedSampler: @unchecked Sendable {
    let sampler: Sampler
    init(_ sampler: Sampler) { self.sampler = sampler }
}

extension CharLSTMModel {
    /// A model handed between threads: its weights are only ever read while the server runs.
    struct Shared: @unchecked Sendable {
        let model: CharLSTMModel
        init(_ model: CharLSTMModel) { self.model = model }
    }
}
