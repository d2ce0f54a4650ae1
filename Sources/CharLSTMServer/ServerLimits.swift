/// What the server allows, each a bound on memory or time that no client can exceed. `charlstm serve --help`
/// shows these defaults.
public struct ServerLimits: Sendable, Equatable {
    /// Sessions held at once. Each holds a memory of its own and the states that undo returns to: about 2.5 MB
    /// for a 2×512 model once its undo ring is full.
    public var maxSessions = 64
    /// Seconds a session may sit unused before it is deleted.
    public var sessionIdleSeconds = 600.0
    /// Bytes of a request body.
    public var maxRequestBytes = 1 << 20
    /// Characters one request may ask to be written (`max_tokens`).
    public var maxLength = 10_000
    /// Characters written when a request does not say (`max_tokens` left out).
    public var defaultLength = 200
    /// Characters a session may read and write in all, before it must be deleted or cleared.
    public var maxSessionCharacters = 1_000_000
    /// Generating requests at once, answered or waiting their turn.
    public var maxRequests = 128
    /// Seconds a client may leave a stream unread, with its answer waiting, before the answer is cancelled.
    public var stalledClientSeconds = 30.0
    /// Streams written in one batched step.
    public var batchCapacity = 32
    /// Characters of one stop string.
    public var maxStopLength = 64

    public init() {}
}
