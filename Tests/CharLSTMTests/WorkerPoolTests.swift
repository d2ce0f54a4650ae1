#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Testing
@testable import CharLSTM

/// Parts run by `runSimultaneously` really run at the same time, and a ``StepBarrier`` makes each step's writes
/// visible to every part before any part starts the next step.
@Suite struct WorkerPoolTests {
    @Test(arguments: [2, 3])
    func partsAdvanceInLockstep(parts: Int) {
        let steps = 2_000
        // Two rows of slots, used on alternate steps: a part may start writing step s + 1 while a slower part is
        // still reading step s, but not step s + 2 before everyone has finished reading step s.
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 2 * parts)
        slots.initialize(repeating: -1, count: 2 * parts)
        defer { slots.deallocate() }
        let mismatches = Atomic<Int>(0)
        while !WorkerPool.shared.runSimultaneously(parts: parts, { part, barrier in
            for step in 0..<steps {
                let row = slots + (step % 2) * parts
                row[part] = step
                barrier.arriveAndWait(step: step)
                for other in 0..<parts where row[other] != step {
                    mismatches.add(1, ordering: .relaxed)
                }
            }
        }) {
            sched_yield()  // another test is using the pool; try again
        }
        #expect(mismatches.load(ordering: .relaxed) == 0)
    }
}
