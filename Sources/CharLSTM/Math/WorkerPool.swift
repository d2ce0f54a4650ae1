import Foundation

/// Threads kept for ``Parallel``: started once, then handed numbered pieces of work under one lock, so running
/// work in parallel allocates nothing (libdispatch's `concurrentPerform` allocated about 70 times per training
/// step). The calling thread takes pieces too. A pool already in use — a nested call, or a second caller on
/// another thread — runs the pieces on the calling thread instead, which gives the same results.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private let condition = NSCondition()
    private var work: ((Int) -> Void)?
    private var partCount = 0
    private var nextPart = 0
    private var finishedParts = 0
    private var workerCount = 0
    private var busy = false

    /// Calls `body(part)` for every part in `0..<parts`, on up to `parts` threads; returns when all are done.
    func run(parts: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            condition.lock()
            if busy {
                condition.unlock()
                for part in 0..<parts { body(part) }
                return
            }
            busy = true
            while workerCount < parts - 1 {
                startWorker()
                workerCount += 1
            }
            work = body
            partCount = parts
            nextPart = 0
            finishedParts = 0
            condition.broadcast()
            condition.unlock()
            takeParts()
            condition.lock()
            while finishedParts < partCount { condition.wait() }
            // Every thread has let go of `body` (see `runOnePart`), so it does not outlive this call.
            work = nil
            partCount = 0
            busy = false
            condition.unlock()
        }
    }

    /// Runs parts until none is left unclaimed.
    private func takeParts() {
        while runOnePart() {
            condition.lock()
            finishedParts += 1
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

    private func startWorker() {
        let thread = Thread { [self] in
            while true {
                condition.lock()
                while nextPart >= partCount { condition.wait() }
                condition.unlock()
                takeParts()
            }
        }
        thread.name = "charlstm worker"
        thread.start()
    }
}
