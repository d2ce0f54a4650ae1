import ArgumentParser
import CharLSTM

/// `--precision`, shared by `train` and `bench`: the number format of the training products.
struct PrecisionOption: ParsableArguments {
    /// The precision when none is given (and, for `train --resume`, the run's own).
    static let standard = PrecisionRequest.fp32

    @Option(help: "Matrix products in fp32, in bf16 (bfloat16 inputs, float sums; CPUs with AVX512_BF16 or AMX), or auto: bf16 where this CPU has it and it measures faster (default: \(standard.rawValue); when resuming, the run's own).")
    var precision: PrecisionRequest?

    /// Settles the precision for a model of `config` trained `batch` streams at a time.
    func decide(config: ModelConfig, batch: Int) throws -> PrecisionDecision {
        try ProductPrecision.decide(precision ?? Self.standard, config: config, batch: batch)
    }
}

extension PrecisionRequest: ExpressibleByArgument {}
