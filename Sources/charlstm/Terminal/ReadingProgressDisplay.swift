import CharLSTM
import Foundation
import FrontEndSupport

/// Shows a person how far a long read through the network has come (`eval`, `sample --prime-file`, the REPL's
/// `:prime-file` and long pastes) and lets Ctrl-C stop it: on a terminal, once the read has taken a second, one
/// line rewritten in place at most ten times a second — characters done / total, rate, time left — cleared when
/// the read ends. Off a terminal it shows nothing. ``update(_:)`` is the engine's ``ReadingProgress``.
final class ReadingProgressDisplay {
    private let terminal: Terminal
    private let total: Int
    private let label: String
    private let start = ContinuousClock.now
    private var lastDraw = ContinuousClock.now
    private var shown = false
    /// Characters read when the last report came.
    private(set) var read = 0
    /// Whether Ctrl-C (or SIGTERM) stopped the read.
    private(set) var interrupted = false

    /// Starts timing a read of `total` characters; the caller clears any earlier interrupt first.
    init(terminal: Terminal, total: Int, label: String) {
        self.terminal = terminal
        self.total = total
        self.label = label
    }

    /// Records progress; returns false once a signal asks to stop.
    func update(_ read: Int) -> Bool {
        self.read = read
        if InterruptSignal.pending != nil {
            interrupted = true
            return false
        }
        let now = ContinuousClock.now
        guard terminal.isInteractive, (now - start).seconds >= 1, (now - lastDraw).seconds >= 0.1 else { return true }
        lastDraw = now
        let rate = Double(read) / max((now - start).seconds, 1e-9)
        let percent = total > 0 ? " (\(min(100, read * 100 / total))%)" : ""
        let left = rate > 0 ? " · \(HumanReadable.duration(Double(max(0, total - read)) / rate)) left" : ""
        terminal.write("\r\u{1B}[K\(label): \(HumanReadable.count(read)) / \(HumanReadable.count(total)) characters\(percent) · \(HumanReadable.rate(rate)) chars/s\(left) · Ctrl-C stops")
        shown = true
        return true
    }

    /// Clears the progress line, if one was drawn.
    func finish() {
        if shown { terminal.write("\r\u{1B}[K") }
        shown = false
    }
}
