/// The number format of a training step's matrix products.
///
/// In ``bf16`` every product of the forward and backward passes takes bfloat16 inputs — the weights rounded once
/// per step, activations and gradients as they are produced — and sums in float (``BFloat16GEMM``). Everything
/// else stays float32: the master weights, Adam's moments, the cell state, the gates' nonlinearities, the loss
/// and softmax, validation, and the checkpoints, which load exactly as float32 ones do. Mixed precision of this
/// kind trains recurrent and language models as well as float32 does (Kalamkar et al., 2019, "A Study of
/// BFLOAT16 for Deep Learning Training"); docs/bf16.md has the measurements for charlstm.
public enum ProductPrecision: String, Sendable, Codable, CaseIterable {
    case fp32, bf16

    /// Whether this machine can multiply in this precision.
    public var isAvailable: Bool { self == .fp32 || BFloat16GEMM.kernel != nil }
}

/// What a front end asks for: a precision, or `auto` — bf16 where the CPU has bfloat16 dot products and they
/// multiply the run's matrices faster than float32, else fp32.
public enum PrecisionRequest: String, Sendable, CaseIterable {
    case fp32, bf16, auto
}

/// The precision a run will use, and why (for the line `train` and `bench` print).
public struct PrecisionDecision: Sendable, Equatable {
    public let precision: ProductPrecision
    /// How it was chosen: "asked for", or what `auto` measured.
    public let reason: String
}

extension ProductPrecision {
    /// Why bf16 cannot run here, or nil when it can.
    public static var bf16Unavailability: String? {
        BFloat16GEMM.kernel == nil
            ? "this CPU has no bfloat16 dot products (AVX512_BF16 or AMX-BF16, which x86-64 CPUs since AMD Zen 4 and Intel Sapphire Rapids have)" : nil
    }

    /// Settles `request` for a model of `config` trained `batch` streams at a time. `auto` times the product
    /// every time step of the recurrence runs (`batch` rows of `h` by `W_hhᵀ`) both ways, on the engine's
    /// threads, and takes bf16 when it is at least 10% faster. Throws for bf16 where the CPU has no bfloat16 kernel.
    public static func decide(_ request: PrecisionRequest, config: ModelConfig, batch: Int) throws -> PrecisionDecision {
        switch request {
        case .fp32: return PrecisionDecision(precision: .fp32, reason: "asked for")
        case .bf16:
            if let why = bf16Unavailability { throw CharLSTMError.invalidSetting("\(Setting.precision) bf16: \(why)") }
            return PrecisionDecision(precision: .bf16, reason: "asked for, \(BFloat16GEMM.kernel!)")
        case .auto:
            guard let kernel = BFloat16GEMM.kernel else {
                return PrecisionDecision(precision: .fp32, reason: "auto: no bfloat16 dot products on this CPU")
            }
            let (float, brain) = timeRecurrentProduct(config: config, batch: batch)
            let shape = "\(batch)×\(config.hidden) by \(config.hidden)×\(config.cell.gateCount * config.hidden)"
            let figures = "\(Self.microseconds(brain)) µs in bf16 (\(kernel)) against \(Self.microseconds(float)) µs in fp32 for a \(shape) product"
            return brain < 0.9 * float
                ? PrecisionDecision(precision: .bf16, reason: "auto: \(figures)")
                : PrecisionDecision(precision: .fp32, reason: "auto: \(figures), not 10% faster")
        }
    }

    private static func microseconds(_ seconds: Double) -> String {
        String(Int((seconds * 1e6).rounded()))
    }

    /// Seconds per recurrent-step product in fp32 and bf16: the best of five alternating rounds, each of about 10⁸
    /// multiply-adds (a millisecond or two).
    static func timeRecurrentProduct(config: ModelConfig, batch: Int) -> (fp32: Double, bf16: Double) {
        let (h, width) = (config.hidden, config.cell.gateCount * config.hidden)
        var random = RandomSource(seed: 7)
        let weights = FloatBuffer(count: width * h), states = FloatBuffer(count: batch * h)
        let out = FloatBuffer(count: batch * width)
        for i in 0..<weights.count { weights.pointer[i] = random.nextFloat(in: -0.05, 0.05) }
        for i in 0..<states.count { states.pointer[i] = random.nextFloat(in: -1, 1) }
        let panels = BFloat16Panels(depth: h, columns: width)
        panels.pack(weights.pointer, transpose: true, ldb: h)
        let repetitions = max(1, 100_000_000 / (batch * width * h))
        let clock = ContinuousClock()
        func time(_ product: () -> Void) -> Double {
            product()
            let start = clock.now
            for _ in 0..<repetitions { product() }
            return (clock.now - start).seconds / Double(repetitions)
        }
        var best = (fp32: Double.infinity, bf16: Double.infinity)
        for _ in 0..<5 {
            best.fp32 = min(best.fp32, time {
                BLAS.gemm(transposeA: false, transposeB: true, m: batch, n: width, k: h, alpha: 1, a: states.pointer,
                          lda: h, b: weights.pointer, ldb: h, beta: 1, c: out.pointer, ldc: width)
            })
            best.bf16 = min(best.bf16, time {
                BFloat16GEMM.multiply(m: batch, a: states.pointer, lda: h, panels: panels, columns: 0..<width, beta: 1,
                                      c: out.pointer, ldc: width)
            })
        }
        return best
    }
}
