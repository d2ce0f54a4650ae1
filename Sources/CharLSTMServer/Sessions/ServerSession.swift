import CharLSTM
import Foundation

/// One client's conversation with the model, kept between its requests: its own memory (`h`, `c`), generator,
/// transcript and undo ring, over the weights every session shares.
///
/// One request at a time uses it: ``claim()`` takes it (or says it is busy) and ``release()`` gives it back,
/// so the conversation is never touched by two threads at once — by a route for the quick operations, or by
/// the engine for a generation.
final class ServerSession: @unchecked Sendable {
    /// The unguessable name clients use: 128 random bits from the system's generator, in hex.
    let id: String
    let conversation: Conversation
    let created = Date()

    private let lock = NSLock()
    // Guarded by `lock`.
    private var busy = false
    private var lastUsed = ContinuousClock.now
    private var job: GenerationJob?

    init(conversation: Conversation) {
        id = Self.randomID()
        self.conversation = conversation
    }

    /// 128 bits from the system's cryptographic generator, as 32 hex digits.
    static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }

    /// Takes the session for one request; fails if another request has it.
    func claim() throws {
        try lock.withLock {
            if busy { throw APIError.busy(id) }
            busy = true
        }
    }

    /// Gives the session back after ``claim()``; its idle time starts now.
    func release() {
        lock.withLock {
            busy = false
            job = nil
            lastUsed = .now
        }
    }

    /// ``claim()``, `body` with the conversation, ``release()``.
    func use<Result>(_ body: (Conversation) throws -> Result) throws -> Result {
        try claim()
        defer { release() }
        return try body(conversation)
    }

    /// Notes the generation now running on the claimed session, so that deleting the session can cancel it.
    func running(_ job: GenerationJob) { lock.withLock { self.job = job } }

    /// Cancels the generation running, if any.
    func cancelRunning() { lock.withLock { job }?.cancel() }

    /// Whether the session is unclaimed and has been for at least `seconds`.
    func isIdle(for seconds: Double, now: ContinuousClock.Instant) -> Bool {
        lock.withLock { !busy && (now - lastUsed).seconds >= seconds }
    }

    /// Seconds left before it expires, as of `now` (its full idle time while a request has it).
    func secondsLeft(idleLimit: Double, now: ContinuousClock.Instant) -> Double {
        lock.withLock { busy ? idleLimit : max(0, idleLimit - (now - lastUsed).seconds) }
    }
}
