import Synchronization

/// How many threads the whole engine uses: for the matrix products (``BLAS``), the recurrent sweeps, the loss, the
/// optimiser and every other loop `Parallel` splits. 1 until set.
///
/// charlstm splits the work itself; a loaded OpenBLAS runs single-threaded, so the two never compete for cores.
/// Results are deterministic for a fixed thread count.
public enum EngineThreads {
    /// The number of threads the engine uses.
    public static var count: Int { stored.load(ordering: .relaxed) }

    /// Sets the thread count (at least 1), and loads the BLAS library now rather than inside the first step.
    public static func set(_ count: Int) {
        stored.store(max(1, count), ordering: .relaxed)
        BLAS.load()
    }

    private static let stored = Atomic<Int>(1)
}
