/// Splits one matrix product into blocks of `C` computed on separate threads by a single-threaded provider.
///
/// The larger of `m` and `n` is cut into contiguous ranges (multiples of the built-in kernel's tile, so edge
/// tiles stay rare). Each block reads its own rows of `op(A)` or columns of `op(B)` and writes its own part of
/// `C`; each element is still summed by one kernel call in one order, so the result depends only on the thread
/// count, and not on timing.
enum SplitGEMM {
    /// Below this many multiply-adds a product is not split: waking threads would cost more than it saves.
    static let threshold = 1 << 18

    static func multiply(
        _ provider: GEMMProvider, threads: Int, _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        let parts = m * n * k < threshold ? 1 : threads
        if n >= m {
            Parallel.forEachRange(of: n, parts: parts, quantum: BuiltInGEMM.nr) { columns in
                let j = columns.lowerBound
                provider.gemm(transposeA, transposeB, m, columns.count, k, alpha, a, lda,
                              transposeB ? b + j * ldb : b + j, ldb, beta, c + j, ldc)
            }
        } else {
            Parallel.forEachRange(of: m, parts: parts, quantum: BuiltInGEMM.mr) { rows in
                let i = rows.lowerBound
                provider.gemm(transposeA, transposeB, rows.count, n, k, alpha,
                              transposeA ? a + i : a + i * lda, lda, b, ldb, beta, c + i * ldc, ldc)
            }
        }
    }

    /// `y ← α·A·x + β·y` with the rows of `A` (and of `y`) split into blocks, one per thread. Each output is one
    /// row's dot product, computed by one call, so here too the result depends only on the thread count.
    static func multiplyVector(
        _ provider: GEMMProvider, threads: Int, _ m: Int, _ n: Int, _ alpha: Float, _ a: UnsafePointer<Float>,
        _ lda: Int, _ x: UnsafePointer<Float>, _ beta: Float, _ y: UnsafeMutablePointer<Float>
    ) {
        Parallel.forEachRange(of: m, parts: threads, quantum: 8) { rows in
            let i = rows.lowerBound
            provider.gemv(rows.count, n, alpha, a + i * lda, lda, x, beta, y + i)
        }
    }
}
