/// Single-precision matrix multiplication for the whole engine, row-major throughout.
///
/// At first use the engine looks for a CBLAS at run time — `libopenblas.so.0`, then `libblas.so.3` — with `dlopen`,
/// so the package builds and runs with no extra system package. When neither is present it falls back to
/// `BuiltInGEMM`, a blocked SIMD kernel written in Swift. Set `CHARLSTM_BLAS=builtin` to force the fallback
/// (for comparison), or `CHARLSTM_BLAS=/path/to/libcblas.so` to name a library.
public enum BLAS {
    /// The implementation in use, decided once per process.
    public static var backend: BLASBackend { implementation.backend }

    /// Loads the library (or settles on the built-in kernel) now, not inside the first step.
    static func load() { _ = implementation }

    /// `C ← α·op(A)·op(B) + β·C`, where `op(A)` is `m×k`, `op(B)` is `k×n` and `C` is `m×n`, all row-major.
    /// `lda`, `ldb`, `ldc` are the row strides of the matrices as stored (before any transpose). With
    /// `parallel`, a large product is split into column (or row) blocks of `C` across the engine's threads;
    /// callers already running on one of several threads pass false.
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool = true
    ) {
        if m == 0 || n == 0 { return }
        if m == 1 && transposeB && !transposeA && n * k >= implementation.singleRowGEMVFrom {
            // One row times Bᵀ is B times that row: a matrix-vector product over B's contiguous rows, which
            // reads each weight once.
            gemv(m: n, n: k, alpha: alpha, a: b, lda: ldb, x: a, beta: beta, y: c, parallel: parallel)
            return
        }
        SplitGEMM.multiply(implementation, threads: parallel ? EngineThreads.count : 1, transposeA, transposeB, m, n, k,
                           alpha, a, lda, b, ldb, beta, c, ldc)
    }

    /// `y ← α·A·x + β·y` for a row-major `m×n` matrix `A` with row stride `lda`: the batch-1 case, where a
    /// matrix-vector product reads each weight once instead of packing the matrix as a GEMM would. Large
    /// products use the engine's threads, each output row still summed by one thread.
    @inline(__always)
    public static func gemv(m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>, parallel: Bool = true) {
        if m == 0 { return }
        SplitGEMM.multiplyVector(implementation, threads: parallel && m * n >= gemvThreshold ? EngineThreads.count : 1,
                                 m, n, alpha, a, lda, x, beta, y)
    }

    /// Size (multiply-adds) from which a matrix-vector product is shared out among the engine's threads, and from
    /// which OpenBLAS does a single row faster as gemv than as GEMM (measured with `charlstm bench`: below it its
    /// small-GEMM kernels win, above it gemv is up to 4× faster).
    static let gemvThreshold = 1 << 17

    private static let implementation: GEMMProvider = {
        let choice = Environment.value("CHARLSTM_BLAS")
        if choice != "builtin" {
            let candidates = choice.map { [$0] } ?? Platform.blasLibraries
            for name in candidates {
                if let library = CBLASLibrary(path: name) {
                    library.setThreads(1)
                    return library
                }
            }
        }
        return BuiltInGEMM()
    }()
}

/// Which GEMM implementation the engine is using.
public enum BLASBackend: Sendable, Equatable, CustomStringConvertible {
    /// A CBLAS loaded at run time; `library` is the name it was loaded by, `kernels` says which processor's kernels
    /// it runs when the library tells (OpenBLAS's `openblas_get_corename`: "SkylakeX kernels", "Haswell kernels").
    case cblas(library: String, kernels: String?)
    /// The Swift SIMD kernel built into the engine.
    case builtIn

    /// The backend as `info` and `bench` name it, with the library and its kernels.
    public var description: String {
        switch self {
        case .cblas(let library, let kernels):
            let name = library.contains("openblas") ? "OpenBLAS" : library.contains("Accelerate") ? "Accelerate" : "CBLAS"
            return "\(name) (\(library)\(kernels.map { ", \($0)" } ?? ""))"
        case .builtIn: return "built-in Swift SIMD GEMM"
        }
    }

    /// True when the slower built-in kernel is in use; the CLI suggests installing OpenBLAS then.
    public var isFallback: Bool { self == .builtIn }
}

/// Something that multiplies matrices on the calling thread; one instance per process.
protocol GEMMProvider: Sendable {
    var backend: BLASBackend { get }
    func gemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int)
    /// Size (multiply-adds) from which one row times a matrix is faster through ``gemv`` than through ``gemm``.
    var singleRowGEMVFrom: Int { get }
    /// `y ← α·A·x + β·y` for a row-major `m×n` matrix `A` with row stride `lda`.
    func gemv(_ m: Int, _ n: Int, _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
              _ x: UnsafePointer<Float>, _ beta: Float, _ y: UnsafeMutablePointer<Float>)
}
