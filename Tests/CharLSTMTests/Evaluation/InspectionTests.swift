import Foundation
import Testing
@testable import CharLSTM

@Suite struct InspectionTests {
    let model = Fixtures.model(text: Fixtures.rhyme, embedding: 5, hidden: 7, layers: 2, seed: 4)
    let text = String(repeating: Fixtures.rhyme, count: 2) + " ~unknown~ tail"

    /// The mean surprisal is eval's bits per character, exactly; per-character surprisals add up to it too.
    @Test func meanSurprisalIsEvalsBitsPerCharacter() {
        let evaluation = TextEvaluation(model: model, text: text.unicodeScalars, chunk: 16)
        var surprisals: [Double] = []
        var visited = 0
        let summary = InspectionPass(model: model, chunk: 16).run(text.unicodeScalars) { step in
            if let surprisal = step.surprisal { surprisals.append(surprisal) }
            #expect(step.index == visited)
            visited += 1
            return true
        }
        #expect(summary.bitsPerCharacter == evaluation.bitsPerCharacter)
        #expect(summary.unknown == evaluation.unknown)
        #expect(surprisals.count == evaluation.predicted)
        #expect(summary.characters == evaluation.predicted + 1, "every character, the last included, is visited")
        #expect(abs(surprisals.reduce(0, +) / Double(surprisals.count) - evaluation.bitsPerCharacter) < 1e-12)
    }

    /// Every gate and state the pass reports equals an LSTM step computed in Double from the weights.
    @Test func recordedGatesAndStatesMatchADoublePrecisionReference() {
        let c = model.config
        let w = model.parameters.pointer
        var h = [[Double]](repeating: [Double](repeating: 0, count: c.hidden), count: c.layers)
        var cell = h
        func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        var checked = 0
        _ = InspectionPass(model: model, chunk: 8).run("Jack and Jill went up".unicodeScalars) { step in
            var x = (0..<c.embedding).map { Double(w[model.layout.embedding + Int(model.vocabulary.id(of: step.character)!) * c.embedding + $0]) }
            for k in 0..<c.layers {
                let o = model.layout.layers[k]
                let d = c.inputSize(ofLayer: k), n = c.hidden
                var pre = [Double](repeating: 0, count: 4 * n)
                for r in 0..<(4 * n) {
                    var sum = Double(w[o.biasIH + r]) + Double(w[o.biasHH + r])
                    for j in 0..<d { sum += Double(w[o.weightIH + r * d + j]) * x[j] }
                    for j in 0..<n { sum += Double(w[o.weightHH + r * n + j]) * h[k][j] }
                    pre[r] = sum
                }
                for u in 0..<n {
                    let (i, f, g, out) = (sigmoid(pre[u]), sigmoid(pre[n + u]), tanh(pre[2 * n + u]), sigmoid(pre[3 * n + u]))
                    cell[k][u] = f * cell[k][u] + i * g
                    h[k][u] = out * tanh(cell[k][u])
                    let expected: [InspectedQuantity: Double] = [.i: i, .f: f, .g: g, .o: out, .c: cell[k][u], .h: h[k][u]]
                    for (quantity, value) in expected {
                        #expect(abs(Double(step.values(quantity, layer: k)[u]) - value) < 1e-5,
                                "\(quantity) layer \(k) unit \(u) at \(step.index)")
                    }
                }
                x = h[k]
            }
            checked += 1
            return true
        }
        #expect(checked == "Jack and Jill went up".unicodeScalars.filter { model.vocabulary.id(of: $0) != nil }.count)
    }

    /// A visitor that says stop ends the pass there.
    @Test func theVisitorCanStopThePass() {
        var seen = 0
        let summary = InspectionPass(model: model, chunk: 4).run(text.unicodeScalars) { _ in
            seen += 1
            return seen < 10
        }
        #expect(seen == 10 && !summary.isComplete)
    }
}
