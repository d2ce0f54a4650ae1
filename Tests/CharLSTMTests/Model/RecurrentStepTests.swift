import Foundation
import Testing
@testable import CharLSTM

/// One LSTM step with input size 2 and one unit, against values worked out by hand.
@Suite struct LSTMStepTests {
    @Test func oneStepMatchesHandComputedValues() {
        // Gate rows in PyTorch order i, f, g, o.
        let weightIH: [Float] = [0.1, 0.2, 0.3, -0.4, -0.5, 0.6, 0.7, 0.8]   // 4×2
        let weightHH: [Float] = [0.5, -0.5, 0.25, 1.0]                        // 4×1
        let biasIH: [Float] = [0.1, 0.2, 0.3, 0.4]
        let biasHH: [Float] = [-0.1, 0, 0.1, 0.2]
        let x: [Float] = [1, -1]
        let (h0, c0): (Float, Float) = (0.5, -0.25)
        // Pre-activations W_ih·x + W_hh·h0 + b_ih + b_hh:
        //   i: 0.1 − 0.2 + 0.25  + 0.1 − 0.1 =  0.15
        //   f: 0.3 + 0.4 − 0.25  + 0.2 + 0   =  0.65
        //   g: −0.5 − 0.6 + 0.125 + 0.3 + 0.1 = −0.575
        //   o: 0.7 − 0.8 + 0.5   + 0.4 + 0.2 =  1.0
        // i = σ(0.15), f = σ(0.65), g = tanh(−0.575), o = σ(1); c1 = f·c0 + i·g; h1 = o·tanh(c1).
        let expectedGates: [Float] = [0.5374298453, 0.6570104627, -0.5190218339, 0.7310585786]
        let expectedC: Float = -0.4431904396
        let expectedH: Float = -0.3043290842

        let weights = FloatBuffer(count: 8 + 4 + 4 + 4)
        weights.pointer.update(from: weightIH, count: 8)
        (weights.pointer + 8).update(from: weightHH, count: 4)
        (weights.pointer + 12).update(from: biasIH, count: 4)
        (weights.pointer + 16).update(from: biasHH, count: 4)
        let layer = LayerWeights(weights, ParameterLayout.LayerOffsets(weightIH: 0, weightHH: 8, biasIH: 12, biasHH: 16),
                                 cell: .lstm, inputSize: 2, hidden: 1)
        let activations = LayerActivations(cell: .lstm, batch: 1, steps: 1, hidden: 1)
        activations.h.pointer[0] = h0
        activations.c.pointer[0] = c0
        x.withUnsafeBufferPointer { input in
            RecurrentLayer.forward(input: input.baseAddress!, weights: layer, activations: activations, batch: 1, steps: 1)
        }
        for (k, expected) in expectedGates.enumerated() {
            #expect(abs(activations.gates.pointer[k] - expected) < 1e-6, "gate \(k)")
        }
        #expect(abs(activations.c.pointer[1] - expectedC) < 1e-6)
        #expect(abs(activations.h.pointer[1] - expectedH) < 1e-6)
    }
}

/// Every cell's recurrent sweeps — by streams and with the hidden units shared out among threads
/// (RecurrentLayerUnitSplit.swift) — against a step-by-step reference in double precision written from PyTorch's
/// equations, and the backward sweep by units against the one by streams. Shares that are not whole SIMD vectors,
/// and a last share shorter than the others, included.
@Suite struct RecurrentSweepTests {
    /// A random layer of `cell`s with input size `d` and `h` units, and the buffer that holds it (keep it alive).
    static func layer(_ cell: RecurrentCell, d: Int, h: Int, random: inout RandomSource) -> (LayerWeights, FloatBuffer) {
        let weights = FloatBuffer(count: cell.gateCount * h * (d + h + 2))
        for j in 0..<weights.count { weights.pointer[j] = random.nextFloat(in: -0.3, 0.3) }
        return (LayerWeights(weights, offsets(cell, d: d, h: h), cell: cell, inputSize: d, hidden: h), weights)
    }

    /// The layer's backward pass over `activations` (from its forward pass over `x`) with the sweep shared out
    /// among `unitShares`: its weight gradients (in a buffer of `parameters` laid out as ``layer(_:d:h:random:)``'s)
    /// followed by the gradient for its input.
    static func backward(_ layer: LayerWeights, parameters: Int, x: [Float], dH: [Float], activations: LayerActivations,
                         batch: Int, steps: Int, unitShares: Int) -> [Float] {
        let (cell, d, h) = (layer.cell, layer.inputSize, layer.hidden)
        let gradients = FloatBuffer(count: parameters)
        let dw = LayerWeights(gradients, offsets(cell, d: d, h: h), cell: cell, inputSize: d, hidden: h)
        let scratch = LayerBackwardScratch(cell: cell, batch: batch, steps: steps, hidden: h)
        var dHCopy = dH
        var dInput = [Float](repeating: 0, count: steps * batch * d)
        x.withUnsafeBufferPointer { input in
            dHCopy.withUnsafeMutableBufferPointer { dHBuffer in
                dInput.withUnsafeMutableBufferPointer { dInputBuffer in
                    RecurrentLayer.backward(input: input.baseAddress!, weights: layer, gradients: dw,
                                            activations: activations, scratch: scratch, dH: dHBuffer.baseAddress!,
                                            dInput: dInputBuffer.baseAddress!, batch: batch, steps: steps,
                                            unitShares: unitShares)
                }
            }
        }
        return gradients.array + dInput
    }

    static func offsets(_ cell: RecurrentCell, d: Int, h: Int) -> ParameterLayout.LayerOffsets {
        let rows = cell.gateCount * h
        return ParameterLayout.LayerOffsets(weightIH: 0, weightHH: rows * d, biasIH: rows * (d + h),
                                            biasHH: rows * (d + h) + rows)
    }

    /// One step of `cell` for one stream in double precision, straight from PyTorch's documented equations.
    static func referenceStep(_ cell: RecurrentCell, layer w: LayerWeights, x: ArraySlice<Float>, h: inout [Double],
                              c: inout [Double]) {
        let (d, n) = (w.inputSize, w.hidden)
        func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        // Input and recurrent parts kept apart, each with its bias: the GRU needs them so.
        var fromInput = [Double](repeating: 0, count: cell.gateCount * n), fromState = fromInput
        for r in 0..<(cell.gateCount * n) {
            fromInput[r] = Double(w.biasIH[r])
            for k in 0..<d { fromInput[r] += Double(w.weightIH[r * d + k]) * Double(x[x.startIndex + k]) }
            fromState[r] = Double(w.biasHH[r])
            for k in 0..<n { fromState[r] += Double(w.weightHH[r * n + k]) * h[k] }
        }
        let previous = h
        for j in 0..<n {
            switch cell {
            case .lstm:
                let pre = { (q: Int) in fromInput[q * n + j] + fromState[q * n + j] }
                let (i, f, g, o) = (sigmoid(pre(0)), sigmoid(pre(1)), tanh(pre(2)), sigmoid(pre(3)))
                c[j] = f * c[j] + i * g
                h[j] = o * tanh(c[j])
            case .gru:
                let r = sigmoid(fromInput[j] + fromState[j])
                let z = sigmoid(fromInput[n + j] + fromState[n + j])
                let candidate = tanh(fromInput[2 * n + j] + r * fromState[2 * n + j])
                h[j] = (1 - z) * candidate + z * previous[j]
            case .rnn:
                h[j] = tanh(fromInput[j] + fromState[j])
            }
        }
    }

    /// (cell, batch, unit shares, F16 copies of W_hh — read at batch 1 only).
    static let cases: [(RecurrentCell, Int, Int, Bool)] = RecurrentCell.allCases.flatMap { cell in
        [(1, 1), (1, 2), (1, 3), (3, 1), (3, 2), (3, 3)].map { (cell, $0.0, $0.1, false) }
            + (HalfGEMV.isAvailable ? [(cell, 1, 1, true), (cell, 1, 2, true), (cell, 1, 3, true)] : [])
    }

    @Test(arguments: cases)
    func forwardMatchesReference(cell: RecurrentCell, batch: Int, parts: Int, half: Bool) {
        let (d, h, steps) = (5, 200, 9)
        var random = RandomSource(seed: UInt64(10 * batch + parts))
        let (layer, storage) = Self.layer(cell, d: d, h: h, random: &random)
        // With halves, every weight is rounded to one first, so the reference multiplies by the same values; the
        // layer under test gets the halves of W_hh beside a float W_hh negated, so only reading the halves passes.
        let halves = storage.array.map(HalfPrecision.bits)
        let decoy = FloatBuffer(count: storage.count)
        if half {
            for j in 0..<storage.count { storage.pointer[j] = HalfPrecision.float(halves[j]) }
        }
        decoy.pointer.update(from: storage.pointer, count: storage.count)
        var tested = LayerWeights(decoy, Self.offsets(cell, d: d, h: h), cell: cell, inputSize: d, hidden: h)
        halves.withUnsafeBufferPointer { halves in
            if half {
                for j in 0..<(cell.gateCount * h * h) { tested.weightHH[j] = -tested.weightHH[j] }
                tested.halfHH = halves.baseAddress! + (layer.weightHH - storage.pointer)
            }
            withExtendedLifetime((storage, decoy)) {
                run(cell: cell, tested: tested, reference: layer, batch: batch, parts: parts, d: d, h: h, steps: steps,
                    random: &random)
            }
        }
    }

    private func run(cell: RecurrentCell, tested: LayerWeights, reference layer: LayerWeights, batch: Int, parts: Int,
                     d: Int, h: Int, steps: Int, random: inout RandomSource) {
        let x = (0..<(steps * batch * d)).map { _ in random.nextFloat(in: -1, 1) }
        let activations = LayerActivations(cell: cell, batch: batch, steps: steps, hidden: h)
        for j in 0..<(batch * h) {
            activations.h.pointer[j] = random.nextFloat(in: -1, 1)
            if cell.hasCellState { activations.c.pointer[j] = random.nextFloat(in: -1, 1) }
        }
        var hRef = (0..<batch).map { b in (0..<h).map { Double(activations.h.pointer[b * h + $0]) } }
        var cRef = (0..<batch).map { b in (0..<h).map { cell.hasCellState ? Double(activations.c.pointer[b * h + $0]) : 0 } }

        x.withUnsafeBufferPointer { input in
            RecurrentLayer.forward(input: input.baseAddress!, weights: tested, activations: activations, batch: batch,
                                   steps: steps, unitShares: parts)
        }

        var worst = 0.0
        for t in 0..<steps {
            for b in 0..<batch {
                let row = (t * batch + b) * d
                Self.referenceStep(cell, layer: layer, x: x[row..<(row + d)], h: &hRef[b], c: &cRef[b])
                for j in 0..<h {
                    let k = ((t + 1) * batch + b) * h + j
                    worst = max(worst, abs(Double(activations.h.pointer[k]) - hRef[b][j]))
                    if cell.hasCellState { worst = max(worst, abs(Double(activations.c.pointer[k]) - cRef[b][j])) }
                }
            }
        }
        // The RNN passes its whole state through tanh of a 205-term sum at every step, with no gate to damp the
        // float rounding it carries forward: it ends a little further from the double-precision reference.
        #expect(worst < (cell == .rnn ? 3e-5 : 1e-5), "\(cell): largest difference from the reference: \(worst)")
    }

    @Test(arguments: RecurrentCell.allCases, [2, 3])
    func backwardByUnitsMatchesTheSweepByStreams(cell: RecurrentCell, parts: Int) {
        let (d, h, batch, steps) = (5, 72, 3, 6)
        var random = RandomSource(seed: UInt64(parts))
        let (layer, storage) = Self.layer(cell, d: d, h: h, random: &random)
        defer { withExtendedLifetime(storage) {} }
        let x = (0..<(steps * batch * d)).map { _ in random.nextFloat(in: -1, 1) }
        let dH = (0..<(steps * batch * h)).map { _ in random.nextFloat(in: -1, 1) }
        let activations = LayerActivations(cell: cell, batch: batch, steps: steps, hidden: h)
        x.withUnsafeBufferPointer { input in
            RecurrentLayer.forward(input: input.baseAddress!, weights: layer, activations: activations, batch: batch,
                                   steps: steps, unitShares: 1)
        }
        let results = [1, parts].map { shares in
            Self.backward(layer, parameters: storage.count, x: x, dH: dH, activations: activations, batch: batch,
                          steps: steps, unitShares: shares)
        }
        let worst = zip(results[0], results[1]).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
        #expect(worst < 1e-5, "\(cell): largest difference between the sweeps: \(worst)")
        #expect(results[0].contains { $0 != 0 })
    }
}
