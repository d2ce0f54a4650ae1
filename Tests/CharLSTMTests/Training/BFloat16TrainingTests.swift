import Foundation
import Testing
@testable import CharLSTM

/// Training with bf16 products: the gradients of float32 within bfloat16's rounding, and runs as deterministic
/// and as exactly resumable as float32 ones.
@Suite(.enabled(if: BFloat16GEMM.kernel != nil, "this CPU has no bfloat16 dot products (AVX512_BF16 or AMX-BF16); bf16 training is refused here"))
struct BFloat16TrainingTests {
    /// One chunk's gradients both ways, for each cell: bfloat16 keeps 8 significant bits, so each product's terms
    /// are off by up to 2⁻⁸ relative, and the gradient as a whole stays within a few tenths of a percent.
    @Test(arguments: RecurrentCell.allCases)
    func gradientsAreFloat32sWithinRounding(cell: RecurrentCell) throws {
        let text = String(repeating: Fixtures.rhyme, count: 2)
        let model = Fixtures.model(text: text, embedding: 24, hidden: 48, layers: 2, cell: cell)
        let ids = text.unicodeScalars.map { Int32(model.vocabulary.id(of: $0)!) }
        let (batch, steps) = (4, 16)
        func gradients(_ precision: ProductPrecision) -> (loss: Double, gradients: [Float]) {
            let workspace = TrainingWorkspace(config: model.config, batch: batch, steps: steps,
                                              dropout: DropoutSettings(embedding: 0, layers: 0.2, mask: .perSequence),
                                              precision: precision)
            for t in 0..<steps {
                for b in 0..<batch {
                    workspace.inputs[t * batch + b] = ids[b * 40 + t]
                    workspace.targets[t * batch + b] = ids[b * 40 + t + 1]
                }
            }
            var random = RandomSource(seed: 9)
            model.forward(workspace, batch: batch, steps: steps, random: &random)
            let loss = model.loss(workspace, batch: batch, steps: steps)
            let result = FloatBuffer(count: model.layout.bufferCount)
            model.backward(workspace, batch: batch, steps: steps, scale: 1, gradients: result)
            return (loss, result.array)
        }
        let (float, brain) = (gradients(.fp32), gradients(.bf16))
        #expect(abs(brain.loss - float.loss) / float.loss < 1e-3, "loss \(brain.loss) against \(float.loss)")
        var difference = 0.0, norm = 0.0
        for (x, y) in zip(brain.gradients, float.gradients) {
            difference += Double(x - y) * Double(x - y)
            norm += Double(y) * Double(y)
        }
        let relative = (difference / norm).squareRoot()
        #expect(relative > 0 && relative < 0.01, "gradients \(relative) apart (relative 2-norm)")
    }

    /// A bf16 product's elements do not depend on which columns it is asked for, so sharing a sweep out by units
    /// (whole panels of the packed weights, or — where a share starts inside a panel, as 24 of 40 units does —
    /// the weights packed by the product) gives the bits of the sweep by streams, forward and backward.
    @Test(arguments: RecurrentCell.allCases, [2, 3])
    func sweepsByUnitsAreTheSweepByStreams(cell: RecurrentCell, parts: Int) {
        let (d, h, batch, steps) = (5, 40, 3, 6)
        var random = RandomSource(seed: UInt64(parts))
        var (layer, storage) = RecurrentSweepTests.layer(cell, d: d, h: h, random: &random)
        let rows = cell.gateCount * h
        let packed = BFloat16Weights.Layer(inputWeights: .init(offset: 0, rows: rows, columns: d),
                                           recurrentWeights: .init(offset: rows * d, rows: rows, columns: h))
        packed.inputWeights.pack(from: storage)
        packed.recurrentWeights.pack(from: storage)
        layer.bfloat16 = packed
        let x = (0..<(steps * batch * d)).map { _ in random.nextFloat(in: -1, 1) }
        let dH = (0..<(steps * batch * h)).map { _ in random.nextFloat(in: -1, 1) }
        let results = [1, parts].map { shares in
            let activations = LayerActivations(cell: cell, batch: batch, steps: steps, hidden: h)
            x.withUnsafeBufferPointer { input in
                RecurrentLayer.forward(input: input.baseAddress!, weights: layer, activations: activations, batch: batch,
                                       steps: steps, unitShares: shares)
            }
            return activations.h.array
                + RecurrentSweepTests.backward(layer, parameters: storage.count, x: x, dH: dH, activations: activations,
                                               batch: batch, steps: steps, unitShares: shares)
        }
        withExtendedLifetime(storage) {}
        #expect(results[0] == results[1], "\(cell), \(parts) shares: the sweeps differ")
        #expect(results[0].contains { $0 != 0 })
    }

    /// 30 steps, a checkpoint, 30 more give the losses and weights of 60 straight bf16 steps; the checkpoint says
    /// bf16; and the same run resumed in fp32 goes on from the same weights, recording fp32.
    @Test func bf16RunsResumeToTheBit() throws {
        let corpus = Fixtures.textFile(String(repeating: Fixtures.rhyme, count: 3))
        var options = TrainingOptions()
        (options.batch, options.seq, options.dropout, options.precision) = (4, 8, 0.1, .bf16)
        func fresh() throws -> Trainer {
            try Trainer(corpus: corpus, embedding: 8, hidden: 32, layers: 2, options: options, goal: .steps(60))
        }
        let straight = try fresh()
        let straightLosses = try (0..<60).map { _ in try straight.step().loss }
        let first = try fresh()
        var losses = try (0..<30).map { _ in try first.step().loss }
        let bytes = Checkpoint.encode(model: first.model, training: first.snapshot())
        let saved = try Checkpoint.load(path: "memory", bytes: bytes)
        #expect(saved.training?.options.precision == .bf16)
        let second = try Trainer(resuming: saved, corpus: corpus)
        #expect(second.options.precision == .bf16)
        losses += try (0..<30).map { _ in try second.step().loss }
        #expect(losses == straightLosses)
        #expect(second.model.parameters.array == straight.model.parameters.array)

        // (A fresh load: the trainer above trained the loaded model on.)
        let inFloat = try Trainer(resuming: Checkpoint.load(path: "memory", bytes: bytes), corpus: corpus, precision: .fp32)
        #expect(inFloat.options.precision == .fp32 && inFloat.model.parameters.array == first.model.parameters.array)
        let step = try inFloat.step().loss
        #expect(step != straightLosses[30] && abs(step - straightLosses[30]) < 0.01 * straightLosses[30])
        #expect(inFloat.snapshot().options.precision == .fp32)
    }

    /// `auto` settles on one of the two and says what it measured.
    @Test func autoSaysWhatItMeasured() throws {
        let config = ModelConfig(vocabularySize: 65, embedding: 16, hidden: 64, layers: 2, cell: .lstm)
        let decision = try ProductPrecision.decide(.auto, config: config, batch: 8)
        #expect(decision.reason.contains("µs in bf16") && decision.reason.contains("µs in fp32"))
        #expect(try ProductPrecision.decide(.bf16, config: config, batch: 8).precision == .bf16)
    }
}

/// What holds on every machine.
@Suite struct ProductPrecisionTests {
    /// A checkpoint written before precision was recorded is an fp32 run.
    @Test func optionsWithoutAPrecisionAreFloat32() throws {
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(TrainingOptions())) as! [String: Any]
        #expect(json["precision"] as? String == "fp32")
        json["precision"] = nil
        let decoded = try JSONDecoder().decode(TrainingOptions.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(decoded.precision == .fp32)
    }

    /// fp32 is always there; bf16 exactly where a kernel is, and refused in words elsewhere.
    @Test func bf16IsOfferedExactlyWhereAKernelIs() throws {
        let config = ModelConfig(vocabularySize: 65, embedding: 16, hidden: 64, layers: 2, cell: .lstm)
        #expect(try ProductPrecision.decide(.fp32, config: config, batch: 8).precision == .fp32)
        #expect(ProductPrecision.bf16.isAvailable == (BFloat16GEMM.kernel != nil))
        if BFloat16GEMM.kernel == nil {
            #expect(throws: CharLSTMError.self) { try ProductPrecision.decide(.bf16, config: config, batch: 8) }
            #expect(try ProductPrecision.decide(.auto, config: config, batch: 8).precision == .fp32)
        }
    }
}
