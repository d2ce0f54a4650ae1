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
        let product = ProductBlocks(provider: provider, byColumns: n >= m, transposeA: transposeA,
                                    transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                                    b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        Parallel.forEachBlock(of: max(m, n), parts: parts, quantum: n >= m ? BuiltInGEMM.nr : BuiltInGEMM.mr, product)
    }

    /// `y ← α·A·x + β·y` with the rows of `A` (and of `y`) split into blocks, one per thread. Each output is one
    /// row's dot product, computed by one call, so here too the result depends only on the thread count.
    static func multiplyVector(
        _ provider: GEMMProvider, threads: Int, _ m: Int, _ n: Int, _ alpha: Float, _ a: UnsafePointer<Float>,
        _ lda: Int, _ x: UnsafePointer<Float>, _ beta: Float, _ y: UnsafeMutablePointer<Float>
    ) {
        Parallel.forEachBlock(of: m, parts: threads, quantum: 8,
                              MatrixVectorBlocks(provider: provider, n: n, alpha: alpha, a: a, lda: lda, x: x,
                                                 beta: beta, y: y))
    }
}

/// One product's blocks: column blocks of `C` (with the same columns of `op(B)`), or row blocks (with the same
/// rows of `op(A)`).
private struct ProductBlocks: BlockWork {
    let provider: GEMMProvider
    let byColumns: Bool
    let transposeA: Bool, transposeB: Bool
    let m: Int, n: Int, k: Int
    let alpha: Float
    let a: UnsafePointer<Float>, lda: Int
    let b: UnsafePointer<Float>, ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>, ldc: Int

    func run(_ block: Range<Int>, number _: Int) {
        let first = block.lowerBound
        if byColumns {
            provider.gemm(transposeA, transposeB, m, block.count, k, alpha, a, lda,
                          transposeB ? b + first * ldb : b + first, ldb, beta, c + first, ldc)
        } else {
            provider.gemm(transposeA, transposeB, block.count, n, k, alpha,
                          transposeA ? a + first : a + first * lda, lda, b, ldb, beta, c + first * ldc, ldc)
        }
    }
}

/// Row blocks of a matrix-vector product.
private struct MatrixVectorBlocks: BlockWork {
    let provider: GEMMProvider
    let n: Int
    let alpha: Float
    let a: UnsafePointer<Float>, lda: Int
    let x: UnsafePointer<Float>
    let beta: Float
    let y: UnsafeMutablePointer<Float>

    func run(_ rows: Range<Int>, number _: Int) {
        let first = rows.lowerBound
        provider.gemv(rows.count, n, alpha, a + first * lda, lda, x, beta, y + first)
    }
}
