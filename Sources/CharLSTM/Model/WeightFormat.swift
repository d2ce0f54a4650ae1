/// How a model's weights are stored, read back from their values: what `export` wrote. It decides which copies
/// batch-1 steps multiply by (``Int8Weights``, ``HalfWeights``), where the CPU has their kernels.
public enum WeightFormat: String, Sendable {
    /// Floats of any value.
    case float32
    /// Every weight exactly a half (`export --half`).
    case half = "f16"
    /// Every matrix's rows (the embedding's too) on an int8 grid, a scale per row (`export --int8`, which
    /// writes them as halves; ``Int8Grid``).
    case int8
}

extension CharLSTMModel {
    /// The format the weights' values show (see ``WeightFormat``): int8 before F16, since `export --int8`'s grids
    /// are halves too.
    public var weightFormat: WeightFormat {
        let widest = layout.entries.filter(Int8Weights.isOnGrid).map { $0.shape[1] }.max() ?? 0
        let integers = UnsafeMutablePointer<Int8>.allocate(capacity: max(1, widest))
        defer { integers.deallocate() }
        let onGrid = layout.entries.filter(Int8Weights.isOnGrid).allSatisfy { entry in
            (0..<entry.shape[0]).allSatisfy { r in
                Int8Grid.decompose(parameters.pointer + entry.offset + r * entry.shape[1], count: entry.shape[1],
                                   into: integers) != nil
            }
        }
        if onGrid { return .int8 }
        let halves = layout.entries.allSatisfy { entry in
            (0..<entry.count).allSatisfy { j in
                let value = parameters.pointer[entry.offset + j]
                return HalfPrecision.float(HalfPrecision.bits(value)) == value
            }
        }
        return halves ? .half : .float32
    }
}
