import CharLSTM
import Foundation
import Testing

/// What a Swift program that depends on the `CharLSTM` library does with it, through its public API alone (no
/// `@testable import`): train a tiny model on a text, save it, load it back, prime it and sample from it. The
/// same steps as the documentation's article "Training and sampling from Swift".
@Suite struct TrainSaveLoadSampleTests {
    static let text = String(repeating: """
        The lamp was lit and the tide came in;
        the keeper wrote the hour down.

        """, count: 40)

    @Test func trainSaveLoadAndSample() throws {
        EngineThreads.set(1)
        let corpus = try TextFile(path: "keeper.txt", bytes: Array(Self.text.utf8))
        var options = TrainingOptions()
        options.batch = 4
        options.seq = 16
        options.learningRate = 0.01
        let trainer = try Trainer(corpus: corpus, embedding: 8, hidden: 32, layers: 1, options: options,
                                  goal: .steps(150))
        var firstLoss: Double?
        var lastLoss = 0.0
        while !trainer.isFinished {
            lastLoss = try trainer.step().loss
            if firstLoss == nil { firstLoss = lastLoss }
        }
        // The loss starts near log(vocabulary size) nats and falls well below it on so repetitive a text.
        #expect(lastLoss < (firstLoss ?? 0) / 2, "loss went from \(firstLoss ?? .nan) to \(lastLoss)")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("charlstm-api-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/keeper.safetensors"
        try Checkpoint.write(model: trainer.model, training: trainer.snapshot(), to: path)

        let loaded = try Checkpoint.load(path: path)
        #expect(loaded.training?.progress.step == 150)
        #expect(loaded.model.parameters.array == trainer.model.parameters.array)

        let sampler = Sampler(model: loaded.model)
        let unknown = sampler.prime("The lamp was ".unicodeScalars)
        #expect(unknown.isEmpty)
        // Having read "The lamp was ", the trained model's likeliest next character is the one the text has.
        #expect(sampler.mostLikely(1).first?.character == "l")

        var random = RandomSource(seed: 7)
        var written = ""
        let end = sampler.generate(count: 60, stop: ["\n"], settings: SamplingSettings(temperature: 0.5),
                                   random: &random) { character in
            written.unicodeScalars.append(character)
            return true
        }
        #expect(!written.isEmpty && written.count <= 60)
        #expect(end == .stop ? written.hasSuffix("\n") : written.count == 60)
        // Everything it wrote is made of the corpus's characters.
        #expect(written.unicodeScalars.allSatisfy { corpus.distinctCharacters.contains($0) })
    }
}
