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
