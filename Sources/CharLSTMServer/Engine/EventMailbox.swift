import Foundation

/// Where a job's events wait for the route that answers with them. The engine posts every event as it
/// happens; the route takes everything posted since it last looked, merged — all the characters written
/// meanwhile in one ``GenerationEvent/written(_:)`` — so that a client whose connection is slower than the
/// model gets fewer, longer pieces instead of falling behind one piece per character.
final class EventMailbox: @unchecked Sendable {
    private let lock = NSLock()
    // Guarded by `lock`.
    private var events: [GenerationEvent] = []
    private var ended = false
    private var endTaken = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var waiting = 0
    /// Called after a ``take()`` that emptied a backlog of ``ServingEngine/maxBacklog`` characters or more
    /// (the engine then resumes the job it paused).
    var onTake: (@Sendable () -> Void)?

    private var lastTake = ContinuousClock.now

    /// Characters posted and not yet taken: a client reading slower than the model lets them pile up, and the
    /// engine pauses its job at ``ServingEngine/maxBacklog``.
    var backlog: Int { lock.withLock { waiting } }

    /// Seconds since the route last took events (or since the mailbox was made).
    func secondsSinceTake(now: ContinuousClock.Instant) -> Double { lock.withLock { (now - lastTake).seconds } }

    /// Adds `event` (on the engine thread); a ``GenerationEvent/finished(_:_:_:)`` is the last.
    func post(_ event: GenerationEvent) {
        let sleeper: CheckedContinuation<Void, Never>? = lock.withLock {
            switch event {
            case .read(let characters): waiting += characters.count
            case .written(let characters): waiting += characters.count
            case .finished: break
            }
            switch (events.last, event) {
            case (.written(let earlier)?, .written(let more)): events[events.count - 1] = .written(earlier + more)
            case (.read(let earlier)?, .read(let more)): events[events.count - 1] = .read(earlier + more)
            default: events.append(event)
            }
            if case .finished = event { ended = true }
            defer { waiter = nil }
            return waiter
        }
        sleeper?.resume()
    }

    /// Everything posted since the last call, waiting while there is nothing; nil once the end has been taken.
    func take() async -> [GenerationEvent]? {
        while true {
            var wasFull = false
            let taken: [GenerationEvent]?? = lock.withLock {
                if !events.isEmpty {
                    wasFull = waiting >= ServingEngine.maxBacklog
                    lastTake = .now
                    defer {
                        events.removeAll()
                        waiting = 0
                    }
                    if ended { endTaken = true }
                    return .some(events)
                }
                return endTaken ? .some(nil) : nil
            }
            if let taken {
                if wasFull { onTake?() }
                return taken
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = lock.withLock {
                    if !events.isEmpty || endTaken { return true }
                    waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }
}
