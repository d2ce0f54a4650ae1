/// One LSTM layer over a chunk of `T` time steps and `B` streams: a forward and a backward function over flat,
/// row-major, time-major buffers (row `t·B + b`).
///
/// Forward, for every time step t (PyTorch's formulation and gate order i, f, g, o):
///
///     [ĩ f̃ g̃ õ] = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh
///     i = σ(ĩ)   f = σ(f̃)   g = tanh(g̃)   o = σ(õ)
///     c_t = f ⊙ c_{t−1} + i ⊙ g            (forget a bit, learn a bit, remember)
///     h_t = o ⊙ tanh(c_t)                   (use)
///
/// The input products of all T steps do not depend on `h`, so they are one GEMM of `(T·B)×D` by `D×4H`; only the
/// recurrent product `h_{t−1}·W_hhᵀ` must run step by step. Biases, the four nonlinearities and the cell update are
/// then one fused pass over the step's contiguous `B×4H` gate block.
enum LSTMLayer {
    /// Forward over `steps` steps. On entry `activations.h`/`.c` rows `0..<batch` hold the initial state; on exit
    /// rows of block `t + 1` hold `h_t`/`c_t`, `gates` the activated gates and `tanhC` tanh(c_t), all kept for backward.
    static func forward(input x: UnsafePointer<Float>, weights w: LSTMWeights, activations a: LSTMActivations,
                        batch: Int, steps: Int) {
        forward(input: x, weights: w, activations: a, batch: batch, steps: steps,
                unitShares: unitShares(batch: batch, hidden: w.hidden))
    }

    /// ``forward(input:weights:activations:batch:steps:)`` with the recurrence shared out by units among
    /// `unitShares` threads (see LSTMLayerUnitSplit.swift), or by streams when it is 1.
    static func forward(input x: UnsafePointer<Float>, weights w: LSTMWeights, activations a: LSTMActivations,
                        batch: Int, steps: Int, unitShares: Int) {
        let (d, h) = (w.inputSize, w.hidden)
        let g4 = 4 * h
        // Pre-activations from the input, all steps at once: gates = X·W_ihᵀ.
        BLAS.gemm(transposeA: false, transposeB: true, m: steps * batch, n: g4, k: d,
                  alpha: 1, a: x, lda: d, b: w.weightIH, ldb: d, beta: 0, c: a.gates.pointer, ldc: g4)
        if unitShares > 1 && recurSplitByUnits(weights: w, activations: a, batch: batch, steps: steps, parts: unitShares) {
            return
        }
        // The recurrence is sequential in time but independent across streams: each thread takes a group of
        // streams through all the steps, with no synchronisation between steps.
        let groups = streamGroups(batch)
        let sweep = ForwardSweepByStreams(w: w, a: a, batch: batch, steps: steps, groups: groups)
        Parallel.forEachBlock(of: batch, parts: groups, sweep)
    }

    /// How many groups to split `batch` streams into for a sweep: one per thread, but at least two streams each.
    static func streamGroups(_ batch: Int) -> Int { max(1, min(BLAS.threads, batch / 2)) }

    /// The fused pass for one stream at one step: adds both biases to the pre-activations, applies the gate
    /// nonlinearities in place, and computes `c_t`, `tanh(c_t)` and `h_t` — for the hidden units `units` (all of
    /// them, or one thread's share), eight at a time.
    @inline(__always)
    static func cellForward(gates: UnsafeMutablePointer<Float>, biasIH: UnsafePointer<Float>, biasHH: UnsafePointer<Float>,
                            cPrevious: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                            tanhC: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, hidden: Int,
                            units: Range<Int>) {
        let (fOffset, gOffset, oOffset) = (hidden, 2 * hidden, 3 * hidden)
        forEachVector(in: units) { j, lanes in
            @inline(__always) func preactivation(_ offset: Int) -> FloatVector {
                let k = offset + j
                return (gates + k).loadVector(count: lanes) + (biasIH + k).loadVector(count: lanes)
                    + (biasHH + k).loadVector(count: lanes)
            }
            let i = sigmoid(preactivation(0))
            let f = sigmoid(preactivation(fOffset))
            let g = hyperbolicTangent(preactivation(gOffset))
            let o = sigmoid(preactivation(oOffset))
            (gates + j).storeVector(i, count: lanes)
            (gates + fOffset + j).storeVector(f, count: lanes)
            (gates + gOffset + j).storeVector(g, count: lanes)
            (gates + oOffset + j).storeVector(o, count: lanes)
            let cell = f * (cPrevious + j).loadVector(count: lanes) + i * g
            let squashed = hyperbolicTangent(cell)
            (c + j).storeVector(cell, count: lanes)
            (tanhC + j).storeVector(squashed, count: lanes)
            (h + j).storeVector(o * squashed, count: lanes)
        }
    }

    /// Backward over the chunk, from `dH` (∂loss/∂h_t for t = 1…T, from the layer above or the head; overwritten).
    ///
    /// Sweeping t from T down to 1, with δh and δc the gradients arriving from step t + 1 (zero at the chunk's end:
    /// truncated BPTT cuts the graph there):
    ///
    ///     dh  = dH_t + δh
    ///     dc  = δc + dh ⊙ o ⊙ (1 − tanh²c_t)
    ///     dõ  = dh ⊙ tanh c_t ⊙ o(1 − o)        dĩ = dc ⊙ g ⊙ i(1 − i)
    ///     df̃  = dc ⊙ c_{t−1} ⊙ f(1 − f)         dg̃ = dc ⊙ i ⊙ (1 − g²)
    ///     δc ← dc ⊙ f                           δh ← [dĩ df̃ dg̃ dõ]·W_hh
    ///
    /// The pre-activation gradients of all steps stay in `dGates`, so the weight gradients are three large GEMMs
    /// after the sweep: dW_ih += dGatesᵀ·X, dW_hh += dGatesᵀ·H_{0…T−1}, db = column sums; and the gradient for the
    /// layer below is dX = dGates·W_ih.
    static func backward(input x: UnsafePointer<Float>, weights w: LSTMWeights, gradients dw: LSTMWeights,
                         activations a: LSTMActivations, scratch s: LSTMBackwardScratch,
                         dH: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>?,
                         batch: Int, steps: Int) {
        backward(input: x, weights: w, gradients: dw, activations: a, scratch: s, dH: dH, dInput: dInput,
                 batch: batch, steps: steps, unitShares: unitShares(batch: batch, hidden: w.hidden))
    }

    /// ``backward(input:weights:gradients:activations:scratch:dH:dInput:batch:steps:)`` with the sweep shared
    /// out by units among `unitShares` threads, or by streams when it is 1.
    static func backward(input x: UnsafePointer<Float>, weights w: LSTMWeights, gradients dw: LSTMWeights,
                         activations a: LSTMActivations, scratch s: LSTMBackwardScratch,
                         dH: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>?,
                         batch: Int, steps: Int, unitShares: Int) {
        s.dhNext.pointer.update(repeating: 0, count: batch * w.hidden)
        s.dcNext.pointer.update(repeating: 0, count: batch * w.hidden)
        let sweptByUnits = unitShares > 1
            && backSplitByUnits(weights: w, activations: a, scratch: s, dH: dH, batch: batch, steps: steps,
                                parts: unitShares)
        if !sweptByUnits {
            sweepBackByStreams(weights: w, activations: a, scratch: s, dH: dH, batch: batch, steps: steps)
        }
        weightGradients(input: x, weights: w, gradients: dw, activations: a, scratch: s, dInput: dInput,
                        batch: batch, steps: steps)
    }

    /// The backward sweep with each thread taking a group of streams through all the steps.
    private static func sweepBackByStreams(weights w: LSTMWeights, activations a: LSTMActivations,
                                           scratch s: LSTMBackwardScratch, dH: UnsafeMutablePointer<Float>,
                                           batch: Int, steps: Int) {
        let groups = streamGroups(batch)
        let sweep = BackwardSweepByStreams(w: w, a: a, s: s, dH: dH, batch: batch, steps: steps, groups: groups)
        Parallel.forEachBlock(of: batch, parts: groups, sweep)
    }

    /// After the sweep: dW_ih += dGatesᵀ·X, dW_hh += dGatesᵀ·H_{0…T−1}, both biases' gradients += the column sums
    /// of dGates, and dX = dGates·W_ih for the layer below.
    private static func weightGradients(input x: UnsafePointer<Float>, weights w: LSTMWeights,
                                        gradients dw: LSTMWeights, activations a: LSTMActivations,
                                        scratch s: LSTMBackwardScratch, dInput: UnsafeMutablePointer<Float>?,
                                        batch: Int, steps: Int) {
        let (d, h) = (w.inputSize, w.hidden)
        let g4 = 4 * h
        let rows = steps * batch
        let dGates = s.dGates.pointer
        BLAS.gemm(transposeA: true, transposeB: false, m: g4, n: d, k: rows,
                  alpha: 1, a: dGates, lda: g4, b: x, ldb: d, beta: 1, c: dw.weightIH, ldc: d)
        BLAS.gemm(transposeA: true, transposeB: false, m: g4, n: h, k: rows,
                  alpha: 1, a: dGates, lda: g4, b: a.h.pointer, ldb: h, beta: 1, c: dw.weightHH, ldc: h)
        // ∂loss/∂b_ih = ∂loss/∂b_hh = column sums of dGates (both biases enter the same sum), by column blocks.
        Parallel.forEachBlock(of: g4, parts: BLAS.threads, quantum: 64,
                              ColumnSums(matrix: dGates, rows: rows, columns: g4, sums: dw.biasIH))
        dw.biasHH.update(from: dw.biasIH, count: g4)
        if let dInput {
            BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: d, k: g4,
                      alpha: 1, a: dGates, lda: g4, b: w.weightIH, ldb: d, beta: 0, c: dInput, ldc: d)
        }
    }

    /// One stream at one step of the backward sweep (see ``backward``), for the units `units`, eight at a time;
    /// updates δc in place and writes the pre-activation gradients. δh is added here and recomputed by the caller's GEMM.
    @inline(__always)
    static func cellBackward(gates: UnsafePointer<Float>, cPrevious: UnsafePointer<Float>, tanhC: UnsafePointer<Float>,
                             dH: UnsafePointer<Float>, dhNext: UnsafePointer<Float>, dcNext: UnsafeMutablePointer<Float>,
                             dGates: UnsafeMutablePointer<Float>, hidden: Int, units: Range<Int>) {
        let (fOffset, gOffset, oOffset) = (hidden, 2 * hidden, 3 * hidden)
        forEachVector(in: units) { j, lanes in
            let i = (gates + j).loadVector(count: lanes), f = (gates + fOffset + j).loadVector(count: lanes)
            let g = (gates + gOffset + j).loadVector(count: lanes), o = (gates + oOffset + j).loadVector(count: lanes)
            let squashed = (tanhC + j).loadVector(count: lanes)
            let dh = (dH + j).loadVector(count: lanes) + (dhNext + j).loadVector(count: lanes)
            let dc = (dcNext + j).loadVector(count: lanes) + dh * o * (1 - squashed * squashed)
            (dGates + j).storeVector(dc * g * i * (1 - i), count: lanes)
            (dGates + fOffset + j).storeVector(dc * (cPrevious + j).loadVector(count: lanes) * f * (1 - f), count: lanes)
            (dGates + gOffset + j).storeVector(dc * i * (1 - g * g), count: lanes)
            (dGates + oOffset + j).storeVector(dh * squashed * o * (1 - o), count: lanes)
            (dcNext + j).storeVector(dc * f, count: lanes)
        }
    }
}

/// The forward recurrence for one group of streams through all the steps (see ``LSTMLayer/forward``).
private struct ForwardSweepByStreams: BlockWork {
    let w: LSTMWeights
    let a: LSTMActivations
    let batch: Int, steps: Int
    /// How many groups share the sweep; with one, the group's products may use every thread.
    let groups: Int

    func run(_ streams: Range<Int>, number _: Int) {
        let h = w.hidden
        let g4 = 4 * h
        let first = streams.lowerBound
        for t in 0..<steps {
            // gates_t += h_{t−1}·W_hhᵀ for this group's streams
            BLAS.gemm(transposeA: false, transposeB: true, m: streams.count, n: g4, k: h,
                      alpha: 1, a: a.h.pointer + (t * batch + first) * h, lda: h, b: w.weightHH, ldb: h,
                      beta: 1, c: a.gates.pointer + (t * batch + first) * g4, ldc: g4, parallel: groups == 1)
            for b in streams {
                let row = t * batch + b
                LSTMLayer.cellForward(gates: a.gates.pointer + row * g4, biasIH: w.biasIH, biasHH: w.biasHH,
                                      cPrevious: a.c.pointer + row * h, c: a.c.pointer + (row + batch) * h,
                                      tanhC: a.tanhC.pointer + row * h, h: a.h.pointer + (row + batch) * h,
                                      hidden: h, units: 0..<h)
            }
        }
    }
}

/// The backward sweep for one group of streams through all the steps, from the last back to the first.
private struct BackwardSweepByStreams: BlockWork {
    let w: LSTMWeights
    let a: LSTMActivations
    let s: LSTMBackwardScratch
    let dH: UnsafeMutablePointer<Float>
    let batch: Int, steps: Int
    /// How many groups share the sweep; with one, the group's products may use every thread.
    let groups: Int

    func run(_ streams: Range<Int>, number _: Int) {
        let h = w.hidden
        let g4 = 4 * h
        let dhNext = s.dhNext.pointer, dcNext = s.dcNext.pointer
        let first = streams.lowerBound
        for t in stride(from: steps - 1, through: 0, by: -1) {
            for b in streams {
                let row = t * batch + b
                LSTMLayer.cellBackward(gates: a.gates.pointer + row * g4, cPrevious: a.c.pointer + row * h,
                                       tanhC: a.tanhC.pointer + row * h, dH: dH + row * h,
                                       dhNext: dhNext + b * h, dcNext: dcNext + b * h,
                                       dGates: s.dGates.pointer + row * g4, hidden: h, units: 0..<h)
            }
            if t > 0 {
                // δh = dGates_t·W_hh for this group's streams
                BLAS.gemm(transposeA: false, transposeB: false, m: streams.count, n: h, k: g4,
                          alpha: 1, a: s.dGates.pointer + (t * batch + first) * g4, lda: g4, b: w.weightHH, ldb: h,
                          beta: 0, c: dhNext + first * h, ldc: h, parallel: groups == 1)
            }
        }
    }
}

/// Adds the column sums of a row-major `rows×columns` matrix to `sums`, for a block of columns.
private struct ColumnSums: BlockWork {
    let matrix: UnsafePointer<Float>
    let rows: Int, columns: Int
    let sums: UnsafeMutablePointer<Float>

    func run(_ block: Range<Int>, number _: Int) {
        for r in 0..<rows {
            let row = matrix + r * columns
            for j in block { sums[j] += row[j] }
        }
    }
}

/// Pointers to one layer's tensors inside a parameter or gradient buffer.
struct LSTMWeights {
    let weightIH: UnsafeMutablePointer<Float>   // 4H × D
    let weightHH: UnsafeMutablePointer<Float>   // 4H × H
    let biasIH: UnsafeMutablePointer<Float>     // 4H
    let biasHH: UnsafeMutablePointer<Float>     // 4H
    let inputSize: Int
    let hidden: Int

    init(_ buffer: FloatBuffer, _ offsets: ParameterLayout.LayerOffsets, inputSize: Int, hidden: Int) {
        weightIH = buffer.pointer + offsets.weightIH
        weightHH = buffer.pointer + offsets.weightHH
        biasIH = buffer.pointer + offsets.biasIH
        biasHH = buffer.pointer + offsets.biasHH
        self.inputSize = inputSize
        self.hidden = hidden
    }
}

/// What one layer's forward pass keeps for the backward pass, sized for `batch × steps`.
///
/// Only `h` and `c` must belong to the layer (the next layer reads `h`; the carried state lives in both). For
/// inference the layers of a stack share one `gates` and one `tanhC` buffer, which nothing reads once a layer's
/// `h` is computed; for training each layer keeps its own, for the backward pass.
final class LSTMActivations {
    /// Activated gates i, f, g, o: `steps·batch × 4H`.
    let gates: FloatBuffer
    /// h_0…h_T: `(steps + 1)·batch × H`; block 0 is the carried-in state.
    let h: FloatBuffer
    /// c_0…c_T, laid out like `h`.
    let c: FloatBuffer
    /// tanh(c_1)…tanh(c_T): `steps·batch × H`.
    let tanhC: FloatBuffer

    /// A layer's buffers; `gates` and `tanhC` may be shared with other layers when nothing will run backward.
    init(batch: Int, steps: Int, hidden: Int, gates: FloatBuffer? = nil, tanhC: FloatBuffer? = nil) {
        self.gates = gates ?? FloatBuffer(count: steps * batch * 4 * hidden)
        h = FloatBuffer(count: (steps + 1) * batch * hidden)
        c = FloatBuffer(count: (steps + 1) * batch * hidden)
        self.tanhC = tanhC ?? FloatBuffer(count: steps * batch * hidden)
    }

    /// Moves the final state `h_T`, `c_T` into block 0, so the next chunk starts where this one ended.
    func carryState(batch: Int, steps: Int, hidden: Int) {
        let n = batch * hidden
        h.pointer.update(from: h.pointer + steps * n, count: n)
        c.pointer.update(from: c.pointer + steps * n, count: n)
    }
}

/// Buffers the backward pass of a layer needs, shared by all layers of a stack.
final class LSTMBackwardScratch {
    let dGates: FloatBuffer
    let dhNext: FloatBuffer
    let dcNext: FloatBuffer

    init(batch: Int, steps: Int, hidden: Int) {
        dGates = FloatBuffer(count: steps * batch * 4 * hidden)
        dhNext = FloatBuffer(count: batch * hidden)
        dcNext = FloatBuffer(count: batch * hidden)
    }
}
