import Foundation
import Synchronization

/// Turns SIGINT (Ctrl-C) and SIGTERM into requests that long-running work polls, so a training run can finish its
/// step and save, and the REPL can stop a generation. The handler only stores the signal number in an atomic (and,
/// for training, restores the default action), all async-signal-safe.
enum InterruptSignal {
    private static let received = Atomic<Int32>(0)
    private static let secondSignalEnds = Atomic<Bool>(true)

    /// Starts catching SIGINT and SIGTERM. With `secondSignalEnds` (training), the first signal is a request and a
    /// second one ends the process at once — safe, as checkpoints are written atomically. Without it (the REPL),
    /// every signal is a request; ``clear()`` acknowledges one.
    static func install(secondSignalEnds ends: Bool = true) {
        secondSignalEnds.store(ends, ordering: .sequentiallyConsistent)
        _ = received.load(ordering: .relaxed)  // initialise the global before a handler can touch it
        var handled = sigset_t()
        sigemptyset(&handled)
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { number in
                InterruptSignal.received.store(number, ordering: .sequentiallyConsistent)
                if InterruptSignal.secondSignalEnds.load(ordering: .sequentiallyConsistent) { signal(number, SIG_DFL) }
            }
            sigaddset(&handled, signalNumber)
        }
        // A parent may start us with these signals blocked (the mask is inherited); they would then never arrive.
        sigprocmask(SIG_UNBLOCK, &handled, nil)
    }

    /// The signal received, or nil.
    static var pending: Int32? {
        let value = received.load(ordering: .sequentiallyConsistent)
        return value == 0 ? nil : value
    }

    /// Forgets a received signal once it has been acted on.
    static func clear() { received.store(0, ordering: .sequentiallyConsistent) }

    /// The conventional exit status for a process ended by `signalNumber`: 128 + its number (130, 143).
    static func exitStatus(for signalNumber: Int32) -> Int32 { 128 + signalNumber }
}
