import CharLSTM
import Foundation
import Synchronization

/// The one thread that runs the model for every request, so that requests share its products instead of
/// contending for the cores. Each turn of its loop:
///
/// 1. every job still reading takes in the next piece of its input (``readPiece`` characters; jobs whose pieces
///    are as long are read together, batched over the streams and over time — a long text never holds the
///    others up for more than a piece);
/// 2. every job writing writes one character, all of them in one batched step per ``ConversationBatch``
///    (one product per layer for up to ``capacity`` streams);
/// 3. finished jobs report their end and let their conversation go.
///
/// A job whose client reads slower than the model writes is paused once ``maxBacklog`` characters wait for it,
/// and goes on when the client has taken them: a stalled client costs neither memory nor steps. One that has
/// taken nothing for `stalledClientSeconds` while paused (a connection gone without a word, a client that never
/// reads) is cancelled, so that it holds neither its session nor a place among the requests.
///
/// A job's conversation belongs to this thread from ``submit(_:)`` until the job's `whenFinished`. The weights
/// are only read, by every conversation at once.
final class ServingEngine: @unchecked Sendable {
    let model: CharLSTMModel
    /// The most jobs writing in one batched step; more wait their turn in the same loop.
    let capacity: Int
    /// Characters one job reads per turn: a conversation's sampler reads as many in one pass (its `primeChunk`),
    /// so a piece read with others gives the same numbers as read alone.
    static let readPiece = 64
    /// Characters written and not yet taken by the client at which a job waits for it.
    static let maxBacklog = 1024

    private let batch: ConversationBatch
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var incoming: [GenerationJob] = []
    private var stopping = false
    private var running = false
    private var woken = false
    // The engine thread's own.
    private var jobs: [GenerationJob] = []
    private var writers: [Conversation] = []
    private var writerSettings: [SamplingSettings] = []
    private var writerJobs: [GenerationJob] = []
    private var readers: [GenerationJob] = []
    private var written: [ConversationBatch.WrittenCharacter] = []
    private var delivered: [ConversationBatch.WrittenCharacter] = []

    /// Seconds a paused job waits for its client to take anything before it is cancelled.
    let stalledClientSeconds: Double

    /// An engine for conversations with `sampler`'s model, sharing its F16 weights if it has them.
    init(sharingWeightsWith sampler: Sampler, capacity: Int, stalledClientSeconds: Double) {
        model = sampler.model
        self.capacity = capacity
        self.stalledClientSeconds = stalledClientSeconds
        batch = ConversationBatch(sharingWeightsWith: sampler, capacity: capacity, readSteps: Self.readPiece)
        written.reserveCapacity(capacity)
    }

    /// Starts the engine's thread.
    func start() {
        condition.withLock { running = true }
        let thread = Thread { [self] in loop() }
        thread.name = "charlstm-serve engine"
        thread.start()
    }

    /// Cancels every job (each reports its end) and stops the thread; returns once it has stopped.
    func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
            while running { condition.wait() }
        }
    }

    /// Hands `job` to the engine; it starts at the next turn.
    func submit(_ job: GenerationJob) {
        condition.withLock {
            if stopping {
                job.whenFinished()
                job.events.post(.finished(.cancelled, ExchangeStatistics(), ConversationSummary()))
                return
            }
            job.events.onTake = { [weak self] in self?.wake() }
            job.onCancel = { [weak self] in self?.wake() }
            incoming.append(job)
            condition.signal()
        }
    }

    /// Makes the engine look at its jobs again (a paused one may go on, a cancelled one end).
    private func wake() {
        condition.withLock {
            woken = true
            condition.signal()
        }
    }

    /// Jobs handed over and not yet finished (for the limits and `/health`).
    var jobCount: Int { condition.withLock { incoming.count } + activeCount.withLock { $0 } }
    private let activeCount = Mutex(0)

    private func loop() {
        var stalled = false
        while true {
            let stop: Bool = condition.withLock {
                // With nothing to do, sleep until a job comes; with every job paused, until one may go on.
                while incoming.isEmpty && !stopping {
                    if jobs.isEmpty {
                        condition.wait()
                    } else if !stalled || woken || !condition.wait(until: Date().addingTimeInterval(0.05)) {
                        break
                    }
                }
                woken = false
                jobs.append(contentsOf: incoming)
                incoming.removeAll(keepingCapacity: true)
                return stopping
            }
            activeCount.withLock { $0 = jobs.count }
            if stop { break }
            stalled = !turn()
            activeCount.withLock { $0 = jobs.count }
        }
        for job in jobs { finish(job, .cancelled) }
        jobs.removeAll()
        activeCount.withLock { $0 = 0 }
        condition.withLock {
            running = false
            condition.broadcast()
        }
    }

    /// One turn: a piece read by each reader, a character written by each writer whose client keeps up, the
    /// finished let go. Returns whether anything was done.
    private func turn() -> Bool {
        var progressed = false
        writers.removeAll(keepingCapacity: true)
        writerSettings.removeAll(keepingCapacity: true)
        writerJobs.removeAll(keepingCapacity: true)
        readers.removeAll(keepingCapacity: true)
        for job in jobs {
            if job.isCancelled {
                finish(job, .cancelled)
                progressed = true
            } else if !job.hasReadInput {
                if job.request.measuresInput { readMeasuring(job) } else { readers.append(job) }
                progressed = true
            } else if job.events.backlog >= Self.maxBacklog {
                if job.events.secondsSinceTake(now: .now) >= stalledClientSeconds {
                    finish(job, .cancelled)
                    progressed = true
                }
            } else if job.writtenCount < job.request.length {
                writers.append(job.conversation)
                writerSettings.append(job.request.settings)
                writerJobs.append(job)
            } else {
                finish(job, .length)
                progressed = true
            }
        }
        readPieces()
        var first = 0
        while first < writers.count {
            let end = min(first + capacity, writers.count)
            write(from: first, to: end)
            first = end
        }
        jobs.removeAll(where: \.isFinished)
        return progressed || !writers.isEmpty
    }

    /// The next piece of each reader's input, the readers whose pieces are as long read together.
    private func readPieces() {
        while let length = readers.first.map(pieceLength) {
            let group = Array(readers.filter { pieceLength($0) == length }.prefix(capacity))
            readers.removeAll { job in group.contains { $0 === job } }
            batch.read(group.map(\.conversation),
                       pieces: group.map { $0.request.input[$0.readCount..<($0.readCount + length)] })
            for job in group { job.readCount += length }
        }
    }

    private func pieceLength(_ job: GenerationJob) -> Int { min(Self.readPiece, job.request.input.count - job.readCount) }

    /// The next piece of a job that measures each character's surprisal, one step per character.
    private func readMeasuring(_ job: GenerationJob) {
        let end = job.readCount + pieceLength(job)
        let piece = job.request.input[job.readCount..<end]
        job.events.post(.read(job.conversation.readMeasuringSurprise(String.UnicodeScalarView(piece)).measured))
        job.readCount = end
    }

    /// Writes a character for writers `first..<end` in one batched step and delivers them; a job that wrote a
    /// stop string or its last character finishes.
    private func write(from first: Int, to end: Int) {
        if first == 0 && end == writers.count {
            batch.writeNext(writers, settings: writerSettings, into: &written)
        } else {
            batch.writeNext(Array(writers[first..<end]), settings: Array(writerSettings[first..<end]), into: &written)
        }
        for (k, job) in writerJobs[first..<end].enumerated() {
            delivered.removeAll(keepingCapacity: true)
            let stopped = job.take(written[k], into: &delivered)
            if !delivered.isEmpty { job.events.post(.written(delivered)) }
            if stopped || job.writtenCount >= job.request.length { finish(job, stopped ? .stop : .length) }
        }
    }

    /// Reports the job's end and lets its conversation go; the turn removes it from ``jobs``.
    private func finish(_ job: GenerationJob, _ reason: FinishReason) {
        job.isFinished = true
        if reason != .stop && !job.heldBack.isEmpty {
            job.events.post(.written(job.heldBack))
            job.heldBack.removeAll()
        }
        job.conversation.endExchange()
        let end = GenerationEvent.finished(reason, job.conversation.lastStatistics ?? ExchangeStatistics(),
                                           ConversationSummary(job.conversation))
        // The conversation is let go before the client hears of the end, so that its next request never finds
        // the session still busy with this one.
        job.whenFinished()
        job.events.post(end)
    }
}
