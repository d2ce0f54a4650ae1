/// 8-bit integer copies of a model's matrices, with a scale per row, for batch-1 steps — priming, sampling,
/// evaluation and a server's batched steps — where every weight is read once per character, so the bytes that must
/// arrive from memory set the speed: a 2×512 model's matrices are 13 MB as floats, 6.7 MB as halves and 3.3 MB here.
///
/// Made only when the CPU has a kernel (``Int8GEMM``) and every 2-D tensor's rows lie exactly on an int8 grid
/// (``Int8Grid``) — as in a model from `export --int8` — so using them changes no weight. What it does change is the
/// inputs of the products: each layer's output `h` is rounded to steps of 1/127 before it is multiplied (the
/// embedding's rows, on their grid, go in as they are). `export --int8` measures what that costs.
///
/// The copies keep the model's ``ParameterLayout`` offsets; the scales follow, one per row of each matrix.
final class Int8Weights {
    /// One matrix: its integers (row-major, the model's shape; the embedding's as they are, the others in the
    /// kernel's layout, ``Int8GEMM/toKernelLayout(_:count:)``) and a scale per row.
    struct Matrix {
        let values: UnsafePointer<Int8>
        let scales: UnsafePointer<Float>
    }

    private let values: UnsafeMutablePointer<Int8>
    private let count: Int
    private let scaleStorage: UnsafeMutablePointer<Float>
    /// Where each matrix's scales start in `scaleStorage`, by the matrix's offset in the layout.
    private let scaleStarts: [(offset: Int, start: Int)]

    /// The tensors on a grid: every 2-D one (the embedding, each layer's two matrices, the head).
    static func isOnGrid(_ entry: ParameterLayout.Entry) -> Bool { entry.shape.count == 2 }

    /// Integer copies of `model`'s matrices, or nil when the CPU has no int8 kernel or a row is not on a grid.
    init?(model: CharLSTMModel) {
        guard Int8GEMM.isAvailable else { return nil }
        let matrices = model.layout.entries.filter(Self.isOnGrid)
        var starts: [(offset: Int, start: Int)] = []
        var rows = 0
        for entry in matrices {
            starts.append((entry.offset, rows))
            rows += entry.shape[0]
        }
        count = model.layout.bufferCount
        values = .allocate(capacity: count)
        values.initialize(repeating: 0, count: count)
        scaleStorage = .allocate(capacity: max(1, rows))
        scaleStorage.initialize(repeating: 0, count: max(1, rows))
        scaleStarts = starts
        // Failing here, with every property set, still runs deinit, which frees.
        for (entry, start) in zip(matrices, starts) {
            let width = entry.shape[1]
            guard width < Int8GEMM.maximumWidth else { return nil }
            for r in 0..<entry.shape[0] {
                let offset = entry.offset + r * width
                guard let scale = Int8Grid.decompose(model.parameters.pointer + offset, count: width,
                                                     into: values + offset) else { return nil }
                scaleStorage[start.start + r] = scale
            }
            // The embedding's rows are the inputs of the first products, the other matrices their weights.
            if entry.offset != model.layout.embedding {
                Int8GEMM.toKernelLayout(values + entry.offset, count: entry.count)
            }
        }
    }

    deinit {
        values.deallocate()
        scaleStorage.deallocate()
    }

    /// The integer copy of the matrix at `offset` in the model's layout.
    func matrix(at offset: Int) -> Matrix {
        let start = scaleStarts.first { $0.offset == offset }!.start
        return Matrix(values: UnsafePointer(values + offset), scales: UnsafePointer(scaleStorage + start))
    }
}
