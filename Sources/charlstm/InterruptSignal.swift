import Foundation
import Synchronization

/// Turns the first SIGINT (Ctrl-C) or SIGTERM into a request to stop that long-running work polls between steps,
/// so a training run can finish its step and save. The handler only stores the signal number in an atomic and
/// restores the default action, both async-signal-safe; a second signal therefore ends the process at once, which
/// is safe too because checkpoints are written atomically.
enum InterruptSignal {
    private static let received = Atomic<Int32>(0)

    /// Starts catching SIGINT and SIGTERM.
    static func install() {
        _ = received.load(ordering: .relaxed)  // initialise the global before a handler can touch it
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { number in
                InterruptSignal.received.store(number, ordering: .sequentiallyConsistent)
                signal(number, SIG_DFL)
            }
        }
    }

    /// The signal received, or nil.
    static var pending: Int32? {
        let value = received.load(ordering: .sequentiallyConsistent)
        return value == 0 ? nil : value
    }

    /// The conventional exit status for a process ended by `signalNumber`: 128 + its number (130, 143).
    static func exitStatus(for signalNumber: Int32) -> Int32 { 128 + signalNumber }
}
