import Foundation
import Testing
@testable import CharLSTM

/// The int8 path of batch-1 steps: the grid a matrix is put on and taken apart from, the kernel against an exact
/// integer sum, and samplers of an `export --int8` model.
@Suite struct Int8WeightsTests {
    static let unavailable = "this CPU has no int8 kernel (an x86-64 without AVX2); the int8 path is never taken here"

    /// The kernel's result, computed here: the exact integer sum, then the same three float operations.
    static func reference(sum: Int32, rowScale: Float, qScale: Float, beta: Float, y: Float) -> Float {
        let scale = rowScale * qScale
        let product = Float(sum) * scale
        if beta == 0 { return product }
        let kept = beta * y
        return kept + product
    }

    @Test(.enabled(if: Int8GEMM.isAvailable, "\(unavailable)"),
          arguments: [(1, 1), (3, 7), (4, 31), (5, 32), (9, 33), (17, 64), (64, 100), (37, 512), (2048, 512)],
          [1, 2, 5, 33])
    func productsSumExactly(shape: (m: Int, n: Int), vectors: Int) {
        let (m, n) = shape
        let (lda, ldq, ldy) = (n + 3, n + 1, m + 2)
        var random = RandomSource(seed: UInt64(m * 1000 + n * 10 + vectors))
        func integer() -> Int8 { Int8(Int(random.next() % 255) - 127) }
        let a = (0..<(m * lda)).map { _ in integer() }
        let q = (0..<(vectors * ldq)).map { _ in integer() }
        let rowScales = (0..<m).map { _ in random.nextFloat(in: 1e-4, 1e-2) }
        let qScales = (0..<vectors).map { _ in random.nextFloat(in: 1e-3, 1) }
        let y0 = (0..<(vectors * ldy)).map { _ in random.nextFloat(in: -1, 1) }
        var laidOut = a
        Int8GEMM.toKernelLayout(&laidOut, count: laidOut.count)
        for (beta, scaleStride) in [(Float(0), 1), (1, 1), (0.5, 0)] {
            var y = y0
            Int8GEMM.multiplyRows(m: m, n: n, a: laidOut, rowScales: rowScales, lda: lda, q: q, ldq: ldq, qScales: qScales,
                                  qScaleStride: scaleStride, vectors: vectors, beta: beta, y: &y, ldy: ldy, parallel: true)
            var wrong = 0
            for b in 0..<vectors {
                for i in 0..<m {
                    var sum: Int32 = 0
                    for j in 0..<n { sum += Int32(a[i * lda + j]) * Int32(q[b * ldq + j]) }
                    let expected = Self.reference(sum: sum, rowScale: rowScales[i], qScale: qScales[b * scaleStride],
                                                  beta: beta, y: y0[b * ldy + i])
                    if y[b * ldy + i].bitPattern != expected.bitPattern { wrong += 1 }
                }
                // Past each vector's m results, its row of y is untouched.
                #expect(y[(b * ldy + m)..<(b * ldy + ldy)] == y0[(b * ldy + m)..<(b * ldy + ldy)])
            }
            #expect(wrong == 0, "m \(m) n \(n) vectors \(vectors) β \(beta): \(wrong) results differ from the exact sum")
        }
    }

    /// The kernel is the best this CPU has, or the one `CHARLSTM_INT8_KERNEL` asks for (CI's first pass asks for
    /// AVX2 on machines with VNNI too), whichever part of the engine multiplies or rounds first.
    @Test(.enabled(if: Int8GEMM.isAvailable, "\(unavailable)"))
    func theKernelIsTheOneAskedFor() {
        if Environment.value("CHARLSTM_INT8_KERNEL") == "avx2" {
            #expect(Int8GEMM.kernelName == "AVX2")
        } else {
            #expect(Int8GEMM.kernel == Int8GEMM.bestKernel)
        }
    }

    /// The peak rate bench compares serving with: measured, and of a plausible size (between 1 and 10,000 G
    /// products a second a thread).
    @Test(.enabled(if: Int8GEMM.isAvailable, "\(unavailable)"))
    func thePeakIsMeasured() throws {
        let peak = try #require(Int8GEMM.peakProductsPerSecond())
        #expect(peak > 1e9 && peak < 1e13)
    }

    /// Rounding to 8 bits: to nearest with ties to even, saturating at ±127, the same in the vector loop and the
    /// tail after it.
    @Test func quantizingRoundsToNearestEvenAndSaturates() {
        let factor: Float = 127
        var x: [Float] = [0.5 / 127, 1.5 / 127, 2.5 / 127, -0.5 / 127, -1.5 / 127, 0.999, -0.999, 1, -1, 1.5, -3, 0]
        var random = RandomSource(seed: 5)
        x += (0..<85).map { _ in random.nextFloat(in: -1.2, 1.2) }
        var q = [Int8](repeating: 0, count: x.count)
        Int8GEMM.quantize(x, count: x.count, factor: factor, into: &q)
        let expected = x.map { Int8(min(127, max(-127, $0 * factor)).rounded(.toNearestOrEven)) }
        #expect(q == expected)
        #expect(q[0] == 0 && q[1] == 2 && q[2] == 2 && q[3] == 0 && q[4] == -2 && q[9] == 127 && q[10] == -127)
    }

    @Test(arguments: [Float(1e-7), 3e-5, 0.02, 0.7, 40, 3000])
    func roundedRowsComeApartExactly(magnitude: Float) {
        var random = RandomSource(seed: UInt64(magnitude * 1e7))
        var row = (0..<300).map { _ in random.nextFloat(in: -magnitude, magnitude) }
        row.withUnsafeMutableBufferPointer { Int8Grid.round($0.baseAddress!, count: $0.count) }
        #expect(row.allSatisfy { HalfPrecision.float(HalfPrecision.bits($0)) == $0 }, "every grid value is a half")
        var q = [Int8](repeating: 0, count: row.count)
        let scale = row.withUnsafeBufferPointer { Int8Grid.decompose($0.baseAddress!, count: $0.count, into: &q) }
        let found = try! #require(scale)
        #expect(zip(q, row).allSatisfy { Float($0) * found == $1 && abs(Int($0)) <= 127 })
        if magnitude >= 0.02 {
            // A grid at most 1/8 coarser than max/127: the largest value takes at least 113 steps.
            #expect(q.map { abs(Int($0)) }.max()! >= 113 || q.allSatisfy { $0 % 2 == 0 })
        }
    }

    @Test func rowsOffAGridAreNot() {
        var random = RandomSource(seed: 9)
        let floats = (0..<256).map { _ in random.nextFloat(in: -0.1, 0.1) }
        let halves = floats.map { HalfPrecision.float(HalfPrecision.bits($0)) }
        var q = [Int8](repeating: 0, count: 256)
        #expect(Int8Grid.decompose(floats, count: 256, into: &q) == nil)
        #expect(Int8Grid.decompose(halves, count: 256, into: &q) == nil)
        #expect(Int8Grid.decompose([0.25, 0.5, Float.nan], count: 3, into: &q) == nil)
        #expect(Int8Grid.decompose([1, 128], count: 2, into: &q) == nil, "more than 127 steps apart")
        #expect(Int8Grid.decompose([0, -0.0, 0], count: 3, into: &q) == 0)
        #expect(Int8Grid.decompose([-0.75, 0.25, 1.5], count: 3, into: &q) == 0.25 && q[0..<3] == [-3, 1, 6])
    }

    @Test func weightFormatIsReadFromTheValues() throws {
        let model = Fixtures.model(text: Fixtures.rhyme, embedding: 8, hidden: 24)
        #expect(model.weightFormat == .float32)
        #expect(try model.roundedToHalf().weightFormat == .half)
        let int8 = try model.roundedToInt8()
        #expect(int8.weightFormat == .int8)
        // A matrix's values move by at most half a step of their row's grid (at most 1/113 of its largest value),
        // the rest by the rounding to halves.
        for entry in model.layout.entries {
            let width = entry.shape.count == 2 ? entry.shape[1] : entry.count
            for r in 0..<(entry.count / width) {
                let row = (0..<width).map { model.parameters.pointer[entry.offset + r * width + $0] }
                let bound = entry.shape.count == 2 ? row.map(abs).max()! / 113 / 2 : row.map(abs).max()! / 2048
                for (j, a) in row.enumerated() {
                    let b = int8.parameters.pointer[entry.offset + r * width + j]
                    #expect(abs(a - b) <= bound, "\(entry.name)[\(r), \(j)]: \(a) became \(b)")
                }
            }
        }
    }

    /// An `export --int8` file holds the grid as halves, and reads back as the same model.
    @Test func exportedFilesKeepTheGrid() throws {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let model = Fixtures.model(text: Fixtures.rhyme, embedding: 8, hidden: 40)
        let full = folder + "/full.safetensors", int8 = folder + "/int8.safetensors"
        try Checkpoint.write(model: model, to: full)
        try Checkpoint.export(Checkpoint.load(path: full), to: int8, format: .int8)
        let loaded = try Checkpoint.load(path: int8).model
        #expect(loaded.weightFormat == .int8)
        let expected = try model.roundedToInt8()
        #expect(loaded.parameters.array == expected.parameters.array)
        let size = { (path: String) in (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        #expect(try size(int8) < size(full) * 6 / 10, "stored as F16")
    }

    @Test(.enabled(if: Int8GEMM.isAvailable, "\(unavailable)"), arguments: RecurrentCell.allCases)
    func int8SamplerReadsLikeTheFloatOneUpToRoundingH(cell: RecurrentCell) throws {
        // 192 units: with two threads the batch-1 recurrence is shared out by units.
        let model = try Fixtures.model(text: Fixtures.rhyme, embedding: 16, hidden: 192, layers: 2, cell: cell).roundedToInt8()
        let int8 = Sampler(model: model, primeChunk: 32)
        let float = Sampler(model: model, primeChunk: 32, allowsNarrowWeights: false)
        #expect(int8.usesInt8Weights && !int8.usesHalfWeights && !float.usesInt8Weights)
        let worst = Fixtures.largestProbabilityDifference(int8, float)
        #expect(worst < 0.01, "\(cell): largest difference in a next-character probability \(worst)")
        #expect(worst > 0, "h is rounded, so something differs")
    }

    /// Every element of an int8 product is summed exactly, so a text read in chunks of any length leaves the memory
    /// it leaves read one character at a time — to the bit, unlike the float and F16 paths, whose products over
    /// a chunk sum in another order than one step's.
    @Test(.enabled(if: Int8GEMM.isAvailable, "\(unavailable)"), arguments: RecurrentCell.allCases)
    func chunksAndSingleStepsLeaveTheSameMemory(cell: RecurrentCell) throws {
        let model = try Fixtures.model(text: Fixtures.rhyme, embedding: 16, hidden: 96, layers: 2, cell: cell).roundedToInt8()
        let text = Array(Fixtures.rhyme.unicodeScalars.prefix(120))
        let chunked = Sampler(model: model, primeChunk: 50)
        chunked.prime(text)
        let stepped = Sampler(model: model, primeChunk: 1)
        for character in text { stepped.feed(try #require(model.vocabulary.id(of: character))) }
        #expect(chunked.memory() == stepped.memory())
    }

    @Test(.enabled(if: Int8GEMM.isAvailable, "\(unavailable)"))
    func evaluationMultipliesInInt8AsSamplingDoes() throws {
        let model = Fixtures.model(text: Fixtures.rhyme, embedding: 16, hidden: 64)
        let grid = try model.roundedToInt8()
        let text = Fixtures.rhyme.unicodeScalars
        let evaluation = TextEvaluation(model: grid, text: text, chunk: 32)
        #expect(evaluation.usedInt8Weights)
        #expect(!TextEvaluation(model: try model.roundedToHalf(), text: text).usedInt8Weights)
        // The sampler's own surprisal over the same text, one character at a time, sums to the same figure.
        let sampler = Sampler(model: grid, primeChunk: 1)
        var bits = 0.0
        let ids = text.map { grid.vocabulary.id(of: $0)! }
        sampler.feed(ids[0])
        for id in ids.dropFirst() {
            let p = sampler.mostLikely(grid.config.vocabularySize).first { $0.character == grid.vocabulary.character(id) }!
            bits -= log2(Double(p.probability))
            sampler.feed(id)
        }
        #expect(abs(bits / Double(ids.count - 1) - evaluation.bitsPerCharacter) < 1e-4)
    }
}

extension Int8WeightsTests {
    /// Learning moves the weights off their grid, so a learning conversation reads the float weights; back at the
    /// trained weights it multiplies in int8 again, exactly as before.
    @Test(.enabled(if: Int8GEMM.isAvailable, "\(unavailable)"))
    func learningLeavesTheGridAndResettingReturnsToIt() throws {
        let model = try Fixtures.model(text: Fixtures.rhyme, embedding: 6, hidden: 12, layers: 2).roundedToInt8()
        let c = Conversation(sampler: Sampler(model: model), random: RandomSource(seed: 5))
        let before = Conversation(sampler: Sampler(model: model.copy()), random: RandomSource(seed: 5))
        #expect(c.sampler.usesInt8Weights)
        c.startLearning(with: try DynamicLearner(model: model, settings: .defaults(for: .sgd), statistics: nil))
        c.read("The lamp was lit, the kettle sang,\n".unicodeScalars)
        #expect(!c.sampler.usesInt8Weights && model.weightFormat == .float32)
        c.resetWeights()
        #expect(c.sampler.usesInt8Weights && model.weightFormat == .int8)
        c.stopLearning()
        c.clearMemory()
        for conversation in [c, before] { conversation.read("the cat lay curled".unicodeScalars) }
        #expect(c.sampler.memory() == before.sampler.memory())
    }
}
