/// The output layer: logits = Y·Wᵀ + b, mapping each `H`-wide top-layer output to `V` character scores.
enum LinearHead {
    /// With `halfWeight`, an F16 copy of `weight` (``HalfWeights``; only batch-1 and one-step passes have one),
    /// the rows are multiplied by it; with `int8`, its integer copy multiplies the rounded rows instead
    /// (``Int8Weights``); with `bfloat16` (a training step in bf16), that packing multiplies them.
    static func forward(input y: UnsafePointer<Float>, weight: UnsafePointer<Float>, halfWeight: UnsafePointer<UInt16>?,
                        int8: (weight: Int8Weights.Matrix, input: RoundedActivations.Rows)? = nil,
                        bfloat16: BFloat16Weights.Matrix? = nil, bias: UnsafePointer<Float>, rows: Int,
                        inputSize h: Int, outputSize v: Int, logits: UnsafeMutablePointer<Float>) {
        if let int8 {
            Int8GEMM.multiplyRows(m: v, n: h, a: int8.weight.values, rowScales: int8.weight.scales, lda: h,
                                  q: int8.input.values, ldq: int8.input.stride, qScales: int8.input.scales,
                                  qScaleStride: int8.input.scaleStride, vectors: rows, beta: 0, y: logits, ldy: v,
                                  parallel: true)
        } else if let bfloat16 {
            BFloat16GEMM.multiply(m: rows, a: y, lda: h, panels: bfloat16.transposed, columns: 0..<v, beta: 0,
                                  c: logits, ldc: v)
        } else if let halfWeight {
            HalfGEMV.multiplyRows(m: v, n: h, a: halfWeight, lda: h, x: y, ldx: h, vectors: rows, beta: 0, y: logits,
                                  ldy: v, parallel: true)
        } else {
            BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: v, k: h,
                      alpha: 1, a: y, lda: h, b: weight, ldb: h, beta: 0, c: logits, ldc: v)
        }
        for r in 0..<rows {
            let row = logits + r * v
            for j in 0..<v { row[j] += bias[j] }
        }
    }

    /// dW += dLogitsᵀ·Y, db += column sums of dLogits, dY = dLogits·W; with `bfloat16`, both products in bf16.
    static func backward(input y: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         bfloat16: BFloat16Weights.Matrix? = nil, dLogits: UnsafePointer<Float>,
                         rows: Int, inputSize h: Int, outputSize v: Int,
                         dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
                         dInput: UnsafeMutablePointer<Float>) {
        if bfloat16 != nil {
            BFloat16GEMM.gemm(transposeA: true, transposeB: false, m: v, n: h, k: rows, a: dLogits, lda: v, b: y,
                              ldb: h, beta: 1, c: dWeight, ldc: h)
        } else {
            BLAS.gemm(transposeA: true, transposeB: false, m: v, n: h, k: rows,
                      alpha: 1, a: dLogits, lda: v, b: y, ldb: h, beta: 1, c: dWeight, ldc: h)
        }
        for r in 0..<rows {
            let row = dLogits + r * v
            for j in 0..<v { dBias[j] += row[j] }
        }
        if let bfloat16 {
            BFloat16GEMM.multiply(m: rows, a: dLogits, lda: v, panels: bfloat16.plain, columns: 0..<h, beta: 0,
                                  c: dInput, ldc: h)
        } else {
            BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: h, k: v,
                      alpha: 1, a: dLogits, lda: v, b: weight, ldb: h, beta: 0, c: dInput, ldc: h)
        }
    }
}
