/// A model's matrices rounded to bfloat16 and packed for the products of a training step in bf16
/// (``BFloat16GEMM``): each matrix twice, once for each way the passes multiply by it.
///
/// The forward pass multiplies by `Wᵀ` (`pre = X·W_ihᵀ`, `h_{t−1}·W_hhᵀ`, `logits = Y·W_headᵀ`), the backward
/// pass by `W` itself (`dX = dGates·W_ih`, `δh = dRecurrent·W_hh`, `dY = dLogits·W_head`); the kernels want the
/// right-hand operand's pairs of rows interleaved, so the two are different packings. ``pack(from:)`` refills them
/// from the float master weights at the start of every step, the weights' only rounding.
final class BFloat16Weights {
    /// One matrix, packed both ways.
    struct Matrix {
        /// Wᵀ (depth: W's columns; columns: W's rows).
        let transposed: BFloat16Panels
        /// W (depth: W's rows; columns: W's columns).
        let plain: BFloat16Panels
        let offset: Int, rows: Int, columns: Int

        init(offset: Int, rows: Int, columns: Int) {
            self.offset = offset
            self.rows = rows
            self.columns = columns
            transposed = BFloat16Panels(depth: columns, columns: rows)
            plain = BFloat16Panels(depth: rows, columns: columns)
        }

        func pack(from parameters: FloatBuffer) {
            let w = UnsafePointer(parameters.pointer + offset)
            transposed.pack(w, transpose: true, ldb: columns)
            plain.pack(w, transpose: false, ldb: columns)
        }
    }

    /// A layer's input and recurrent matrices.
    struct Layer {
        let inputWeights: Matrix
        let recurrentWeights: Matrix
    }

    let layers: [Layer]
    let head: Matrix

    /// Room for `config`'s matrices, laid out as `layout` says (nothing packed yet).
    init(layout: ParameterLayout) {
        let config = layout.config
        let rows = config.cell.gateCount * config.hidden
        layers = layout.layers.enumerated().map { k, offsets in
            Layer(inputWeights: Matrix(offset: offsets.weightIH, rows: rows, columns: config.inputSize(ofLayer: k)),
                  recurrentWeights: Matrix(offset: offsets.weightHH, rows: rows, columns: config.hidden))
        }
        head = Matrix(offset: layout.headWeight, rows: config.vocabularySize, columns: config.hidden)
    }

    /// Rounds and packs the current values of every matrix in `parameters`.
    func pack(from parameters: FloatBuffer) {
        for layer in layers {
            layer.inputWeights.pack(from: parameters)
            layer.recurrentWeights.pack(from: parameters)
        }
        head.pack(from: parameters)
    }
}
