import Foundation
import Synchronization

/// Threads kept for ``Parallel``: started once, then handed numbered pieces of work under one lock, so running
/// work in parallel allocates no buffers or threads (libdispatch's `concurrentPerform` allocated about 70 times
/// per training step; what is left is one small allocation per region, see `start`). The calling thread takes
/// pieces too. A pool already in use — a nested call, or a second caller on another thread — runs the pieces on
/// the calling thread instead, which gives the same results.
///
/// Parallel regions come in quick succession (a batch-1 forward pass is several per character, microseconds
/// apart), and waking a sleeping thread costs tens of microseconds. So an idle worker, and a caller waiting for
/// its parts, first spin for a short while watching an atomic counter, and only then sleep on the condition.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private let condition = NSCondition()
    // Guarded by `condition`:
    private var work: ((Int) -> Void)?
    private var partCount = 0
    private var nextPart = 0
    private var finishedParts = 0
    private var workerCount = 0
    private var busy = false
    /// Jobs handed out so far. Changed under the lock; spinning workers read it without.
    private let jobsPosted = Atomic<Int>(0)
    /// Parts of the current job not finished yet. Changed under the lock; a spinning caller reads it without.
    private let partsRemaining = Atomic<Int>(0)
    /// The barrier handed to the parts of ``runSimultaneously(parts:_:)``.
    private let stepBarrier = StepBarrier()

    /// Checks of a counter before a waiting thread sleeps: on the order of 100 µs.
    private static let spinsBeforeSleeping = 100_000

    /// Calls `body(part)` for every part in `0..<parts`, on up to `parts` threads; returns when all are done.
    func run(parts: Int, _ body: (Int) -> Void) {
        if !start(parts: parts, body) {
            for part in 0..<parts { body(part) }
        }
    }

    /// Calls `body(part, barrier)` for every part in `0..<parts`, each on a thread of its own, all running at the
    /// same time, so the parts may wait for each other at `barrier` (prepared for `parts` threads); returns when
    /// all are done. When the pool is already in use it runs nothing and returns false.
    func runSimultaneously(parts: Int, _ body: (Int, StepBarrier) -> Void) -> Bool {
        start(parts: parts, preparing: stepBarrier) { part in body(part, stepBarrier) }
    }

    /// Hands the parts out and waits for them, or returns false at once when the pool is in use. Each part is
    /// claimed by a thread that is free, and a thread runs one part to completion before claiming another; there
    /// are `parts − 1` workers besides the calling thread, so parts that wait for each other all get a thread.
    private func start(parts: Int, preparing barrier: StepBarrier? = nil, _ body: (Int) -> Void) -> Bool {
        // withoutActuallyEscaping makes one 32-byte allocation per call, for Swift's check that `body` does not
        // escape; these are the allocations measured in training and sampling steps (see README, Performance).
        // Avoiding it would mean handing the pool a task struct instead of a closure at every call site.
        withoutActuallyEscaping(body) { body in
            condition.lock()
            if busy {
                condition.unlock()
                return false
            }
            busy = true
            barrier?.prepare(parts: parts)
            while workerCount < parts - 1 {
                startWorker(lastJobSeen: jobsPosted.load(ordering: .relaxed))
                workerCount += 1
            }
            work = body
            partCount = parts
            nextPart = 0
            finishedParts = 0
            partsRemaining.store(parts, ordering: .relaxed)
            jobsPosted.add(1, ordering: .releasing)
            condition.broadcast()
            condition.unlock()
            takeParts()
            var spins = 0
            while partsRemaining.load(ordering: .acquiring) > 0 && spins < Self.spinsBeforeSleeping { spins += 1 }
            condition.lock()
            while finishedParts < partCount { condition.wait() }
            // Every thread has let go of `body` (see `runOnePart`), so it does not outlive this call.
            work = nil
            partCount = 0
            busy = false
            condition.unlock()
            return true
        }
    }

    /// Runs parts until none is left unclaimed.
    private func takeParts() {
        while runOnePart() {
            condition.lock()
            finishedParts += 1
            partsRemaining.subtract(1, ordering: .releasing)
            if finishedParts == partCount { condition.broadcast() }
            condition.unlock()
        }
    }

    /// Claims one part and runs it; false when there is none. The copy of the work it holds is released when it
    /// returns, before the part is counted as finished.
    private func runOnePart() -> Bool {
        condition.lock()
        guard nextPart < partCount, let job = work else {
            condition.unlock()
            return false
        }
        let part = nextPart
        nextPart += 1
        condition.unlock()
        job(part)
        return true
    }

    /// A worker waits for the job after `lastJobSeen`, takes parts of it, and waits again.
    private func startWorker(lastJobSeen: Int) {
        let thread = Thread { [self] in
            var seen = lastJobSeen
            while true {
                var spins = 0
                while jobsPosted.load(ordering: .acquiring) == seen && spins < Self.spinsBeforeSleeping { spins += 1 }
                condition.lock()
                while jobsPosted.load(ordering: .relaxed) == seen { condition.wait() }
                seen = jobsPosted.load(ordering: .relaxed)
                condition.unlock()
                takeParts()
            }
        }
        thread.name = "charlstm worker"
        thread.start()
    }
}
