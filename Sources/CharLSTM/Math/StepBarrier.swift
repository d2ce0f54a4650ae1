import Foundation
import Synchronization

/// A barrier for a group of threads that advance through numbered steps together, each waiting at the end of
/// step `s` until all have finished it. ``WorkerPool`` owns one and prepares it for each job it runs with
/// ``WorkerPool/runSimultaneously(parts:_:)``, so a job needs no barrier of its own.
///
/// One counter only grows: a thread finishing step `s` adds one and waits for `(s + 1)·parts`, so no phase or
/// reset is needed between steps. Waiting spins, because a step of a batch-1 recurrence lasts a few
/// microseconds — far less than putting a thread to sleep and waking it costs. After a while of spinning it
/// yields the core, so that a thread which is not running (more threads than free cores) gets to finish its step.
final class StepBarrier: @unchecked Sendable {
    /// Threads in the group. Set by ``prepare(parts:)`` before the threads start, and only read while they run.
    private(set) var parts = 1
    private let arrivals = Atomic<Int>(0)

    /// Spins before a waiting thread starts yielding; some tens of microseconds.
    private static let spinsBeforeYielding = 20_000

    /// Makes the barrier ready for a new group of `parts` threads starting at step 0. Call it before handing the
    /// barrier to them (the hand-over must publish it, as a lock does).
    func prepare(parts: Int) {
        precondition(parts >= 1)
        self.parts = parts
        arrivals.store(0, ordering: .relaxed)
    }

    /// Marks this thread's step `step` (numbered from 0) as done and waits for the others to finish it. Whatever a
    /// thread wrote before arriving is visible to every thread after the wait.
    func arriveAndWait(step: Int) {
        arrivals.add(1, ordering: .acquiringAndReleasing)
        let target = (step + 1) * parts
        var spins = 0
        while arrivals.load(ordering: .acquiring) < target {
            spins += 1
            if spins > Self.spinsBeforeYielding { sched_yield() }
        }
    }
}
