import CharLSTM
import Foundation

/// The sessions the server holds, by id: made up to ``ServerLimits/maxSessions``, found, deleted, and deleted
/// on their own once idle for ``ServerLimits/sessionIdleSeconds``.
final class SessionStore: @unchecked Sendable {
    private let limits: ServerLimits
    private let makeConversation: @Sendable (UInt64) -> Conversation
    private let lock = NSLock()
    private var sessions: [String: ServerSession] = [:]

    /// `makeConversation(seed)` starts each new session's conversation.
    init(limits: ServerLimits, makeConversation: @escaping @Sendable (UInt64) -> Conversation) {
        self.limits = limits
        self.makeConversation = makeConversation
    }

    /// A new session whose generator starts from `seed`; fails when the store is full of sessions in use.
    func create(seed: UInt64) throws -> ServerSession {
        expireIdle()
        guard count < limits.maxSessions else { throw APIError.tooManySessions(limits.maxSessions) }
        // The conversation's buffers are made outside the lock; the count is checked again inside it.
        let session = ServerSession(conversation: makeConversation(seed))
        try lock.withLock {
            guard sessions.count < limits.maxSessions else { throw APIError.tooManySessions(limits.maxSessions) }
            sessions[session.id] = session
        }
        return session
    }

    /// The session called `id`.
    func session(_ id: String) throws -> ServerSession {
        guard let session = lock.withLock({ sessions[id] }) else { throw APIError.unknownSession(id) }
        return session
    }

    /// Deletes the session called `id`, cancelling what it is writing.
    func delete(_ id: String) throws {
        guard let session = lock.withLock({ sessions.removeValue(forKey: id) }) else { throw APIError.unknownSession(id) }
        session.cancelRunning()
    }

    var count: Int { lock.withLock { sessions.count } }

    /// Deletes every session idle for longer than the limit; returns how many.
    @discardableResult
    func expireIdle(now: ContinuousClock.Instant = .now) -> Int {
        lock.withLock {
            let expired = sessions.values.filter { $0.isIdle(for: limits.sessionIdleSeconds, now: now) }
            for session in expired { sessions[session.id] = nil }
            return expired.count
        }
    }
}
