
/// Runs independent pieces of work on the engine's threads (``BLAS/threads``).
///
/// charlstm owns its parallelism: a loaded OpenBLAS runs single-threaded (except for batch-1 matrix-vector
/// products, see `CBLASLibrary.gemv`), and the work is split here into
/// pieces with disjoint outputs — column or row blocks of a matrix product, groups of streams in a recurrent
/// sweep — so no two threads ever sum into the same number, and a fixed thread count gives fixed results.
enum Parallel {
    /// Splits `0..<count` into at most `parts` contiguous ranges whose lengths are multiples of `quantum` (but the
    /// last), and calls `body` on each, concurrently when there is more than one.
    @inline(__always)
    static func forEachRange(of count: Int, parts: Int, quantum: Int = 1, _ body: (Range<Int>) -> Void) {
        let parts = max(1, min(parts, (count + quantum - 1) / quantum))
        if parts == 1 {
            body(0..<count)
            return
        }
        let perPart = ((count + parts - 1) / parts + quantum - 1) / quantum * quantum
        WorkerPool.shared.run(parts: parts) { part in
            let range = min(count, part * perPart)..<min(count, (part + 1) * perPart)
            if !range.isEmpty { body(range) }
        }
    }
}

