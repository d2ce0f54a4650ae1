/// The recurrence of one stream (batch 1: priming and generating text) spread over several threads.
///
/// With one stream there are no streams to share out, and each step's product `W_hh·h_{t−1}` is a
/// matrix-vector product that a thread finishes in microseconds — too short to hand out step by step. Instead
/// each thread owns a fixed share of the hidden units for the whole sweep: at every step it computes the four
/// gate pre-activations of its units (rows `q·H + j` of `W_hh`, for gate q = i, f, g, o), runs the cell update
/// for them, writes its part of `h_t`, and waits at a ``StepBarrier`` until every part of `h_t` is there.
///
/// Because a thread reads the same rows of `W_hh` at every step, its share can stay in its core's own cache (for
/// a 320-unit layer and two threads, 0.8 MB each, where a core has 1 MB of L2, instead of all 1.6 MB from the
/// shared L3). Every gate value is still summed by one single-threaded product in one order, so results depend
/// only on the thread count.
extension LSTMLayer {
    /// Runs the recurrent part of ``forward(input:weights:activations:batch:steps:)`` for batch 1 on `parts`
    /// threads, with the input products already in `activations.gates`. Returns false, having done nothing, when
    /// the engine's threads are busy elsewhere.
    static func recurOneStreamSplitByUnits(weights w: LSTMWeights, activations a: LSTMActivations, steps: Int,
                                           parts: Int) -> Bool {
        let h = w.hidden
        // Shares are whole SIMD vectors of units, so no thread's cell update has a ragged edge inside the layer.
        let share = (h / parts + 7) / 8 * 8
        return WorkerPool.shared.runSimultaneously(parts: parts) { part, barrier in
            let units = min(h, part * share)..<(part == parts - 1 ? h : min(h, (part + 1) * share))
            for t in 0..<steps {
                let gates = a.gates.pointer + t * 4 * h
                let hPrevious = UnsafePointer(a.h.pointer + t * h)
                if !units.isEmpty {
                    // gates[q·H + j] += W_hh[q·H + j, :]·h_{t−1}   for the four gates q and this thread's units j
                    for q in 0..<4 {
                        let first = q * h + units.lowerBound
                        BLAS.gemv(m: units.count, n: h, alpha: 1, a: w.weightHH + first * h, lda: h,
                                  x: hPrevious, beta: 1, y: gates + first, parallel: false)
                    }
                    cellForward(gates: gates, biasIH: w.biasIH, biasHH: w.biasHH,
                                cPrevious: a.c.pointer + t * h, c: a.c.pointer + (t + 1) * h,
                                tanhC: a.tanhC.pointer + t * h, h: a.h.pointer + (t + 1) * h,
                                hidden: h, units: units)
                }
                barrier.arriveAndWait(step: t)
            }
        }
    }
}
