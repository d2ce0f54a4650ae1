import Foundation
import Testing
@testable import CharLSTM

/// Parts run by `runSimultaneously` really run at the same time, and a ``StepBarrier`` makes each step's writes
/// visible to every part before any part starts the next step.
@Suite struct WorkerPoolTests {
    @Test(arguments: [2, 3])
    func partsAdvanceInLockstep(parts: Int) {
        // Two rows of slots, used on alternate steps: a part may start writing step s + 1 while a slower part is
        // still reading step s, but not step s + 2 before everyone has finished reading step s.
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 2 * parts)
        slots.initialize(repeating: -1, count: 2 * parts)
        let mismatches = UnsafeMutablePointer<Int>.allocate(capacity: parts)
        mismatches.initialize(repeating: 0, count: parts)
        defer {
            slots.deallocate()
            mismatches.deallocate()
        }
        let check = LockstepCheck(parts: parts, steps: 2_000, slots: slots, mismatches: mismatches)
        while !WorkerPool.shared.runSimultaneously(parts: parts, check) {
            sched_yield()  // another test is using the pool; try again
        }
        #expect((0..<parts).map { mismatches[$0] } == Array(repeating: 0, count: parts))
    }
}

/// Each part writes the step number into its slot, waits at the barrier, and counts the other parts' slots that
/// do not show the same step (into its own counter).
private struct LockstepCheck: LockstepWork {
    let parts: Int, steps: Int
    let slots: UnsafeMutablePointer<Int>
    let mismatches: UnsafeMutablePointer<Int>

    func run(part: Int, barrier: StepBarrier) {
        for step in 0..<steps {
            let row = slots + (step % 2) * parts
            row[part] = step
            barrier.arriveAndWait(step: step)
            for other in 0..<parts where row[other] != step { mismatches[part] += 1 }
        }
    }
}
