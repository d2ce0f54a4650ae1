#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
        let layer = LSTMWeights(weights, ParameterLayout.LayerOffsets(weightIH: 0, weightHH: 8, biasIH: 12, biasHH: 16),
                                inputSize: 2, hidden: 1)
        let activations = LSTMActivations(batch: 1, steps: 1, hidden: 1)
        activations.h.pointer[0] = h0
        activations.c.pointer[0] = c0
        x.withUnsafeBufferPointer { input in
            LSTMLayer.forward(input: input.baseAddress!, weights: layer, activations: activations, batch: 1, steps: 1)
        }
        for (k, expected) in expectedGates.enumerated() {
            #expect(abs(activations.gates.pointer[k] - expected) < 1e-6, "gate \(k)")
        }
        #expect(abs(activations.c.pointer[1] - expectedC) < 1e-6)
        #expect(abs(activations.h.pointer[1] - expectedH) < 1e-6)
    }
}

/// The recurrent sweeps with the hidden units shared out among threads (LSTMLayerUnitSplit.swift): the forward
/// against a step-by-step reference in double precision, the backward against the sweep by streams. Shares that
/// are not whole SIMD vectors, and a last share shorter than the others, included.
@Suite struct UnitSplitTests {
    /// A random layer with input size `d` and `h` units, and the buffer that holds it (keep it alive).
    static func layer(d: Int, h: Int, random: inout RandomSource) -> (LSTMWeights, FloatBuffer) {
        let weights = FloatBuffer(count: 4 * h * (d + h) + 8 * h)
        for j in 0..<weights.count { weights.pointer[j] = random.nextFloat(in: -0.3, 0.3) }
        return (LSTMWeights(weights, offsets(d: d, h: h), inputSize: d, hidden: h), weights)
    }

    static func offsets(d: Int, h: Int) -> ParameterLayout.LayerOffsets {
        ParameterLayout.LayerOffsets(weightIH: 0, weightHH: 4 * h * d, biasIH: 4 * h * (d + h), biasHH: 4 * h * (d + h) + 4 * h)
    }

    @Test(arguments: [(1, 2), (1, 3), (3, 2), (3, 3)])
    func forwardMatchesReference(batch: Int, parts: Int) {
        let (d, h, steps) = (5, 200, 9)
        var random = RandomSource(seed: UInt64(10 * batch + parts))
        let (layer, storage) = Self.layer(d: d, h: h, random: &random)
        defer { withExtendedLifetime(storage) {} }
        let x = (0..<(steps * batch * d)).map { _ in random.nextFloat(in: -1, 1) }
        let activations = LSTMActivations(batch: batch, steps: steps, hidden: h)
        for j in 0..<(batch * h) {
            activations.h.pointer[j] = random.nextFloat(in: -1, 1)
            activations.c.pointer[j] = random.nextFloat(in: -1, 1)
        }
        var hRef = (0..<(batch * h)).map { Double(activations.h.pointer[$0]) }
        var cRef = (0..<(batch * h)).map { Double(activations.c.pointer[$0]) }

        x.withUnsafeBufferPointer { input in
            LSTMLayer.forward(input: input.baseAddress!, weights: layer, activations: activations, batch: batch,
                              steps: steps, unitShares: parts)
        }

        func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        var worst = 0.0
        for t in 0..<steps {
            for b in 0..<batch {
                var pre = [Double](repeating: 0, count: 4 * h)
                for r in 0..<(4 * h) {
                    var sum = Double(layer.biasIH[r]) + Double(layer.biasHH[r])
                    for k in 0..<d { sum += Double(layer.weightIH[r * d + k]) * Double(x[(t * batch + b) * d + k]) }
                    for k in 0..<h { sum += Double(layer.weightHH[r * h + k]) * hRef[b * h + k] }
                    pre[r] = sum
                }
                for j in 0..<h {
                    let (i, f) = (sigmoid(pre[j]), sigmoid(pre[h + j]))
                    let (g, o) = (tanh(pre[2 * h + j]), sigmoid(pre[3 * h + j]))
                    cRef[b * h + j] = f * cRef[b * h + j] + i * g
                    hRef[b * h + j] = o * tanh(cRef[b * h + j])
                }
            }
            // h and c of step t + 1 must wait until every stream's pre-activations used the old h.
            for k in 0..<(batch * h) {
                worst = max(worst, abs(Double(activations.c.pointer[(t + 1) * batch * h + k]) - cRef[k]),
                            abs(Double(activations.h.pointer[(t + 1) * batch * h + k]) - hRef[k]))
            }
        }
        #expect(worst < 1e-5, "largest difference from the reference: \(worst)")
    }

    @Test(arguments: [2, 3])
    func backwardMatchesTheSweepByStreams(parts: Int) {
        let (d, h, batch, steps) = (5, 72, 3, 6)
        var random = RandomSource(seed: UInt64(parts))
        let (layer, storage) = Self.layer(d: d, h: h, random: &random)
        defer { withExtendedLifetime(storage) {} }
        let x = (0..<(steps * batch * d)).map { _ in random.nextFloat(in: -1, 1) }
        let dH = (0..<(steps * batch * h)).map { _ in random.nextFloat(in: -1, 1) }
        let activations = LSTMActivations(batch: batch, steps: steps, hidden: h)
        x.withUnsafeBufferPointer { input in
            LSTMLayer.forward(input: input.baseAddress!, weights: layer, activations: activations, batch: batch,
                              steps: steps, unitShares: 1)
        }
        var results: [[Float]] = []
        for shares in [1, parts] {
            let gradients = FloatBuffer(count: 4 * h * (d + h) + 8 * h)
            let dw = LSTMWeights(gradients, Self.offsets(d: d, h: h), inputSize: d, hidden: h)
            let scratch = LSTMBackwardScratch(batch: batch, steps: steps, hidden: h)
            var dHCopy = dH
            var dInput = [Float](repeating: 0, count: steps * batch * d)
            x.withUnsafeBufferPointer { input in
                dHCopy.withUnsafeMutableBufferPointer { dHBuffer in
                    dInput.withUnsafeMutableBufferPointer { dInputBuffer in
                        LSTMLayer.backward(input: input.baseAddress!, weights: layer, gradients: dw,
                                           activations: activations, scratch: scratch, dH: dHBuffer.baseAddress!,
                                           dInput: dInputBuffer.baseAddress!, batch: batch, steps: steps,
                                           unitShares: shares)
                    }
                }
            }
            results.append((0..<gradients.count).map { gradients.pointer[$0] } + dInput)
        }
        let worst = zip(results[0], results[1]).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
        #expect(worst < 1e-5, "largest difference between the sweeps: \(worst)")
        #expect(results[0].contains { $0 != 0 })
    }
}
