import CInt8Kernels

/// Products of 8-bit integer matrices (a scale per row) and 8-bit integer vectors (a scale per vector), summed
/// exactly in integers (see int8_kernels.c): the batch-1 products of a model whose weights lie on an int8 grid
/// (``Int8Weights``). Every kernel and every split gives the same bits, so a vector's result never depends on what
/// else is multiplied beside it, on the thread count, or on the machine.
enum Int8GEMM {
    /// The kernel's code (int8_kernels.h), chosen once per process: the best this CPU has, or the one
    /// `CHARLSTM_INT8_KERNEL` names where the CPU has it (`avx2` on a CPU with VNNI, to compare them or to test the
    /// kernel most x86-64 machines run; `none`, to see what a CPU without one does).
    static let kernel: Int32 = {
        switch Environment.value("CHARLSTM_INT8_KERNEL") {
        case "none": return 0
        case "avx2": return charlstm_int8_select_kernel(1) != 0 ? 1 : charlstm_int8_kernel()
        default: return charlstm_int8_kernel()
        }
    }()

    /// The best kernel this CPU has (its code).
    static var bestKernel: Int32 { charlstm_int8_best_kernel() }

    /// Whether this process runs a kernel (x86-64 with AVX2, every 64-bit ARM).
    static var isAvailable: Bool { kernel != 0 }

    /// The kernel this process runs, as `bench` and `info` name it: "AVX2", "AVX512_VNNI", "AVX-VNNI", "NEON",
    /// "NEON SDOT", or nil for none.
    static var kernelName: String? {
        switch kernel {
        case 1: "AVX2"
        case 2: "NEON"
        case 3: "NEON SDOT"
        case 4: "AVX512_VNNI"
        case 5: "AVX-VNNI"
        default: nil
        }
    }

    /// The longest row a product takes: its sums stay exact in 32 bits below it (int8_kernels.c).
    static let maximumWidth = 66_000

    /// Puts a matrix's integers into the layout the kernel reads (the VNNI kernels read w + 128 as a byte), once,
    /// before it is multiplied; the inputs of a product (`q`) stay as they are.
    static func toKernelLayout(_ a: UnsafeMutablePointer<Int8>, count: Int) {
        precondition(isAvailable)
        charlstm_int8_to_kernel_layout(count, a)
    }

    /// The factor a recurrent layer's output `h` is rounded with: every cell's `h` lies in (−1, 1) (an LSTM's is
    /// o ⊙ tanh(c), a GRU's a mixture of tanh and its previous `h`, an RNN's a tanh), so 127 steps of 1/127 each
    /// way cover it, and one fixed scale lets each thread round its own units as soon as they are computed.
    static let stateFactor: Float = 127
    /// The scale of a rounded `h`: 1/``stateFactor``.
    static let stateScale: Float = 1 / stateFactor

    /// The most int8 products a second one thread can make with the kernel's instructions, from registers, with
    /// enough independent sums to hide their latency (``charlstm_int8_peak_steps``): the best of five runs of about
    /// 20 ms; nil without a kernel. What a product reaches beside it says how much of the CPU it uses.
    static func peakProductsPerSecond() -> Double? {
        guard isAvailable else { return nil }
        let clock = ContinuousClock()
        var iterations = 1 << 12
        var best = 0.0
        var runs = 0
        while runs < 5 {
            let start = clock.now
            _ = charlstm_int8_peak_steps(iterations)  // a C call: its work cannot be dropped
            let seconds = (clock.now - start).seconds
            if seconds < 0.02 {
                iterations *= 2
                continue
            }
            best = max(best, Double(256 * iterations) / seconds)
            runs += 1
        }
        return best
    }

    /// `q[j] = round(x[j]·factor)`, clamped to −127…127, ties to even.
    static func quantize(_ x: UnsafePointer<Float>, count: Int, factor: Float, into q: UnsafeMutablePointer<Int8>) {
        _ = kernel  // chosen before the C side's first call would choose the best one itself
        charlstm_int8_quantize(count, x, factor, q)
    }

    /// `Y ← β·Y + (Q·Aᵀ) ⊙ (scales)`: rows of `a` (`m×n`, row stride `lda`, row `i`'s scale `rowScales[i]`, in the
    /// kernel's layout: ``toKernelLayout(_:count:)``) times `vectors` rounded inputs (rows of `q`, stride `ldq`,
    /// vector `b`'s scale `qScales[b·qScaleStride]`), vector `b`'s results in row `b` of `y` (stride `ldy`). Large
    /// products are shared out by rows among the engine's threads.
    static func multiplyRows(m: Int, n: Int, a: UnsafePointer<Int8>, rowScales: UnsafePointer<Float>, lda: Int,
                             q: UnsafePointer<Int8>, ldq: Int, qScales: UnsafePointer<Float>, qScaleStride: Int,
                             vectors: Int, beta: Float, y: UnsafeMutablePointer<Float>, ldy: Int, parallel: Bool) {
        precondition(isAvailable && n < maximumWidth)
        if m == 0 || vectors == 0 { return }
        let work = Int8RowBlocks(n: n, a: a, rowScales: rowScales, lda: lda, q: q, ldq: ldq, qScales: qScales,
                                 qScaleStride: qScaleStride, vectors: vectors, beta: beta, y: y, ldy: ldy)
        let threads = parallel && m * n * vectors >= BLAS.gemvThreshold ? EngineThreads.count : 1
        Parallel.forEachBlock(of: m, parts: threads, quantum: 8, work)
    }
}

/// Row blocks of an int8 product.
private struct Int8RowBlocks: BlockWork {
    let n: Int
    let a: UnsafePointer<Int8>, rowScales: UnsafePointer<Float>, lda: Int
    let q: UnsafePointer<Int8>, ldq: Int
    let qScales: UnsafePointer<Float>, qScaleStride: Int
    let vectors: Int
    let beta: Float
    let y: UnsafeMutablePointer<Float>, ldy: Int

    func run(_ rows: Range<Int>, number _: Int) {
        charlstm_int8_gemm_rows(rows.count, n, a + rows.lowerBound * lda, lda, rowScales + rows.lowerBound, q, ldq,
                                qScales, qScaleStride, vectors, beta, y + rows.lowerBound, ldy)
    }
}
