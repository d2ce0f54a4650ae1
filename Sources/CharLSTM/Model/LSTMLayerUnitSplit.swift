/// The recurrent sweeps with the hidden units, rather than the streams, shared out among threads.
///
/// Each thread owns a fixed share U of the hidden units for a whole sweep: the four gate row blocks `q·H + U` of
/// `W_hh` (q = i, f, g, o) and the cell arithmetic of those units, for every stream. At each step it computes its
/// part and waits at a ``StepBarrier`` for the others, since every unit's next step needs all of `h` (forward)
/// or all of the gate gradients (backward).
///
/// Two cases need it. With one stream (priming and sampling) there are no streams to share out. For wide layers
/// in training it also beats taking a group of streams per thread: each thread multiplies all the streams by half
/// of `W_hh` instead of half the streams by all of it, so the weights a core reads (and OpenBLAS packs) at every
/// step are halved and can stay in its own cache; measured with `charlstm bench --hidden 512 --threads 2`, this
/// was about 5% faster for 2×512 and 3×512 training, and slower for 2×128, where the per-step products are small.
/// Every value is still summed by one single-threaded product in one order, so results depend only on the thread
/// count.
extension LSTMLayer {
    /// How many unit shares a sweep over `batch` streams of `hidden` units should use; 1 means take streams
    /// (or, for one stream, a single thread) instead.
    static func unitShares(batch: Int, hidden: Int) -> Int {
        let shares = min(BLAS.threads, hidden / 32)
        let pays = batch == 1 ? 4 * hidden * hidden >= BLAS.gemvThreshold : hidden >= 256
        return pays ? shares : 1
    }

    /// The thread's units: whole SIMD vectors, the last share taking the remainder.
    @inline(__always)
    static func units(ofPart part: Int, parts: Int, hidden h: Int) -> Range<Int> {
        let share = (h / parts + 7) / 8 * 8
        return min(h, part * share)..<(part == parts - 1 ? h : min(h, (part + 1) * share))
    }

    /// The recurrence of ``forward(input:weights:activations:batch:steps:)`` on `parts` threads, with the input
    /// products already in `activations.gates`. Returns false, having done nothing, when the engine's threads are
    /// busy elsewhere.
    static func recurSplitByUnits(weights w: LSTMWeights, activations a: LSTMActivations, batch: Int, steps: Int,
                                  parts: Int) -> Bool {
        WorkerPool.shared.runSimultaneously(parts: parts,
                                            ForwardSweepByUnits(w: w, a: a, batch: batch, steps: steps, parts: parts))
    }

    /// The backward sweep of ``backward(input:weights:gradients:activations:scratch:dH:dInput:batch:steps:)`` on
    /// `parts` threads, leaving every step's gate gradients in `scratch.dGates`; `scratch.dhNext`/`.dcNext` must
    /// be zero. Each thread's δh and δc are its own units' columns, so one barrier per step suffices: after it
    /// all of dGates_t exists, and a thread computes δh for its units from it.
    static func backSplitByUnits(weights w: LSTMWeights, activations a: LSTMActivations, scratch s: LSTMBackwardScratch,
                                 dH: UnsafePointer<Float>, batch: Int, steps: Int, parts: Int) -> Bool {
        WorkerPool.shared.runSimultaneously(
            parts: parts, BackwardSweepByUnits(w: w, a: a, s: s, dH: dH, batch: batch, steps: steps, parts: parts))
    }
}

/// One thread's share of the units through the forward recurrence, meeting the others after every step.
private struct ForwardSweepByUnits: LockstepWork {
    let w: LSTMWeights
    let a: LSTMActivations
    let batch: Int, steps: Int, parts: Int

    func run(part: Int, barrier: StepBarrier) {
        let h = w.hidden
        let units = LSTMLayer.units(ofPart: part, parts: parts, hidden: h)
        for t in 0..<steps {
            let gates = a.gates.pointer + t * batch * 4 * h
            let hPrevious = UnsafePointer(a.h.pointer + t * batch * h)
            // gates[b, q·H + j] += h_{t−1}[b, :]·W_hh[q·H + j, :]   for the four gates q and this thread's units j
            for q in 0..<4 where !units.isEmpty {
                let first = q * h + units.lowerBound
                if batch == 1 {
                    BLAS.gemv(m: units.count, n: h, alpha: 1, a: w.weightHH + first * h, lda: h,
                              x: hPrevious, beta: 1, y: gates + first, parallel: false)
                } else {
                    BLAS.gemm(transposeA: false, transposeB: true, m: batch, n: units.count, k: h, alpha: 1,
                              a: hPrevious, lda: h, b: w.weightHH + first * h, ldb: h, beta: 1,
                              c: gates + first, ldc: 4 * h, parallel: false)
                }
            }
            for b in 0..<batch where !units.isEmpty {
                let row = t * batch + b
                LSTMLayer.cellForward(gates: gates + b * 4 * h, biasIH: w.biasIH, biasHH: w.biasHH,
                                      cPrevious: a.c.pointer + row * h, c: a.c.pointer + (row + batch) * h,
                                      tanhC: a.tanhC.pointer + row * h, h: a.h.pointer + (row + batch) * h,
                                      hidden: h, units: units)
            }
            barrier.arriveAndWait(step: t)
        }
    }
}

/// One thread's share of the units through the backward sweep, meeting the others after every step's gate
/// gradients.
private struct BackwardSweepByUnits: LockstepWork {
    let w: LSTMWeights
    let a: LSTMActivations
    let s: LSTMBackwardScratch
    let dH: UnsafePointer<Float>
    let batch: Int, steps: Int, parts: Int

    func run(part: Int, barrier: StepBarrier) {
        let h = w.hidden
        let g4 = 4 * h
        let dhNext = s.dhNext.pointer, dcNext = s.dcNext.pointer
        let units = LSTMLayer.units(ofPart: part, parts: parts, hidden: h)
        var step = 0
        for t in stride(from: steps - 1, through: 0, by: -1) {
            for b in 0..<batch where !units.isEmpty {
                let row = t * batch + b
                LSTMLayer.cellBackward(gates: a.gates.pointer + row * g4, cPrevious: a.c.pointer + row * h,
                                       tanhC: a.tanhC.pointer + row * h, dH: dH + row * h, dhNext: dhNext + b * h,
                                       dcNext: dcNext + b * h, dGates: s.dGates.pointer + row * g4, hidden: h,
                                       units: units)
            }
            barrier.arriveAndWait(step: step)
            step += 1
            // δh[b, j] = Σ_r dGates_t[b, r]·W_hh[r, j]   for this thread's units j
            if t > 0 && !units.isEmpty {
                BLAS.gemm(transposeA: false, transposeB: false, m: batch, n: units.count, k: g4, alpha: 1,
                          a: s.dGates.pointer + t * batch * g4, lda: g4, b: w.weightHH + units.lowerBound, ldb: h,
                          beta: 0, c: dhNext + units.lowerBound, ldc: h, parallel: false)
            }
        }
    }
}
