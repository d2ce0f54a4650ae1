import Foundation
import Synchronization

/// Work handed to ``WorkerPool``: the values its parts need, and what part number `part` does with them.
///
/// A parallel region is a struct rather than a closure because the pool's threads can only be handed a caller's
/// closure through `withoutActuallyEscaping`, which allocates on every call (one 32-byte box, 19 per training
/// step at 2×128). A struct is handed over as a pointer to the caller's copy, so running work in parallel
/// allocates nothing. (`SendableMetatype`: the other threads call a static function of the work's type.)
protocol PartedWork: SendableMetatype {
    func run(part: Int)
}

/// Work whose parts all run at the same time and wait for each other at `barrier`
/// (see ``WorkerPool/runSimultaneously(parts:_:)``).
protocol LockstepWork: SendableMetatype {
    func run(part: Int, barrier: StepBarrier)
}

/// Threads kept for ``Parallel``: started once, then handed numbered pieces of work under one lock, so running
/// work in parallel allocates no buffers or threads (libdispatch's `concurrentPerform` allocated about 70 times
/// per training step). The calling thread takes pieces too. A pool already in use — a nested call, or a second
/// caller on another thread — runs the pieces on the calling thread instead, which gives the same results.
///
/// Parallel regions come in quick succession (a batch-1 forward pass is several per character, microseconds
/// apart), and waking a sleeping thread costs tens of microseconds. So an idle worker, and a caller waiting for
/// its parts, first spin for a short while watching an atomic counter, and only then sleep on the condition.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private let condition = NSCondition()
    // Guarded by `condition`:
    /// The current job: where the caller's work is, and the function that runs one part of it.
    private var job: (work: UnsafeRawPointer, runPart: (UnsafeRawPointer, Int) -> Void)?
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

    /// Runs `work.run(part:)` for every part in `0..<parts`, on up to `parts` threads; returns when all are done.
    @inline(__always)
    func run<Work: PartedWork>(parts: Int, _ work: Work) {
        // In optimised builds this is specialised for each kind of work, so `Work.runPart` is a plain function
        // and handing it over allocates nothing.
        let started = withUnsafePointer(to: work) { start(parts: parts, work: $0, runPart: Work.runPart) }
        if !started {
            for part in 0..<parts { work.run(part: part) }
        }
    }

    /// Runs `work.run(part:barrier:)` for every part in `0..<parts`, each on a thread of its own, all at the same
    /// time, so the parts may wait for each other at `barrier` (prepared for `parts` threads); returns when all
    /// are done. When the pool is already in use it runs nothing and returns false.
    @inline(__always)
    func runSimultaneously<Work: LockstepWork>(parts: Int, _ work: Work) -> Bool {
        withUnsafePointer(to: Lockstep(work: work, barrier: stepBarrier)) {
            start(parts: parts, preparing: stepBarrier, work: $0, runPart: Lockstep<Work>.runPart)
        }
    }

    /// Hands the parts out and waits for them, or returns false at once when the pool is in use. Each part is
    /// claimed by a thread that is free, and a thread runs one part to completion before claiming another; there
    /// are `parts − 1` workers besides the calling thread, so parts that wait for each other all get a thread.
    private func start(parts: Int, preparing barrier: StepBarrier? = nil, work: UnsafeRawPointer,
                       runPart: @escaping (UnsafeRawPointer, Int) -> Void) -> Bool {
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
        job = (work, runPart)
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
        // Every part has finished, so no thread reads the caller's work after this call returns.
        job = nil
        partCount = 0
        busy = false
        condition.unlock()
        return true
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

    /// Claims one part and runs it; false when there is none.
    private func runOnePart() -> Bool {
        condition.lock()
        guard nextPart < partCount, let job else {
            condition.unlock()
            return false
        }
        let part = nextPart
        nextPart += 1
        condition.unlock()
        job.runPart(job.work, part)
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

extension PartedWork {
    /// Runs part `part` of the work of this type that `work` points to: the pool's threads hold a job's work as
    /// a raw pointer.
    fileprivate static func runPart(_ work: UnsafeRawPointer, _ part: Int) {
        work.assumingMemoryBound(to: Self.self).pointee.run(part: part)
    }
}

/// A ``LockstepWork`` with the barrier its parts meet at.
private struct Lockstep<Work: LockstepWork>: PartedWork {
    let work: Work
    let barrier: StepBarrier

    func run(part: Int) { work.run(part: part, barrier: barrier) }
}
