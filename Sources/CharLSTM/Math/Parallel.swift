/// Runs independent pieces of work on the engine's threads (``BLAS/threads``).
///
/// charlstm owns its parallelism: a loaded OpenBLAS runs single-threaded, and the work is split here into pieces
/// with disjoint outputs — column or row blocks of a matrix product, groups of streams in a recurrent sweep, blocks
/// of rows or parameters — so no two threads ever sum into the same number, and a fixed thread count gives fixed
/// results. (Sweeps whose threads must wait for each other at every step use
/// ``WorkerPool/runSimultaneously(parts:_:)`` directly.)
enum Parallel {
    /// Splits `0..<count` into at most `parts` contiguous ranges whose lengths are multiples of `quantum` (but the
    /// last), and calls `body` on each, concurrently when there is more than one.
    @inline(__always)
    static func forEachRange(of count: Int, parts: Int, quantum: Int = 1, _ body: (Range<Int>) -> Void) {
        forEachNumberedRange(of: count, parts: parts, quantum: quantum) { _, range in body(range) }
    }

    /// ``forEachRange(of:parts:quantum:_:)`` that also tells `body` which range (0, 1, … in order) it has, for
    /// results that must be combined in a fixed order.
    @inline(__always)
    static func forEachNumberedRange(of count: Int, parts: Int, quantum: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        let parts = max(1, min(parts, (count + quantum - 1) / quantum))
        if parts == 1 {
            body(0, 0..<count)
            return
        }
        let perPart = ((count + parts - 1) / parts + quantum - 1) / quantum * quantum
        WorkerPool.shared.run(parts: parts) { part in
            let range = min(count, part * perPart)..<min(count, (part + 1) * perPart)
            if !range.isEmpty { body(part, range) }
        }
    }
}
