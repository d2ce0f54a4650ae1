import Testing
@testable import CharLSTM

/// The hand-written backward pass against central finite differences of the loss, for every parameter of a
/// small two-layer model of each cell, with a non-zero carried-in state so the h₀ (and c₀) paths are exercised too —
/// without dropout, and with dropout on the embedding and every layer, masks drawn per step or per sequence (the same
/// seed for every evaluation, so each finite difference sees the same masks).
@Suite struct GradientCheckTests {
    @Test(arguments: RecurrentCell.allCases,
          [DropoutSettings.none, DropoutSettings(embedding: 0.3, layers: 0.3, mask: .perStep),
           DropoutSettings(embedding: 0.3, layers: 0.3, mask: .perSequence)])
    func wholeModelGradientsMatchFiniteDifferences(cell: RecurrentCell, dropout: DropoutSettings) {
        let text = "abcab cab"
        let model = Fixtures.model(text: text, embedding: 3, hidden: 4, layers: 2, cell: cell)
        let (batch, steps) = (2, 3)
        let workspace = TrainingWorkspace(config: model.config, batch: batch, steps: steps,
                                       dropout: dropout)
        var random = RandomSource(seed: 11)
        let v = model.config.vocabularySize
        for r in 0..<(batch * steps) {
            workspace.inputs[r] = Int32(random.next() % UInt64(v))
            workspace.targets[r] = Int32(random.next() % UInt64(v))
        }
        let stateCount = model.config.layers * batch * model.config.hidden
        let initialH = (0..<stateCount).map { _ in random.nextFloat(in: -0.5, 0.5) }
        let initialC = cell.hasCellState ? (0..<stateCount).map { _ in random.nextFloat(in: -1, 1) } : []

        func loss() -> Double {
            workspace.setState(h: initialH, c: initialC)
            var masks = RandomSource(seed: 5)
            model.forward(workspace, batch: batch, steps: steps, random: &masks)
            return model.loss(workspace, batch: batch, steps: steps)
        }
        let gradients = FloatBuffer(count: model.layout.bufferCount)
        _ = loss()
        model.backward(workspace, batch: batch, steps: steps, scale: 1, gradients: gradients)

        let epsilon: Float = 1e-2
        var checked = 0
        var worst = (name: "", index: 0, analytic: Float(0), numeric: Float(0))
        var worstError: Float = 0
        var differenceSquared = 0.0, normsSquared = (analytic: 0.0, numeric: 0.0)
        for entry in model.layout.entries {
            for j in 0..<entry.count {
                let p = model.parameters.pointer + entry.offset + j
                let saved = p.pointee
                p.pointee = saved + epsilon
                let plus = loss()
                p.pointee = saved - epsilon
                let minus = loss()
                p.pointee = saved
                let numeric = Float((plus - minus) / Double(2 * epsilon))
                let analytic = gradients.pointer[entry.offset + j]
                differenceSquared += Double((analytic - numeric) * (analytic - numeric))
                normsSquared.analytic += Double(analytic * analytic)
                normsSquared.numeric += Double(numeric * numeric)
                let error = abs(analytic - numeric) / (1e-3 + 1e-2 * abs(numeric))
                if error > worstError { worstError = error; worst = (entry.name, j, analytic, numeric) }
                checked += 1
            }
        }
        // ‖a − n‖ / (‖a‖ + ‖n‖): the standard summary of a gradient check.
        let relative = differenceSquared.squareRoot() / (normsSquared.analytic.squareRoot() + normsSquared.numeric.squareRoot())
        print("gradient check (\(cell)): relative error \(relative), worst element \(worst) scaled error \(worstError)")
        #expect(checked == model.parameterCount)
        #expect(relative < 2e-4)
        #expect(worstError <= 0.25, "worst: \(worst.name)[\(worst.index)] analytic \(worst.analytic) numeric \(worst.numeric)")
    }
}
