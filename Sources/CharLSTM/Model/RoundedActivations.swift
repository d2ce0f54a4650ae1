/// The inputs of a pass's int8 products (``Int8Weights``), laid out like the float activations they round: the
/// embedding's rows as their integers and scales, and every layer's `h` rounded to steps of
/// ``Int8GEMM/stateScale``. Allocated with the workspace, once.
final class RoundedActivations {
    /// The chunk's embedding rows, `rows × E`, and each row's scale.
    let embedded: UnsafeMutablePointer<Int8>
    let embeddedScales: UnsafeMutablePointer<Float>
    /// Each layer's rounded `h_0…h_T`, `(steps + 1)·batch × H` like ``LayerActivations/h``.
    let h: [UnsafeMutablePointer<Int8>]
    /// ``Int8GEMM/stateScale``, where a product can read it as the scale of every rounded `h` (stride 0).
    let stateScale: UnsafeMutablePointer<Float>

    init(config: ModelConfig, batch: Int, steps: Int) {
        let rows = batch * steps
        embedded = .allocate(capacity: rows * config.embedding)
        embedded.initialize(repeating: 0, count: rows * config.embedding)
        embeddedScales = .allocate(capacity: rows)
        embeddedScales.initialize(repeating: 0, count: rows)
        let size = (steps + 1) * batch * config.hidden
        h = (0..<config.layers).map { _ in
            let layer = UnsafeMutablePointer<Int8>.allocate(capacity: size)
            layer.initialize(repeating: 0, count: size)
            return layer
        }
        stateScale = .allocate(capacity: 1)
        stateScale.initialize(to: Int8GEMM.stateScale)
    }

    deinit {
        embedded.deallocate()
        embeddedScales.deallocate()
        for layer in h { layer.deallocate() }
        stateScale.deallocate()
    }

    /// Rows of rounded inputs to one product: `values` with row stride `stride`, row b's scale at
    /// `scales[b·scaleStride]`.
    struct Rows {
        let values: UnsafePointer<Int8>
        let stride: Int
        let scales: UnsafePointer<Float>
        let scaleStride: Int

        /// The rows from row `rows` on.
        func dropping(_ rows: Int) -> Rows {
            Rows(values: values + rows * stride, stride: stride, scales: scales + rows * scaleStride,
                 scaleStride: scaleStride)
        }
    }

    /// The embedding rows of the chunk, as the first layer's input.
    func embeddingRows(width: Int) -> Rows {
        Rows(values: embedded, stride: width, scales: embeddedScales, scaleStride: 1)
    }

    /// Layer k's rounded `h_1…h_T` (from row `batch`), as the next layer's or the head's input.
    func outputRows(ofLayer k: Int, batch: Int, hidden: Int) -> Rows {
        Rows(values: h[k] + batch * hidden, stride: hidden, scales: stateScale, scaleStride: 0)
    }
}
