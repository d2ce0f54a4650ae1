import CHalfKernels

/// `y ← A·x + β·y` with `A` stored as IEEE binary16 ("half") values: the batch-1 product with weights that take
/// half the memory traffic of floats (see half_kernels.c). Only on CPUs with F16C; ``isAvailable`` says so.
enum HalfGEMV {
    /// Whether this CPU runs the kernel (x86-64 with F16C, AVX2 and FMA). Asked once per process.
    static let isAvailable = charlstm_half_gemv_available() != 0

    /// The kernels this CPU runs, as `bench` names them: "AVX-512", "AVX2", "NEON", or nil for none.
    static var kernelName: String? {
        switch charlstm_half_kernel_lanes() {
        case 16: "AVX-512"
        case 8: "AVX2"
        case 4: "NEON"
        default: nil
        }
    }

    /// `y ← A·x + β·y` for a row-major `m×n` half matrix `A` with row stride `lda`. Large products are shared out
    /// by rows among the engine's threads, as ``BLAS/gemv(m:n:alpha:a:lda:x:beta:y:parallel:)`` does, each row
    /// summed by one thread.
    static func multiply(m: Int, n: Int, a: UnsafePointer<UInt16>, lda: Int, x: UnsafePointer<Float>, beta: Float,
                         y: UnsafeMutablePointer<Float>, parallel: Bool) {
        precondition(isAvailable)
        if m == 0 { return }
        let threads = parallel && m * n >= BLAS.gemvThreshold ? EngineThreads.count : 1
        if threads == 1 {
            charlstm_half_gemv(m, n, a, lda, x, beta, y)
            return
        }
        Parallel.forEachBlock(of: m, parts: threads, quantum: 8,
                              HalfRowBlocks(n: n, a: a, lda: lda, x: x, beta: beta, y: y))
    }
}

extension HalfGEMV {
    /// `Y ← X·Aᵀ + β·Y` for `vectors` rows of `X` (row stride `ldx`) and of `Y` (row stride `ldy`): the product
    /// of ``multiply(m:n:a:lda:x:beta:y:parallel:)`` for several vectors at once, each row of `A` read from
    /// memory once for all of them, and every element summed as that product sums it — a vector's result is
    /// the same to the bit whether it is multiplied alone or with others.
    static func multiplyRows(m: Int, n: Int, a: UnsafePointer<UInt16>, lda: Int, x: UnsafePointer<Float>, ldx: Int,
                             vectors: Int, beta: Float, y: UnsafeMutablePointer<Float>, ldy: Int, parallel: Bool) {
        if vectors == 1 {
            multiply(m: m, n: n, a: a, lda: lda, x: x, beta: beta, y: y, parallel: parallel)
            return
        }
        precondition(isAvailable)
        if m == 0 || vectors == 0 { return }
        let threads = parallel && m * n * vectors >= BLAS.gemvThreshold ? EngineThreads.count : 1
        Parallel.forEachBlock(of: m, parts: threads, quantum: 8,
                              HalfMatrixRowBlocks(n: n, a: a, lda: lda, x: x, ldx: ldx, vectors: vectors, beta: beta,
                                                  y: y, ldy: ldy))
    }
}

/// Row blocks of a half matrix times several vectors.
private struct HalfMatrixRowBlocks: BlockWork {
    let n: Int
    let a: UnsafePointer<UInt16>, lda: Int
    let x: UnsafePointer<Float>, ldx: Int
    let vectors: Int
    let beta: Float
    let y: UnsafeMutablePointer<Float>, ldy: Int

    func run(_ rows: Range<Int>, number _: Int) {
        charlstm_half_gemm_rows(rows.count, n, a + rows.lowerBound * lda, lda, x, ldx, vectors, beta,
                                y + rows.lowerBound, ldy)
    }
}

/// Row blocks of a half matrix-vector product.
private struct HalfRowBlocks: BlockWork {
    let n: Int
    let a: UnsafePointer<UInt16>, lda: Int
    let x: UnsafePointer<Float>
    let beta: Float
    let y: UnsafeMutablePointer<Float>

    func run(_ rows: Range<Int>, number _: Int) {
        charlstm_half_gemv(rows.count, n, a + rows.lowerBound * lda, lda, x, beta, y + rows.lowerBound)
    }
}
