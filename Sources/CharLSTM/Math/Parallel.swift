/// Runs independent pieces of work on the engine's threads (``EngineThreads``).
///
/// charlstm owns its parallelism: a loaded OpenBLAS runs single-threaded, and the work is split here into pieces
/// with disjoint outputs — column or row blocks of a matrix product, groups of streams in a recurrent sweep, blocks
/// of rows or parameters — so no two threads ever sum into the same number, and a fixed thread count gives fixed
/// results. (Sweeps whose threads must wait for each other at every step use
/// ``WorkerPool/runSimultaneously(parts:_:)`` directly.)
enum Parallel {
    /// Splits `0..<count` into at most `parts` contiguous blocks whose lengths are multiples of `quantum` (but the
    /// last), and runs `work` on each, concurrently when there is more than one.
    @inline(__always)
    static func forEachBlock<Work: BlockWork>(of count: Int, parts: Int, quantum: Int = 1, _ work: Work) {
        let parts = max(1, min(parts, (count + quantum - 1) / quantum))
        if parts == 1 {
            work.run(0..<count, number: 0)
            return
        }
        let perBlock = ((count + parts - 1) / parts + quantum - 1) / quantum * quantum
        WorkerPool.shared.run(parts: parts, Blocks(work: work, count: count, perBlock: perBlock))
    }
}

/// Work over a range that ``Parallel`` splits into blocks: the values every block needs (a struct, so that
/// handing it to other threads allocates nothing; see ``PartedWork``), and what to do with one block.
protocol BlockWork: SendableMetatype {
    /// Does the work for `block`, the split's block number `number` (0, 1, … in order, for results that must be
    /// combined in a fixed order).
    func run(_ block: Range<Int>, number: Int)
}

/// A ``BlockWork``'s blocks as the pool's parts: part p takes block p.
private struct Blocks<Work: BlockWork>: PartedWork {
    let work: Work
    let count: Int
    let perBlock: Int

    func run(part: Int) {
        let block = min(count, part * perBlock)..<min(count, (part + 1) * perBlock)
        if !block.isEmpty { work.run(block, number: part) }
    }
}
