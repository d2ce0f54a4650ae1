/// The recurrent sweeps with the hidden units, rather than the streams, shared out among threads.
///
/// Each thread owns a fixed share U of the hidden units for a whole sweep: the gate row blocks `q·H + U` of `W_hh`
/// (q over the cell's G gates) and the cell arithmetic of those units, for every stream. At each step it computes
/// its part and waits at a ``StepBarrier`` for the others, since every unit's next step needs all of `h` (forward)
/// or all of the gate gradients (backward).
///
/// Two cases need it. With one stream (priming and sampling) there are no streams to share out. For wide layers
/// in training it also beats taking a group of streams per thread: each thread multiplies all the streams by its
/// share of `W_hh` instead of its share of the streams by all of it, so the weights a core reads (and OpenBLAS
/// packs) at every step are halved and can stay in its own cache; measured with `charlstm bench --hidden 512
/// --threads 2`, this was about 5% faster for 2×512 and 3×512 LSTM training, and slower for 2×128, where the
/// per-step products are small. Every value is still summed by one single-threaded product in one order, so
/// results depend only on the thread count.
extension RecurrentLayer {
    /// Narrowest share worth a thread: 32 units (four SIMD vectors).
    static let minimumUnitsPerShare = 32
    /// Width from which splitting training's sweeps by units beats splitting them by streams (see above).
    static let unitSplitTrainingWidth = 256

    /// How many unit shares a sweep over `batch` streams of `hidden` units should use; 1 means take streams
    /// (or, for one stream, a single thread) instead. At batch 1 it pays once the recurrent product is large
    /// enough to be worth threads at all (``BLAS/gemvThreshold``, measured for matrix–vector products).
    static func unitShares(batch: Int, hidden: Int, cell: RecurrentCell) -> Int {
        let shares = min(EngineThreads.count, hidden / minimumUnitsPerShare)
        let pays = batch == 1 ? cell.gateCount * hidden * hidden >= BLAS.gemvThreshold : hidden >= unitSplitTrainingWidth
        return pays ? shares : 1
    }

    /// The thread's units: whole SIMD vectors, the last share taking the remainder.
    @inline(__always)
    static func units(ofPart part: Int, parts: Int, hidden h: Int) -> Range<Int> {
        let share = (h / parts + 7) / 8 * 8
        return min(h, part * share)..<(part == parts - 1 ? h : min(h, (part + 1) * share))
    }
}

/// One thread's share of the units through the forward recurrence, meeting the others after every step. The
/// input products are already in `activations.gates`.
struct ForwardSweepByUnits<Cell: CellKernel>: LockstepWork {
    let w: LayerWeights
    let a: LayerActivations
    let batch: Int, steps: Int, parts: Int

    func run(part: Int, barrier: StepBarrier) {
        let h = w.hidden
        let width = Cell.gateCount * h
        let units = RecurrentLayer.units(ofPart: part, parts: parts, hidden: h)
        let beta = Cell.recurrentProductBeta
        for t in 0..<steps {
            let target = Cell.recurrentProducts(in: a) + t * batch * width
            let hPrevious = UnsafePointer(a.h.pointer + t * batch * h)
            // target[b, q·H + j] (+)= h_{t−1}[b, :]·W_hh[q·H + j, :]   for every gate q and this thread's units j
            for q in 0..<Cell.gateCount where !units.isEmpty {
                let first = q * h + units.lowerBound
                if let packed = w.bfloat16?.recurrentWeights.transposed, first % BFloat16Panels.width == 0 {
                    BFloat16GEMM.multiply(m: batch, a: hPrevious, lda: h, panels: packed,
                                          columns: first..<first + units.count, beta: beta, c: target + first,
                                          ldc: width, parallel: false)
                } else if w.bfloat16 != nil {
                    BFloat16GEMM.gemm(transposeA: false, transposeB: true, m: batch, n: units.count, k: h,
                                      a: hPrevious, lda: h, b: w.weightHH + first * h, ldb: h, beta: beta,
                                      c: target + first, ldc: width, parallel: false)
                } else if let int8 = w.int8 {
                    Int8GEMM.multiplyRows(m: units.count, n: h, a: int8.recurrentWeights.values + first * h,
                                          rowScales: int8.recurrentWeights.scales + first, lda: h,
                                          q: int8.roundedH + t * batch * h, ldq: h, qScales: int8.stateScale,
                                          qScaleStride: 0, vectors: batch, beta: beta, y: target + first, ldy: width,
                                          parallel: false)
                } else if let half = w.halfHH {
                    HalfGEMV.multiplyRows(m: units.count, n: h, a: half + first * h, lda: h, x: hPrevious, ldx: h,
                                          vectors: batch, beta: beta, y: target + first, ldy: width, parallel: false)
                } else if batch == 1 {
                    BLAS.gemv(m: units.count, n: h, alpha: 1, a: w.weightHH + first * h, lda: h,
                              x: hPrevious, beta: beta, y: target + first, parallel: false)
                } else {
                    BLAS.gemm(transposeA: false, transposeB: true, m: batch, n: units.count, k: h, alpha: 1,
                              a: hPrevious, lda: h, b: w.weightHH + first * h, ldb: h, beta: beta,
                              c: target + first, ldc: width, parallel: false)
                }
            }
            for b in 0..<batch where !units.isEmpty {
                Cell.forward(a.step(row: t * batch + b, batch: batch, hidden: h, weights: w), hidden: h, units: units)
                w.int8?.round(a.h.pointer, offset: ((t + 1) * batch + b) * h + units.lowerBound, count: units.count)
            }
            barrier.arriveAndWait(step: t)
        }
    }
}

/// One thread's share of the units through the backward sweep, meeting the others after every step's gate
/// gradients. `scratch.dhNext`/`.dcNext` must be zero. Each thread's δh and δc are its own units' columns, so one
/// barrier per step suffices: after it all of the step's gate gradients exist, and a thread computes δh for its
/// units from them.
struct BackwardSweepByUnits<Cell: CellKernel>: LockstepWork {
    let w: LayerWeights
    let a: LayerActivations
    let s: LayerBackwardScratch
    let dH: UnsafePointer<Float>
    let batch: Int, steps: Int, parts: Int

    func run(part: Int, barrier: StepBarrier) {
        let h = w.hidden
        let width = Cell.gateCount * h
        let dRecurrent = s.dRecurrent(for: Cell.cell)
        let units = RecurrentLayer.units(ofPart: part, parts: parts, hidden: h)
        var step = 0
        for t in stride(from: steps - 1, through: 0, by: -1) {
            for b in 0..<batch where !units.isEmpty {
                Cell.backward(a.gradientStep(row: t * batch + b, stream: b, hidden: h, cell: Cell.cell, scratch: s,
                                             dH: dH),
                              hidden: h, units: units)
            }
            barrier.arriveAndWait(step: step)
            step += 1
            // δh[b, j] (+)= Σ_r dRecurrent_t[b, r]·W_hh[r, j]   for this thread's units j
            let packed = w.bfloat16?.recurrentWeights.plain
            let beta: Float = Cell.hasDirectStateGradient ? 1 : 0
            if t > 0 && !units.isEmpty, let packed, units.lowerBound % BFloat16Panels.width == 0 {
                BFloat16GEMM.multiply(m: batch, a: dRecurrent + t * batch * width, lda: width, panels: packed,
                                      columns: units, beta: beta, c: s.dhNext.pointer + units.lowerBound, ldc: h,
                                      parallel: false)
            } else if t > 0 && !units.isEmpty && packed != nil {
                BFloat16GEMM.gemm(transposeA: false, transposeB: false, m: batch, n: units.count, k: width,
                                  a: dRecurrent + t * batch * width, lda: width, b: w.weightHH + units.lowerBound,
                                  ldb: h, beta: beta, c: s.dhNext.pointer + units.lowerBound, ldc: h, parallel: false)
            } else if t > 0 && !units.isEmpty {
                BLAS.gemm(transposeA: false, transposeB: false, m: batch, n: units.count, k: width, alpha: 1,
                          a: dRecurrent + t * batch * width, lda: width, b: w.weightHH + units.lowerBound, ldb: h,
                          beta: beta, c: s.dhNext.pointer + units.lowerBound, ldc: h,
                          parallel: false)
            }
        }
    }
}
