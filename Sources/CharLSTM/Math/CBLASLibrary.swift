import Foundation

/// A CBLAS shared library (OpenBLAS, Accelerate, or the reference BLAS) opened with `dlopen` at run time.
///
/// Loading at run time instead of linking keeps OpenBLAS optional: the engine looks up `cblas_sgemm` (by the
/// names ``Platform/blasSymbols(_:)`` gives) and the library's switch for its own threading, if it has one.
final class CBLASLibrary: GEMMProvider, @unchecked Sendable {
    // cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
    private typealias SGEMM = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32,
        Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
        Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    // cblas_sgemv(order, trans, M, N, alpha, A, lda, X, incX, beta, Y, incY)
    private typealias SGEMV = @convention(c) (
        Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
        Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias SetThreadingModel = @convention(c) (UInt32) -> Int32
    private typealias CoreName = @convention(c) () -> UnsafePointer<CChar>?

    // CBLAS enumeration values.
    private static let rowMajor: Int32 = 101
    private static let noTranspose: Int32 = 111
    private static let transpose: Int32 = 112

    let backend: BLASBackend
    let singleRowGEMVFrom = BLAS.gemvThreshold
    private let sgemm: SGEMM
    private let sgemv: SGEMV?
    /// Used for matrix-vector products when the library has no `cblas_sgemv`.
    private let fallbackGEMV = BuiltInGEMM()
    private let setThreadCount: SetThreads?
    /// Accelerate's per-thread switch, called once on each thread that multiplies (see ``singleThreadedHere()``).
    private let setThreadingModel: SetThreadingModel?
    private let threadsSwitchedOff: pthread_key_t
    /// True when the library is an OpenBLAS running its AVX-512 kernels, which include kernels for small products
    /// that read the operands where they lie instead of packing them first. OpenBLAS uses them for a product
    /// with no transposes and at most 10⁶ multiply-adds (a block of 1,024,000 ran at the packed speed); for the
    /// few-row products of a recurrent step they are up to 1.5× as fast (`Benchmarks/openblas_small_products.c`).
    /// With the AVX2 kernels ("Haswell", "Zen") cutting a product up only cost 1–5%, so it is done only here.
    private let hasSmallProductKernels: Bool

    /// Opens `path`, or returns nil when it cannot be opened or has no `cblas_sgemm`.
    init?(path: String) {
        // OpenBLAS starts a thread per core when it is loaded, and each spins for about 0.1 s before it sleeps,
        // taking a core from charlstm's own threads just when a REPL answers its first line (measured: the
        // first answer took three times as long in half the runs). charlstm never gives OpenBLAS more than one
        // thread, so it asks for none.
        let opened = Environment.with("OPENBLAS_NUM_THREADS", setTo: "1") { dlopen(path, RTLD_NOW | RTLD_LOCAL) }
        guard let handle = opened else { return nil }
        func lookUp(_ name: String) -> UnsafeMutableRawPointer? {
            Platform.blasSymbols(name).lazy.compactMap { dlsym(handle, $0) }.first
        }
        guard let symbol = lookUp("cblas_sgemm") else {
            dlclose(handle)
            return nil
        }
        sgemm = unsafeBitCast(symbol, to: SGEMM.self)
        sgemv = lookUp("cblas_sgemv").map { unsafeBitCast($0, to: SGEMV.self) }
        setThreadCount = dlsym(handle, Platform.BLASThreading.processWide).map { unsafeBitCast($0, to: SetThreads.self) }
        setThreadingModel = dlsym(handle, Platform.BLASThreading.perThread).map { unsafeBitCast($0, to: SetThreadingModel.self) }
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        threadsSwitchedOff = key
        let coreName = dlsym(handle, "openblas_get_corename")
            .flatMap { unsafeBitCast($0, to: CoreName.self)() }
            .map { String(cString: $0) } ?? ""
        hasSmallProductKernels = ["skylakex", "cooperlake", "sapphirerapids"].contains(coreName.lowercased())
        // OpenBLAS picks its kernels by processor unless OPENBLAS_CORETYPE names them; say which, since a machine
        // with AVX-512 told to run the AVX2 ("Haswell") kernels trains at two thirds of the speed (`charlstm bench`
        // with and without OPENBLAS_CORETYPE=Haswell, 2×512, on an AMD EPYC whose OpenBLAS 0.3.21 picks "Cooperlake").
        let chosenBy = Environment.value("OPENBLAS_CORETYPE") == nil ? "" : ", as OPENBLAS_CORETYPE asks"
        backend = .cblas(library: path, kernels: coreName.isEmpty ? nil : "\(coreName) kernels\(chosenBy)")
        // The library stays open for the life of the process.
    }

    /// OpenBLAS's own thread pool size; charlstm keeps it at 1 and parallelises around it.
    func setThreads(_ count: Int) { setThreadCount?(Int32(count)) }

    /// Turns Accelerate's own threading off for the calling thread, the first time that thread multiplies:
    /// Accelerate keeps the setting per thread, and charlstm's products run on its own threads, one product each.
    @inline(__always)
    private func singleThreadedHere() {
        guard let setThreadingModel, pthread_getspecific(threadsSwitchedOff) == nil else { return }
        _ = setThreadingModel(Platform.BLASThreading.singleThreaded)
        pthread_setspecific(threadsSwitchedOff, UnsafeRawPointer(bitPattern: 1))
    }

    func gemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        singleThreadedHere()
        let width = hasSmallProductKernels && !transposeA && !transposeB ? Self.smallProductWidth(m: m, n: n, k: k) : n
        var j = 0
        while j < n {
            // Column blocks of C = A·B: each is A times the same columns of B, summed exactly as in one call.
            let columns = min(width, n - j)
            sgemm(Self.rowMajor,
                  transposeA ? Self.transpose : Self.noTranspose,
                  transposeB ? Self.transpose : Self.noTranspose,
                  Int32(m), Int32(columns), Int32(k), alpha, a, Int32(lda), b + j, Int32(ldb), beta, c + j, Int32(ldc))
            j += columns
        }
    }

    /// The width of the column blocks (a multiple of 16) that bring an `m×n×k` product within OpenBLAS's
    /// small-product limit of 10⁶ multiply-adds: as few blocks as that allows, of equal width, so no thin block is
    /// left over. `n` (one block) when the product fits already, or when the blocks would have to be narrower
    /// than 32 columns, which measured slower than not cutting (by up to a third at k = 2,048).
    static func smallProductWidth(m: Int, n: Int, k: Int) -> Int {
        let limit = 1_000_000
        if m * n * k <= limit { return n }
        let widest = limit / max(1, m * k) / 16 * 16
        if widest < 32 { return n }
        let blocks = (n + widest - 1) / widest
        return ((n + blocks - 1) / blocks + 15) / 16 * 16
    }

    @inline(__always)
    func gemv(_ m: Int, _ n: Int, _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
              _ x: UnsafePointer<Float>, _ beta: Float, _ y: UnsafeMutablePointer<Float>) {
        guard let sgemv else { return fallbackGEMV.gemv(m, n, alpha, a, lda, x, beta, y) }
        singleThreadedHere()
        sgemv(Self.rowMajor, Self.noTranspose, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }
}
