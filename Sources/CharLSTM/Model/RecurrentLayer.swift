/// One recurrent layer (LSTM, GRU or RNN; see ``RecurrentCell``) over a chunk of `T` time steps and `B` streams: a
/// forward and a backward function over flat, row-major, time-major buffers (row `t·B + b`).
///
/// Forward, for every time step t, with G gate blocks per unit (4, 3 or 1):
///
///     pre_t = W_ih·x_t  (+ W_hh·h_{t−1}, kept apart for the GRU)      — G·H values per stream
///     h_t (and the LSTM's c_t) = the cell's fused step on pre_t and both biases (see CellKernel.swift)
///
/// The input products of all T steps do not depend on `h`, so they are one GEMM of `(T·B)×D` by `D×G·H`; only the
/// recurrent product `h_{t−1}·W_hhᵀ` must run step by step. Biases, the nonlinearities and the state update are
/// then one fused pass over the step's contiguous `B×G·H` block.
///
/// Backward sweeps t from T down to 1 with the cell's backward step (δh, δc arriving from step t + 1 are zero at
/// the chunk's end: truncated BPTT cuts the graph there), keeping the pre-activation gradients of all steps, so
/// the weight gradients are large GEMMs after the sweep: dW_ih += dGatesᵀ·X, dW_hh += dRecurrentᵀ·H_{0…T−1},
/// the biases' gradients are column sums, and the gradient for the layer below is dX = dGates·W_ih (dRecurrent is
/// dGates itself except for the GRU).
enum RecurrentLayer {
    /// Forward over `steps` steps. On entry `activations.h` (and `.c`) rows `0..<batch` hold the initial state; on
    /// exit rows of block `t + 1` hold `h_t` (`c_t`), and `gates` what the cell keeps for backward.
    static func forward(input x: UnsafePointer<Float>, weights w: LayerWeights, activations a: LayerActivations,
                        batch: Int, steps: Int) {
        forward(input: x, weights: w, activations: a, batch: batch, steps: steps,
                unitShares: unitShares(batch: batch, hidden: w.hidden, cell: w.cell))
    }

    /// ``forward(input:weights:activations:batch:steps:)`` with the recurrence shared out by units among
    /// `unitShares` threads (see RecurrentLayerUnitSplit.swift), or by streams when it is 1.
    static func forward(input x: UnsafePointer<Float>, weights w: LayerWeights, activations a: LayerActivations,
                        batch: Int, steps: Int, unitShares: Int) {
        switch w.cell {
        case .lstm: forward(LSTMCell.self, x, w, a, batch: batch, steps: steps, unitShares: unitShares)
        case .gru: forward(GRUCell.self, x, w, a, batch: batch, steps: steps, unitShares: unitShares)
        case .rnn: forward(RNNCell.self, x, w, a, batch: batch, steps: steps, unitShares: unitShares)
        }
    }

    private static func forward<Cell: CellKernel>(_: Cell.Type, _ x: UnsafePointer<Float>, _ w: LayerWeights,
                                                  _ a: LayerActivations, batch: Int, steps: Int, unitShares: Int) {
        let d = w.inputSize
        let rowWidth = Cell.gateCount * w.hidden
        // Pre-activations from the input, all steps at once: gates = X·W_ihᵀ (one step: W_ih·x_b, from halves if any).
        if let packed = w.bfloat16 {
            BFloat16GEMM.multiply(m: steps * batch, a: x, lda: d, panels: packed.inputWeights.transposed,
                                  columns: 0..<rowWidth, beta: 0, c: a.gates.pointer, ldc: rowWidth)
        } else if let int8 = w.int8 {
            Int8GEMM.multiplyRows(m: rowWidth, n: d, a: int8.inputWeights.values, rowScales: int8.inputWeights.scales,
                                  lda: d, q: int8.input.values, ldq: int8.input.stride, qScales: int8.input.scales,
                                  qScaleStride: int8.input.scaleStride, vectors: steps * batch, beta: 0,
                                  y: a.gates.pointer, ldy: rowWidth, parallel: true)
        } else if steps == 1, let half = w.halfIH {
            HalfGEMV.multiplyRows(m: rowWidth, n: d, a: half, lda: d, x: x, ldx: d, vectors: batch, beta: 0,
                                  y: a.gates.pointer, ldy: rowWidth, parallel: true)
        } else if w.multipliesStreamsApart && batch > 1 {
            // Stream b's rows are b, b + batch, …: one product of `steps` rows each, with strides over the others.
            for b in 0..<batch {
                BLAS.gemm(transposeA: false, transposeB: true, m: steps, n: rowWidth, k: d,
                          alpha: 1, a: x + b * d, lda: batch * d, b: w.weightIH, ldb: d, beta: 0,
                          c: a.gates.pointer + b * rowWidth, ldc: batch * rowWidth)
            }
        } else {
            BLAS.gemm(transposeA: false, transposeB: true, m: steps * batch, n: rowWidth, k: d,
                      alpha: 1, a: x, lda: d, b: w.weightIH, ldb: d, beta: 0, c: a.gates.pointer, ldc: rowWidth)
        }
        // The carried-in state may have been set from outside (a restored memory): round it here, once per pass.
        w.int8?.round(a.h.pointer, offset: 0, count: batch * w.hidden)
        if unitShares > 1
            && WorkerPool.shared.runSimultaneously(
                parts: unitShares,
                ForwardSweepByUnits<Cell>(w: w, a: a, batch: batch, steps: steps, parts: unitShares)) {
            return
        }
        // The recurrence is sequential in time but independent across streams: each thread takes a group of
        // streams through all the steps, with no synchronisation between steps.
        let groups = streamGroups(batch)
        Parallel.forEachBlock(of: batch, parts: groups,
                              ForwardSweepByStreams<Cell>(w: w, a: a, batch: batch, steps: steps, groups: groups))
    }

    /// How many groups to split `batch` streams into for a sweep: one per thread, but at least two streams each.
    static func streamGroups(_ batch: Int) -> Int { max(1, min(EngineThreads.count, batch / 2)) }

    /// Backward over the chunk, from `dH` (∂loss/∂h_t for t = 1…T, from the layer above or the head), adding the
    /// weight gradients into `gradients` and writing ∂loss/∂x_t into `dInput` (when given).
    static func backward(input x: UnsafePointer<Float>, weights w: LayerWeights, gradients dw: LayerWeights,
                         activations a: LayerActivations, scratch s: LayerBackwardScratch,
                         dH: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>?,
                         batch: Int, steps: Int) {
        backward(input: x, weights: w, gradients: dw, activations: a, scratch: s, dH: dH, dInput: dInput,
                 batch: batch, steps: steps, unitShares: unitShares(batch: batch, hidden: w.hidden, cell: w.cell))
    }

    /// ``backward(input:weights:gradients:activations:scratch:dH:dInput:batch:steps:)`` with the sweep shared
    /// out by units among `unitShares` threads, or by streams when it is 1.
    static func backward(input x: UnsafePointer<Float>, weights w: LayerWeights, gradients dw: LayerWeights,
                         activations a: LayerActivations, scratch s: LayerBackwardScratch,
                         dH: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>?,
                         batch: Int, steps: Int, unitShares: Int) {
        s.dhNext.pointer.update(repeating: 0, count: batch * w.hidden)
        s.dcNext.pointer.update(repeating: 0, count: batch * w.hidden)
        switch w.cell {
        case .lstm: sweepBack(LSTMCell.self, w, a, s, dH, batch: batch, steps: steps, unitShares: unitShares)
        case .gru: sweepBack(GRUCell.self, w, a, s, dH, batch: batch, steps: steps, unitShares: unitShares)
        case .rnn: sweepBack(RNNCell.self, w, a, s, dH, batch: batch, steps: steps, unitShares: unitShares)
        }
        weightGradients(input: x, weights: w, gradients: dw, activations: a, scratch: s, dInput: dInput,
                        batch: batch, steps: steps)
    }

    private static func sweepBack<Cell: CellKernel>(_: Cell.Type, _ w: LayerWeights, _ a: LayerActivations,
                                                    _ s: LayerBackwardScratch, _ dH: UnsafeMutablePointer<Float>,
                                                    batch: Int, steps: Int, unitShares: Int) {
        if unitShares > 1
            && WorkerPool.shared.runSimultaneously(
                parts: unitShares,
                BackwardSweepByUnits<Cell>(w: w, a: a, s: s, dH: dH, batch: batch, steps: steps, parts: unitShares)) {
            return
        }
        let groups = streamGroups(batch)
        Parallel.forEachBlock(of: batch, parts: groups,
                              BackwardSweepByStreams<Cell>(w: w, a: a, s: s, dH: dH, batch: batch, steps: steps,
                                                           groups: groups))
    }

    /// After the sweep: dW_ih += dGatesᵀ·X, dW_hh += dRecurrentᵀ·H_{0…T−1}, the biases' gradients += the column
    /// sums of dGates and dRecurrent, and dX = dGates·W_ih for the layer below.
    private static func weightGradients(input x: UnsafePointer<Float>, weights w: LayerWeights,
                                        gradients dw: LayerWeights, activations a: LayerActivations,
                                        scratch s: LayerBackwardScratch, dInput: UnsafeMutablePointer<Float>?,
                                        batch: Int, steps: Int) {
        let (d, h) = (w.inputSize, w.hidden)
        let rowWidth = w.cell.gateCount * h
        let rows = steps * batch
        let dGates = s.dGates.pointer, dRecurrent = s.dRecurrent(for: w.cell)
        if w.bfloat16 != nil {
            BFloat16GEMM.gemm(transposeA: true, transposeB: false, m: rowWidth, n: d, k: rows,
                              a: dGates, lda: rowWidth, b: x, ldb: d, beta: 1, c: dw.weightIH, ldc: d)
            BFloat16GEMM.gemm(transposeA: true, transposeB: false, m: rowWidth, n: h, k: rows,
                              a: dRecurrent, lda: rowWidth, b: a.h.pointer, ldb: h, beta: 1, c: dw.weightHH, ldc: h)
        } else {
            BLAS.gemm(transposeA: true, transposeB: false, m: rowWidth, n: d, k: rows,
                      alpha: 1, a: dGates, lda: rowWidth, b: x, ldb: d, beta: 1, c: dw.weightIH, ldc: d)
            BLAS.gemm(transposeA: true, transposeB: false, m: rowWidth, n: h, k: rows,
                      alpha: 1, a: dRecurrent, lda: rowWidth, b: a.h.pointer, ldb: h, beta: 1, c: dw.weightHH, ldc: h)
        }
        Parallel.forEachBlock(of: rowWidth, parts: EngineThreads.count, quantum: 64,
                              ColumnSums(matrix: dGates, rows: rows, columns: rowWidth, sums: dw.biasIH))
        if dRecurrent == dGates {
            // Both biases enter the same sum, so their gradients are equal.
            dw.biasHH.update(from: dw.biasIH, count: rowWidth)
        } else {
            Parallel.forEachBlock(of: rowWidth, parts: EngineThreads.count, quantum: 64,
                                  ColumnSums(matrix: dRecurrent, rows: rows, columns: rowWidth, sums: dw.biasHH))
        }
        if let dInput, let packed = w.bfloat16 {
            BFloat16GEMM.multiply(m: rows, a: dGates, lda: rowWidth, panels: packed.inputWeights.plain, columns: 0..<d,
                                  beta: 0, c: dInput, ldc: d)
        } else if let dInput {
            BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: d, k: rowWidth,
                      alpha: 1, a: dGates, lda: rowWidth, b: w.weightIH, ldb: d, beta: 0, c: dInput, ldc: d)
        }
    }
}

extension LayerActivations {
    /// The forward kernel's view of stream row `row` (= t·batch + b) of a sweep over `batch` streams.
    @inline(__always)
    func step(row: Int, batch: Int, hidden h: Int, weights w: LayerWeights) -> CellStep {
        let width = w.cell.gateCount * h
        return CellStep(gates: gates.pointer + row * width, recurrent: recurrent.pointer + row * width,
                        biasIH: w.biasIH, biasHH: w.biasHH,
                        hPrevious: self.h.pointer + row * h, h: self.h.pointer + (row + batch) * h,
                        cPrevious: c.pointer + cellRow(row) * h, c: c.pointer + cellRow(row + batch) * h,
                        tanhC: tanhC.pointer + cellRow(row) * h)
    }

    /// The backward kernel's view of row `row`, stream `b`.
    @inline(__always)
    func gradientStep(row: Int, stream b: Int, hidden h: Int, cell: RecurrentCell, scratch s: LayerBackwardScratch,
                      dH: UnsafePointer<Float>) -> CellGradientStep {
        let width = cell.gateCount * h
        return CellGradientStep(gates: gates.pointer + row * width, recurrent: recurrent.pointer + row * width,
                                hPrevious: self.h.pointer + row * h, cPrevious: c.pointer + cellRow(row) * h,
                                tanhC: tanhC.pointer + cellRow(row) * h, dH: dH + row * h,
                                dhNext: s.dhNext.pointer + b * h, dcNext: s.dcNext.pointer + b * h,
                                dGates: s.dGates.pointer + row * width,
                                dRecurrent: s.dRecurrent(for: cell) + row * width)
    }

    /// Cells without `c` have empty `c`/`tanhC` buffers: every row maps to 0 so no pointer leaves its allocation.
    @inline(__always)
    private func cellRow(_ row: Int) -> Int { hasCellState ? row : 0 }
}

/// The forward recurrence for one group of streams through all the steps (see ``RecurrentLayer/forward``).
private struct ForwardSweepByStreams<Cell: CellKernel>: BlockWork {
    let w: LayerWeights
    let a: LayerActivations
    let batch: Int, steps: Int
    /// How many groups share the sweep; with one, the group's products may use every thread.
    let groups: Int

    func run(_ streams: Range<Int>, number _: Int) {
        let h = w.hidden
        let width = Cell.gateCount * h
        let first = streams.lowerBound
        // gates_t += h_{t−1}·W_hhᵀ (or recurrent_t = h_{t−1}·W_hhᵀ for the GRU) for this group's streams
        let target = Cell.recurrentProducts(in: a)
        for t in 0..<steps {
            let hPrevious = a.h.pointer + (t * batch + first) * h, products = target + (t * batch + first) * width
            if let packed = w.bfloat16 {
                BFloat16GEMM.multiply(m: streams.count, a: hPrevious, lda: h, panels: packed.recurrentWeights.transposed,
                                      columns: 0..<width, beta: Cell.recurrentProductBeta, c: products, ldc: width,
                                      parallel: groups == 1)
            } else if let int8 = w.int8 {
                Int8GEMM.multiplyRows(m: width, n: h, a: int8.recurrentWeights.values,
                                      rowScales: int8.recurrentWeights.scales, lda: h,
                                      q: int8.roundedH + (t * batch + first) * h, ldq: h, qScales: int8.stateScale,
                                      qScaleStride: 0, vectors: streams.count, beta: Cell.recurrentProductBeta,
                                      y: products, ldy: width, parallel: groups == 1)
            } else if let half = w.halfHH {
                HalfGEMV.multiplyRows(m: width, n: h, a: half, lda: h, x: hPrevious, ldx: h, vectors: streams.count,
                                      beta: Cell.recurrentProductBeta, y: products, ldy: width, parallel: groups == 1)
            } else {
                BLAS.gemm(transposeA: false, transposeB: true, m: streams.count, n: width, k: h,
                          alpha: 1, a: hPrevious, lda: h, b: w.weightHH, ldb: h,
                          beta: Cell.recurrentProductBeta, c: products, ldc: width, parallel: groups == 1)
            }
            for b in streams {
                Cell.forward(a.step(row: t * batch + b, batch: batch, hidden: h, weights: w), hidden: h, units: 0..<h)
                w.int8?.round(a.h.pointer, offset: ((t + 1) * batch + b) * h, count: h)
            }
        }
    }
}

/// The backward sweep for one group of streams through all the steps, from the last back to the first.
private struct BackwardSweepByStreams<Cell: CellKernel>: BlockWork {
    let w: LayerWeights
    let a: LayerActivations
    let s: LayerBackwardScratch
    let dH: UnsafeMutablePointer<Float>
    let batch: Int, steps: Int
    /// How many groups share the sweep; with one, the group's products may use every thread.
    let groups: Int

    func run(_ streams: Range<Int>, number _: Int) {
        let h = w.hidden
        let width = Cell.gateCount * h
        let first = streams.lowerBound
        let dRecurrent = s.dRecurrent(for: Cell.cell)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            for b in streams {
                Cell.backward(a.gradientStep(row: t * batch + b, stream: b, hidden: h, cell: Cell.cell, scratch: s,
                                             dH: dH),
                              hidden: h, units: 0..<h)
            }
            if t > 0, let packed = w.bfloat16 {
                BFloat16GEMM.multiply(m: streams.count, a: dRecurrent + (t * batch + first) * width, lda: width,
                                      panels: packed.recurrentWeights.plain, columns: 0..<h,
                                      beta: Cell.hasDirectStateGradient ? 1 : 0, c: s.dhNext.pointer + first * h,
                                      ldc: h, parallel: groups == 1)
            } else if t > 0 {
                // δh (+)= dRecurrent_t·W_hh for this group's streams
                BLAS.gemm(transposeA: false, transposeB: false, m: streams.count, n: h, k: width,
                          alpha: 1, a: dRecurrent + (t * batch + first) * width, lda: width, b: w.weightHH, ldb: h,
                          beta: Cell.hasDirectStateGradient ? 1 : 0, c: s.dhNext.pointer + first * h, ldc: h,
                          parallel: groups == 1)
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
struct LayerWeights {
    let cell: RecurrentCell
    let weightIH: UnsafeMutablePointer<Float>   // G·H × D
    let weightHH: UnsafeMutablePointer<Float>   // G·H × H
    let biasIH: UnsafeMutablePointer<Float>     // G·H
    let biasHH: UnsafeMutablePointer<Float>     // G·H
    let inputSize: Int
    let hidden: Int
    /// F16 copies of `weightIH` and `weightHH` for batch-1 steps, when the model has them (``HalfWeights``).
    var halfIH: UnsafePointer<UInt16>?
    var halfHH: UnsafePointer<UInt16>?
    /// Whether each stream's input products over the steps are a product of their own, as a stream alone would
    /// have them (``ChunkWorkspace/multipliesStreamsApart``).
    var multipliesStreamsApart = false
    /// bfloat16 packings of `weightIH` and `weightHH` when a training step multiplies in bf16: then every product
    /// of the layer, forward and backward, is a bfloat16 one (``BFloat16GEMM``).
    var bfloat16: BFloat16Weights.Layer?
    /// With int8 copies of the weights (``Int8Weights``), the layer's integer products: they take precedence over
    /// the F16 copies.
    var int8: Int8Pass?

    /// One layer's int8 products in a forward pass: its integer matrices, its input rows rounded, and where it
    /// rounds its own `h` to (rows laid out like ``LayerActivations/h``), for its recurrent product and the next
    /// layer (or the head).
    struct Int8Pass {
        let inputWeights: Int8Weights.Matrix
        let recurrentWeights: Int8Weights.Matrix
        let input: RoundedActivations.Rows
        let roundedH: UnsafeMutablePointer<Int8>
        let stateScale: UnsafePointer<Float>

        /// Rounds `count` values of `h` from `offset` (an offset into ``LayerActivations/h``) into ``roundedH``.
        @inline(__always)
        func round(_ h: UnsafePointer<Float>, offset: Int, count: Int) {
            Int8GEMM.quantize(h + offset, count: count, factor: Int8GEMM.stateFactor, into: roundedH + offset)
        }
    }

    init(_ buffer: FloatBuffer, _ offsets: ParameterLayout.LayerOffsets, cell: RecurrentCell, inputSize: Int,
         hidden: Int) {
        self.cell = cell
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
/// inference the layers of a stack share one `gates`, `recurrent` and `tanhC` buffer, which nothing reads once a
/// layer's `h` is computed; for training each layer keeps its own, for the backward pass.
final class LayerActivations {
    let cell: RecurrentCell
    /// Activated gates: `steps·batch × G·H` (LSTM i, f, g, o; GRU r, z, n; RNN h_t itself).
    let gates: FloatBuffer
    /// The GRU's recurrent products `W_hh·h_{t−1}`, laid out like `gates` (for other cells, `gates` itself).
    let recurrent: FloatBuffer
    /// h_0…h_T: `(steps + 1)·batch × H`; block 0 is the carried-in state.
    let h: FloatBuffer
    /// The LSTM's c_0…c_T, laid out like `h` (empty for other cells).
    let c: FloatBuffer
    /// The LSTM's tanh(c_1)…tanh(c_T): `steps·batch × H` (empty for other cells).
    let tanhC: FloatBuffer

    var hasCellState: Bool { cell.hasCellState }
    /// The buffers that hold the carried state: `h`, and the LSTM's `c`.
    let state: [FloatBuffer]

    /// The buffers `gates`, `recurrent` and `tanhC` for one layer, or to share among the layers of an inference stack.
    struct Scratch {
        let gates: FloatBuffer, recurrent: FloatBuffer, tanhC: FloatBuffer

        init(cell: RecurrentCell, batch: Int, steps: Int, hidden: Int) {
            let rows = steps * batch
            gates = FloatBuffer(count: rows * cell.gateCount * hidden)
            // The LSTM's and the RNN's recurrent products are added into the gates themselves.
            recurrent = cell == .gru ? FloatBuffer(count: rows * cell.gateCount * hidden) : gates
            tanhC = FloatBuffer(count: cell.hasCellState ? rows * hidden : 0)
        }
    }

    /// A layer's buffers; the scratch may be shared with other layers when nothing will run backward.
    init(cell: RecurrentCell, batch: Int, steps: Int, hidden: Int, scratch: Scratch? = nil) {
        self.cell = cell
        let scratch = scratch ?? Scratch(cell: cell, batch: batch, steps: steps, hidden: hidden)
        gates = scratch.gates
        recurrent = scratch.recurrent
        tanhC = scratch.tanhC
        h = FloatBuffer(count: (steps + 1) * batch * hidden)
        c = FloatBuffer(count: cell.hasCellState ? (steps + 1) * batch * hidden : 0)
        state = cell.hasCellState ? [h, c] : [h]
    }

    /// Where `quantity` of every unit of stream 0 (batch 1) lies: a state in row `stateRow` of `h` or `c` (row 0
    /// is the state carried in, row t + 1 the state after step t), a gate at step `gateStep`. Only a quantity the
    /// cell shows (``RecurrentCell/inspectedQuantities``), and gates only where the layer keeps its own.
    func values(_ quantity: InspectedQuantity, stateRow: Int, gateStep: Int, hidden: Int) -> UnsafePointer<Float> {
        precondition(quantity.isAvailable(in: cell))
        switch quantity {
        case .h: return UnsafePointer(h.pointer + stateRow * hidden)
        case .c: return UnsafePointer(c.pointer + stateRow * hidden)
        default:
            let block = cell.gateBlock(of: quantity)!
            return UnsafePointer(gates.pointer + (gateStep * cell.gateCount + block) * hidden)
        }
    }

    /// Moves the final state `h_T` (and `c_T`) into block 0, so the next chunk starts where this one ended.
    func carryState(batch: Int, steps: Int, hidden: Int) {
        let n = batch * hidden
        h.pointer.update(from: h.pointer + steps * n, count: n)
        if hasCellState { c.pointer.update(from: c.pointer + steps * n, count: n) }
    }
}

/// Buffers the backward pass of a layer needs, shared by all layers of a stack.
final class LayerBackwardScratch {
    let dGates: FloatBuffer
    /// The GRU's recurrent-side pre-activation gradients (empty for other cells, whose are `dGates`).
    let dRecurrentGates: FloatBuffer
    let dhNext: FloatBuffer
    let dcNext: FloatBuffer

    init(cell: RecurrentCell, batch: Int, steps: Int, hidden: Int) {
        let count = steps * batch * cell.gateCount * hidden
        dGates = FloatBuffer(count: count)
        dRecurrentGates = FloatBuffer(count: cell == .gru ? count : 0)
        dhNext = FloatBuffer(count: batch * hidden)
        dcNext = FloatBuffer(count: batch * hidden)
    }

    /// Where the recurrent side's pre-activation gradients are: their own buffer for the GRU, `dGates` otherwise.
    @inline(__always)
    func dRecurrent(for cell: RecurrentCell) -> UnsafeMutablePointer<Float> {
        cell == .gru ? dRecurrentGates.pointer : dGates.pointer
    }
}
