import CBFloat16Kernels

/// Matrix products with bfloat16 inputs and float sums (bfloat16_kernels.c): the products of training passes
/// with `--precision bf16`.
///
/// Both operands are rounded to bfloat16 as they are packed; every sum is in float. A weight matrix is packed once
/// per training step into ``BFloat16Panels`` and multiplied from there at every time step; activations and
/// gradients are packed by each product as it runs. Each element of `C` is summed by one thread in one order,
/// and how a product is shared out among threads changes nothing, so results depend only on the operands.
public enum BFloat16GEMM {
    /// The kernel every product uses, chosen once per process: the fastest the CPU has, or the one
    /// `CHARLSTM_BF16_KERNEL` names (`amx` or `avx512`, to compare them; `none`, to see what a CPU without either
    /// does); nil without bfloat16 dot products.
    public static let kernel: BFloat16Kernel? = {
        let choice = Environment.value("CHARLSTM_BF16_KERNEL")
        if choice == "none" { return nil }
        let wanted = choice.flatMap(BFloat16Kernel.init(rawValue:)) ?? BFloat16Kernel(code: charlstm_bf16_best_kernel())
        guard let wanted, charlstm_bf16_select_kernel(wanted.code) != 0 else { return nil }
        return wanted
    }()

    /// `C ← op(A)·B + β·C` for `m` rows of `op(A)` (`transposeA`: `A` is stored `k×m`) and the columns `columns` of
    /// packed `panels` (which must start at a multiple of 16). With `parallel`, a large product is split into row
    /// or column blocks across the engine's threads (or `threads` of them).
    static func multiply(transposeA: Bool = false, m: Int, a: UnsafePointer<Float>, lda: Int, panels: BFloat16Panels,
                         columns: Range<Int>, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                         parallel: Bool = true, threads: Int? = nil) {
        precondition(columns.lowerBound % BFloat16Panels.width == 0 && columns.upperBound <= panels.columns)
        let product = PanelProduct(transposeA: transposeA, k: panels.depth, a: a, lda: lda,
                                   panels: panels.columnPointer(columns.lowerBound), beta: beta, c: c, ldc: ldc,
                                   byColumns: columns.count >= m, m: m, n: columns.count)
        share(product, m: m, n: columns.count, k: panels.depth, threads: parallel ? threads ?? EngineThreads.count : 1)
    }

    /// `C ← op(A)·op(B) + β·C` with both operands activations (each thread packs its part of `op(B)` itself), as
    /// ``BLAS/gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:parallel:)`` with α = 1.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                     parallel: Bool = true, threads: Int? = nil) {
        let product = PackingProduct(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, lda: lda,
                                     b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, byColumns: n >= m)
        share(product, m: m, n: n, k: k, threads: parallel ? threads ?? EngineThreads.count : 1)
    }

    private static func share<Work: BlockWork>(_ work: Work, m: Int, n: Int, k: Int, threads: Int) {
        if m == 0 || n == 0 { return }
        let parts = m * n * k >= SplitGEMM.threshold ? threads : 1
        // Column blocks keep whole panels; row blocks whole 16-row tiles.
        Parallel.forEachBlock(of: max(m, n), parts: parts, quantum: BFloat16Panels.width, work)
    }
}

/// A bfloat16 kernel (see bfloat16_kernels.c).
public enum BFloat16Kernel: String, Sendable, CustomStringConvertible {
    /// Intel's AMX tiles (Sapphire Rapids and later).
    case amx
    /// AVX512_BF16's dot-product instruction (AMD Zen 4 and later, Intel Cooper Lake and later).
    case avx512

    init?(code: Int32) {
        switch code {
        case Int32(CHARLSTM_BF16_AMX): self = .amx
        case Int32(CHARLSTM_BF16_AVX512): self = .avx512
        default: return nil
        }
    }

    var code: Int32 { self == .amx ? Int32(CHARLSTM_BF16_AMX) : Int32(CHARLSTM_BF16_AVX512) }

    /// As `bench` and `train` name it.
    public var description: String { self == .amx ? "AMX-BF16 tiles" : "AVX512_BF16 dot products" }
}

/// A `k×n` right-hand operand rounded to bfloat16 and packed for the kernels: panels of 16 columns, each a
/// whole number of 32-row tiles deep. Allocated once; ``pack(_:transpose:ldb:)`` refills it.
final class BFloat16Panels {
    /// Columns per panel.
    static let width = 16

    let depth: Int
    let columns: Int
    private let storage: UnsafeMutablePointer<UInt16>
    private let count: Int

    init(depth k: Int, columns n: Int) {
        depth = k
        columns = n
        count = charlstm_bf16_panels_count(k, n)
        storage = .allocate(capacity: count)
        storage.initialize(repeating: 0, count: count)
    }

    deinit { storage.deallocate() }

    /// Elements in one panel of an operand `depth` deep.
    static func panelSize(depth: Int) -> Int { charlstm_bf16_panels_count(depth, width) }

    /// The panel holding column `column` (a multiple of 16) and those after it.
    func columnPointer(_ column: Int) -> UnsafePointer<UInt16> {
        UnsafePointer(storage + column / Self.width * Self.panelSize(depth: depth))
    }

    /// Rounds and packs `op(B)`: `B` itself (`k×n`, row stride `ldb`), or with `transpose` the `n×k` matrix `B`
    /// is stored as — a weight matrix `W` for products `X·Wᵀ`. Panels are shared out among the engine's threads.
    func pack(_ b: UnsafePointer<Float>, transpose: Bool, ldb: Int) {
        precondition(BFloat16GEMM.kernel != nil)
        Parallel.forEachBlock(of: columns, parts: depth * columns >= 1 << 16 ? EngineThreads.count : 1,
                              quantum: Self.width,
                              PanelPacking(transpose: transpose, k: depth, b: b, ldb: ldb, panels: self))
    }

    fileprivate func mutableColumnPointer(_ column: Int) -> UnsafeMutablePointer<UInt16> {
        UnsafeMutablePointer(mutating: columnPointer(column))
    }
}

private struct PanelPacking: BlockWork {
    let transpose: Bool
    let k: Int
    let b: UnsafePointer<Float>
    let ldb: Int
    let panels: BFloat16Panels

    func run(_ block: Range<Int>, number _: Int) {
        let first = block.lowerBound
        charlstm_bf16_pack_panels(transpose ? 1 : 0, k, block.count, transpose ? b + first * ldb : b + first, ldb,
                                  panels.mutableColumnPointer(first))
    }
}

/// Row or column blocks of a product by packed panels.
private struct PanelProduct: BlockWork {
    let transposeA: Bool
    let k: Int
    let a: UnsafePointer<Float>, lda: Int
    let panels: UnsafePointer<UInt16>
    let beta: Float
    let c: UnsafeMutablePointer<Float>, ldc: Int
    let byColumns: Bool
    let m: Int, n: Int

    func run(_ block: Range<Int>, number _: Int) {
        let first = block.lowerBound
        if byColumns {
            charlstm_bf16_gemm_panels(transposeA ? 1 : 0, m, block.count, k, 1, a, lda,
                                      panels + first / BFloat16Panels.width * BFloat16Panels.panelSize(depth: k),
                                      beta, c + first, ldc)
        } else {
            charlstm_bf16_gemm_panels(transposeA ? 1 : 0, block.count, n, k, 1,
                                      transposeA ? a + first : a + first * lda, lda, panels, beta, c + first * ldc, ldc)
        }
    }
}

/// Row or column blocks of a product of two activations.
private struct PackingProduct: BlockWork {
    let transposeA: Bool, transposeB: Bool
    let m: Int, n: Int, k: Int
    let a: UnsafePointer<Float>, lda: Int
    let b: UnsafePointer<Float>, ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>, ldc: Int
    let byColumns: Bool

    func run(_ block: Range<Int>, number _: Int) {
        let first = block.lowerBound
        if byColumns {
            charlstm_bf16_gemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, block.count, k, 1, a, lda,
                               transposeB ? b + first * ldb : b + first, ldb, beta, c + first, ldc)
        } else {
            charlstm_bf16_gemm(transposeA ? 1 : 0, transposeB ? 1 : 0, block.count, n, k, 1,
                               transposeA ? a + first : a + first * lda, lda, b, ldb, beta, c + first * ldc, ldc)
        }
    }
}
