import Synchronization

/// Single-precision matrix multiplication for the whole engine, row-major throughout.
///
/// At first use the engine looks for a CBLAS at run time — `libopenblas.so.0`, then `libblas.so.3` — with `dlopen`,
/// so the package builds and runs with no extra system package. When neither is present it falls back to
/// ``BuiltInGEMM``, a blocked SIMD kernel written in Swift. Set `CHARLSTM_BLAS=builtin` to force the fallback
/// (for comparison), or `CHARLSTM_BLAS=/path/to/libcblas.so` to name a library.
public enum BLAS {
    /// The implementation in use, decided once per process.
    public static var backend: BLASBackend { implementation.backend }

    /// Sets how many threads matrix products may use (OpenBLAS's pool, or the built-in kernel's); 1 until set.
    /// Results are deterministic for a fixed thread count.
    public static func setThreads(_ count: Int) {
        let count = max(1, count)
        threadCount.store(count, ordering: .relaxed)
        implementation.setThreads(count)
    }

    /// The number of threads matrix products use.
    public static var threads: Int { threadCount.load(ordering: .relaxed) }

    /// `C ← α·op(A)·op(B) + β·C`, where `op(A)` is `m×k`, `op(B)` is `k×n` and `C` is `m×n`, all row-major.
    /// `lda`, `ldb`, `ldc` are the row strides of the matrices as stored (before any transpose).
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        implementation.gemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    private static let threadCount = Atomic<Int>(1)
    private static let implementation: GEMMProvider = {
        let choice = Environment.value("CHARLSTM_BLAS")
        if choice != "builtin" {
            let candidates = choice.map { [$0] } ?? ["libopenblas.so.0", "libblas.so.3"]
            for name in candidates {
                if let library = CBLASLibrary(path: name) {
                    library.setThreads(threadCount.load(ordering: .relaxed))
                    return library
                }
            }
        }
        return BuiltInGEMM()
    }()
}

/// Which GEMM implementation the engine is using.
public enum BLASBackend: Sendable, Equatable, CustomStringConvertible {
    /// A CBLAS loaded at run time; `library` is the name it was loaded by.
    case cblas(library: String)
    /// The Swift SIMD kernel built into the engine.
    case builtIn

    public var description: String {
        switch self {
        case .cblas(let library): return library.contains("openblas") ? "OpenBLAS (\(library))" : "CBLAS (\(library))"
        case .builtIn: return "built-in Swift SIMD GEMM"
        }
    }

    /// True when the slower built-in kernel is in use; the CLI suggests installing OpenBLAS then.
    public var isFallback: Bool { self == .builtIn }
}

/// Something that multiplies matrices; one instance per process.
protocol GEMMProvider: Sendable {
    var backend: BLASBackend { get }
    func setThreads(_ count: Int)
    func gemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int)
}
