/// Half-precision (F16) copies of a model's weight matrices, for batch-1 steps — priming and sampling — where every
/// weight is read once per character, so the bytes that must arrive from memory set the speed (see
/// half_kernels.c). A 2×512 model's matrices are 13 MB as floats and 6.7 MB as halves.
///
/// Made only when the CPU can widen halves (``HalfGEMV``) and every matrix value is exactly a half — as in a model
/// read from an `export --half` file, like the bundled one — so using them changes no weight, only the order in
/// which a product's terms are summed. The copies keep the model's ``ParameterLayout`` offsets.
final class HalfWeights {
    private let storage: UnsafeMutablePointer<UInt16>
    private let count: Int

    /// The matrices a batch-1 step multiplies by: every 2-D tensor but the embedding, which is only looked up.
    static func isMultiplied(_ entry: ParameterLayout.Entry) -> Bool {
        entry.shape.count == 2 && entry.name != "embed.weight"
    }

    /// Half copies of `model`'s matrices, or nil when the CPU lacks F16C or a weight is not exactly a half.
    init?(model: CharLSTMModel) {
        guard HalfGEMV.isAvailable else { return nil }
        count = model.layout.bufferCount
        storage = .allocate(capacity: count)
        storage.initialize(repeating: 0, count: count)
        // One pass converts and checks; failing here, with every property set, still runs deinit, which frees.
        for entry in model.layout.entries where Self.isMultiplied(entry) {
            let values = model.parameters.pointer + entry.offset
            for j in 0..<entry.count {
                let bits = HalfPrecision.bits(values[j])
                guard HalfPrecision.float(bits) == values[j] else { return nil }
                storage[entry.offset + j] = bits
            }
        }
    }

    deinit { storage.deallocate() }

    /// The half copy of the matrix at `offset` in the model's layout.
    func matrix(at offset: Int) -> UnsafePointer<UInt16> { UnsafePointer(storage + offset) }
}
