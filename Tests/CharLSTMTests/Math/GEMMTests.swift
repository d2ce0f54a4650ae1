import Testing
@testable import CharLSTM

/// The built-in GEMM (and whichever CBLAS is loaded) against a naive triple loop, for all four transpose
/// combinations, shapes that are not multiples of the kernel's tile, and several thread counts.
@Suite struct GEMMTests {
    static let shapes = [(1, 1, 1), (3, 5, 7), (17, 33, 9), (50, 130, 70), (129, 257, 300)]

    @Test(arguments: [false, true], [false, true])
    func builtInMatchesNaive(transposeA: Bool, transposeB: Bool) {
        let gemm = BuiltInGEMM()
        for threads in [1, 2, 3] {
            for (m, n, k) in Self.shapes {
                check(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB) { a, lda, b, ldb, c, ldc in
                    SplitGEMM.multiply(gemm, threads: threads, transposeA, transposeB, m, n, k, 0.5, a, lda, b, ldb, 0.25, c, ldc)
                }
            }
        }
    }

    @Test(arguments: [1, 2, 3])
    func builtInMatrixVectorMatchesNaive(threads: Int) {
        let gemm = BuiltInGEMM()
        for (m, n) in [(1, 1), (3, 7), (4, 8), (13, 29), (2048, 512), (517, 1030)] {
            // As a GEMM: C[1×m] = 0.5·x[1×n]·Aᵀ + 0.25·C, i.e. y = 0.5·A·x + 0.25·y.
            check(m: 1, n: m, k: n, transposeA: false, transposeB: true) { x, _, a, lda, y, _ in
                SplitGEMM.multiplyVector(gemm, threads: threads, m, n, 0.5, a, lda, x, 0.25, y)
            }
        }
    }

    /// Also one row (the gemv route) and a few-row product over 10⁶ multiply-adds, which OpenBLAS with AVX-512
    /// kernels gets in column blocks of 112 and a ragged 88.
    @Test func activeBackendMatchesNaive() {
        for (m, n, k) in Self.shapes + [(1, 2048, 512), (1, 65, 512), (25, 200, 300)] {
            for transposeB in [false, true] {
                check(m: m, n: n, k: k, transposeA: true, transposeB: transposeB) { a, lda, b, ldb, c, ldc in
                    BLAS.gemm(transposeA: true, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                              b: b, ldb: ldb, beta: 0.25, c: c, ldc: ldc)
                }
                check(m: m, n: n, k: k, transposeA: false, transposeB: transposeB) { a, lda, b, ldb, c, ldc in
                    BLAS.gemm(transposeA: false, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                              b: b, ldb: ldb, beta: 0.25, c: c, ldc: ldc)
                }
            }
        }
    }

    /// The blocks OpenBLAS's small-product kernels get: within 10⁶ multiply-adds, equal widths that are multiples
    /// of 16, never narrower than 32 (the whole product instead).
    @Test func smallProductBlocks() {
        #expect(CBLASLibrary.smallProductWidth(m: 25, n: 200, k: 300) == 112)
        #expect(CBLASLibrary.smallProductWidth(m: 25, n: 512, k: 128) == 256)
        #expect(CBLASLibrary.smallProductWidth(m: 25, n: 1024, k: 256) == 128)
        #expect(CBLASLibrary.smallProductWidth(m: 25, n: 512, k: 64) == 512)
        #expect(CBLASLibrary.smallProductWidth(m: 50, n: 512, k: 2048) == 512)
        #expect(CBLASLibrary.smallProductWidth(m: 2500, n: 512, k: 128) == 512)
    }

    /// Runs `multiply` (which must compute C ← 0.5·op(A)·op(B) + 0.25·C) and compares with a naive product.
    func check(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
               multiply: (UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>, Int) -> Void) {
        var random = RandomSource(seed: UInt64(m * 1000 + n * 10 + k))
        // Stored shapes: A is m×k (or k×m transposed), B is k×n (or n×k); ld includes padding to catch stride bugs.
        let (aRows, aCols) = transposeA ? (k, m) : (m, k)
        let (bRows, bCols) = transposeB ? (n, k) : (k, n)
        let (lda, ldb, ldc) = (aCols + 3, bCols + 1, n + 2)
        let a = (0..<(aRows * lda)).map { _ in random.nextFloat(in: -1, 1) }
        let b = (0..<(bRows * ldb)).map { _ in random.nextFloat(in: -1, 1) }
        var c = (0..<(m * ldc)).map { _ in random.nextFloat(in: -1, 1) }
        var expected = c
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(av) * Double(bv)
                }
                expected[i * ldc + j] = Float(0.5 * sum + 0.25 * Double(c[i * ldc + j]))
            }
        }
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    multiply(ap.baseAddress!, lda, bp.baseAddress!, ldb, cp.baseAddress!, ldc)
                }
            }
        }
        var worst: Float = 0
        for i in 0..<m {
            for j in 0..<n { worst = max(worst, abs(c[i * ldc + j] - expected[i * ldc + j])) }
            // Padding columns of C must be left alone.
            for j in n..<ldc { #expect(c[i * ldc + j] == expected[i * ldc + j]) }
        }
        #expect(worst < 1e-4 * Float(max(k, 1)), "m \(m) n \(n) k \(k) tA \(transposeA) tB \(transposeB): error \(worst)")
    }
}
