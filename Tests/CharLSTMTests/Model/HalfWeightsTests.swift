import Foundation
import Testing
@testable import CharLSTM

/// The F16 weight path of batch-1 steps: the kernel against a double-precision product, and a sampler reading F16
/// copies against one reading the same (exactly representable) weights as floats.
@Suite struct HalfWeightsTests {
    @Test(arguments: [(1, 1), (3, 7), (5, 8), (17, 33), (64, 200), (2048, 512)], [Float(0), 1])
    func kernelMatchesADoublePrecisionProduct(shape: (m: Int, n: Int), beta: Float) throws {
        try #require(HalfGEMV.isAvailable, "this CPU has no F16C; the half path is never taken here")
        let (m, n) = shape
        let lda = n + 3
        var random = RandomSource(seed: UInt64(m * 1000 + n))
        let a = (0..<(m * lda)).map { _ in HalfPrecision.bits(random.nextFloat(in: -1, 1)) }
        let x = (0..<n).map { _ in random.nextFloat(in: -1, 1) }
        let y0 = (0..<m).map { _ in random.nextFloat(in: -1, 1) }
        var y = y0
        a.withUnsafeBufferPointer { a in
            HalfGEMV.multiply(m: m, n: n, a: a.baseAddress!, lda: lda, x: x, beta: beta, y: &y, parallel: true)
        }
        var worst = 0.0
        for i in 0..<m {
            var sum = Double(beta) * Double(y0[i])
            for j in 0..<n { sum += Double(HalfPrecision.float(a[i * lda + j])) * Double(x[j]) }
            worst = max(worst, abs(sum - Double(y[i])) / max(1, abs(sum)))
        }
        #expect(worst < 1e-5, "m \(m) n \(n) β \(beta): largest difference \(worst)")
    }

    /// Several vectors at once are each summed exactly as one alone: the same bits, whatever the shape and
    /// however many vectors, so a server's conversation writes the same text however many write beside it.
    @Test(.enabled(if: HalfGEMV.isAvailable, "this CPU has no F16C; the half path is never taken here"),
          arguments: [1, 7, 8, 15, 16, 17, 33, 512], [1, 2, 3, 4, 5, 7, 16])
    func severalVectorsSumAsOneDoes(n: Int, vectors: Int) {
        let (m, lda, ldx, ldy) = (37, n + 5, n + 2, 41)
        var random = RandomSource(seed: UInt64(n * 100 + vectors))
        let a = (0..<(m * lda)).map { _ in HalfPrecision.bits(random.nextFloat(in: -1, 1)) }
        let x = (0..<(vectors * ldx)).map { _ in random.nextFloat(in: -1, 1) }
        let y0 = (0..<(vectors * ldy)).map { _ in random.nextFloat(in: -1, 1) }
        for beta: Float in [0, 1] {
            var together = y0
            a.withUnsafeBufferPointer { a in
                HalfGEMV.multiplyRows(m: m, n: n, a: a.baseAddress!, lda: lda, x: x, ldx: ldx, vectors: vectors, beta: beta,
                                      y: &together, ldy: ldy, parallel: true)
            }
            for b in 0..<vectors {
                var alone = Array(y0[(b * ldy)..<(b * ldy + m)])
                a.withUnsafeBufferPointer { a in
                    x.withUnsafeBufferPointer { x in
                        HalfGEMV.multiply(m: m, n: n, a: a.baseAddress!, lda: lda, x: x.baseAddress! + b * ldx, beta: beta,
                                          y: &alone, parallel: false)
                    }
                }
                #expect(Array(together[(b * ldy)..<(b * ldy + m)]) == alone, "vector \(b) of \(vectors), n \(n), β \(beta)")
            }
            // Past each vector's m results, its row of y is untouched.
            for b in 0..<vectors { #expect(together[(b * ldy + m)..<(b * ldy + ldy)] == y0[(b * ldy + m)..<(b * ldy + ldy)]) }
        }
    }

    @Test(arguments: RecurrentCell.allCases)
    func samplerWithHalfWeightsReadsLikeTheFloatOne(cell: RecurrentCell) throws {
        try #require(HalfGEMV.isAvailable, "this CPU has no F16C; the half path is never taken here")
        // 192 units and two threads: the batch-1 recurrence is shared out by units for the LSTM and the GRU.
        let model = try Fixtures.model(text: Fixtures.rhyme, embedding: 16, hidden: 192, layers: 2, cell: cell).roundedToHalf()
        let half = Sampler(model: model, primeChunk: 32)
        let float = Sampler(model: model, primeChunk: 32, allowsNarrowWeights: false)
        #expect(half.usesHalfWeights && !float.usesHalfWeights)
        // Priming batched over time, 32 steps a chunk, then one character at a time.
        let worst = Fixtures.largestProbabilityDifference(half, float)
        #expect(worst < 1e-5, "\(cell): largest difference in a next-character probability \(worst)")
    }
}
