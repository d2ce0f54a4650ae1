import Foundation
import Testing
@testable import CharLSTM

/// The bfloat16 products against a double-precision sum of the operands rounded to bfloat16 (by the rounding
/// written out here, to nearest with ties to even), for all transposes, shapes that are not multiples of the
/// kernels' tiles, and every way of sharing a product out.
@Suite(.enabled(if: BFloat16GEMM.kernel != nil, "this CPU has no bfloat16 dot products (AVX512_BF16 or AMX-BF16); bf16 products are refused here"))
struct BFloat16GEMMTests {
    static let shapes = [(1, 1, 1), (3, 5, 7), (17, 33, 9), (50, 130, 70), (129, 257, 300), (40, 48, 2500)]

    /// x rounded to bfloat16 and widened back; subnormals become zero, as the kernels' conversion has them.
    static func rounded(_ x: Float) -> Float {
        var bits = x.bitPattern
        if x.isNaN { return x }
        if bits & 0x7f80_0000 == 0 { return Float(bitPattern: bits & 0x8000_0000) }
        bits = bits &+ 0x7fff &+ ((bits >> 16) & 1)
        return Float(bitPattern: bits & 0xffff_0000)
    }

    @Test func roundingIsToNearestEven() {
        #expect(Self.rounded(1) == 1)
        #expect(Self.rounded(1 + 1.0 / 256) == 1)                       // a tie, to the even 1
        #expect(Self.rounded(1 + 3.0 / 256) == 1 + 4.0 / 256)           // a tie, to the even 1 + 2⁻⁶
        #expect(Self.rounded(1 + 1.0 / 256 + 1.0 / 65536) == 1 + 1.0 / 128)
    }

    @Test(arguments: [false, true], [false, true])
    func productsMatchTheRoundedOperands(transposeA: Bool, transposeB: Bool) {
        for (m, n, k) in Self.shapes {
            check(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB) { a, lda, b, ldb, beta, c, ldc in
                BFloat16GEMM.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, lda: lda,
                                  b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            }
            // The same right-hand operand packed once, as the weights of a training step are.
            check(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB) { a, lda, b, ldb, beta, c, ldc in
                let panels = BFloat16Panels(depth: k, columns: n)
                panels.pack(b, transpose: transposeB, ldb: ldb)
                BFloat16GEMM.multiply(transposeA: transposeA, m: m, a: a, lda: lda, panels: panels, columns: 0..<n,
                                      beta: beta, c: c, ldc: ldc)
            }
        }
    }

    /// Every element is summed by one thread in one order, so the thread count, the split and the route (panels
    /// packed once, or packed by the product; all columns, or a block of them) change no bit.
    @Test func howAProductIsSharedOutChangesNothing() {
        let (m, n, k) = (50, 2048, 512)
        var random = RandomSource(seed: 3)
        let a = (0..<(m * k)).map { _ in random.nextFloat(in: -1, 1) }
        let w = (0..<(n * k)).map { _ in random.nextFloat(in: -0.1, 0.1) }
        let panels = BFloat16Panels(depth: k, columns: n)
        w.withUnsafeBufferPointer { panels.pack($0.baseAddress!, transpose: true, ldb: k) }
        func product(_ multiply: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { a in
                w.withUnsafeBufferPointer { w in c.withUnsafeMutableBufferPointer { multiply(a.baseAddress!, w.baseAddress!, $0.baseAddress!) } }
            }
            return c
        }
        let reference = product { a, _, c in
            BFloat16GEMM.multiply(m: m, a: a, lda: k, panels: panels, columns: 0..<n, beta: 0, c: c, ldc: n, parallel: false)
        }
        for threads in [2, 3] {
            #expect(product { a, _, c in
                BFloat16GEMM.multiply(m: m, a: a, lda: k, panels: panels, columns: 0..<n, beta: 0, c: c, ldc: n,
                                      threads: threads)
            } == reference)
            #expect(product { a, w, c in
                BFloat16GEMM.gemm(transposeA: false, transposeB: true, m: m, n: n, k: k, a: a, lda: k, b: w, ldb: k,
                                  beta: 0, c: c, ldc: n, threads: threads)
            } == reference)
        }
        // Columns 1024…1535 alone, and 16 rows alone.
        let block = product { a, _, c in
            BFloat16GEMM.multiply(m: m, a: a, lda: k, panels: panels, columns: 1024..<1536, beta: 0, c: c + 1024, ldc: n,
                                  parallel: false)
        }
        for i in 0..<m { #expect(block[i * n + 1024..<i * n + 1536] == reference[i * n + 1024..<i * n + 1536]) }
        let rows = product { a, _, c in
            BFloat16GEMM.multiply(m: 16, a: a + 16 * k, lda: k, panels: panels, columns: 0..<n, beta: 0, c: c + 16 * n,
                                  ldc: n, parallel: false)
        }
        #expect(rows[16 * n..<32 * n] == reference[16 * n..<32 * n])
    }

    /// Runs `multiply` (C ← op(A)·op(B) + β·C, for the β it is given) and compares with the double-precision sum
    /// of the rounded operands, within a relative 10⁻⁵ of the sum of the products' magnitudes; the padding
    /// beside C must stay as it was.
    func check(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
               multiply: (UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, Float, UnsafeMutablePointer<Float>, Int) -> Void) {
        var random = RandomSource(seed: UInt64(m * 1000 + n * 10 + k))
        let (aRows, aCols) = transposeA ? (k, m) : (m, k)
        let (bRows, bCols) = transposeB ? (n, k) : (k, n)
        let (lda, ldb, ldc) = (aCols + 3, bCols + 1, n + 2)
        // A few subnormals, which the kernels treat as zero.
        let a = (0..<(aRows * lda)).map { i in i % 97 == 5 ? Float.leastNonzeroMagnitude * 9 : random.nextFloat(in: -1, 1) }
        let b = (0..<(bRows * ldb)).map { _ in random.nextFloat(in: -1, 1) }
        for beta: Float in [0, 1] {
            var c = (0..<(m * ldc)).map { _ in random.nextFloat(in: -1, 1) }
            let before = c
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { multiply(a.baseAddress!, lda, b.baseAddress!, ldb, beta, $0.baseAddress!, ldc) }
                }
            }
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0, magnitude = 0.0
                    for p in 0..<k {
                        let x = Double(Self.rounded(transposeA ? a[p * lda + i] : a[i * lda + p]))
                        let y = Double(Self.rounded(transposeB ? b[j * ldb + p] : b[p * ldb + j]))
                        sum += x * y
                        magnitude += abs(x * y)
                    }
                    let expected = sum + Double(beta) * Double(before[i * ldc + j])
                    worst = max(worst, abs(Double(c[i * ldc + j]) - expected) / (magnitude + 1))
                }
                #expect(c[i * ldc + n..<(i + 1) * ldc] == before[i * ldc + n..<(i + 1) * ldc], "padding changed")
            }
            #expect(worst < 1e-5, "\(m)×\(n)×\(k), transposes \(transposeA) \(transposeB), β \(beta): relative error \(worst)")
        }
    }
}
