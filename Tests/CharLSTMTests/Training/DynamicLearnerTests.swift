import Foundation
import Testing
@testable import CharLSTM

/// Dynamic evaluation is causal (every character scored before any update has seen it), deterministic, and leaves
/// the trained weights recoverable.
@Suite struct DynamicLearnerTests {
    /// A small model trained for a while on the rhyme, so that adapting it has something to move (the same
    /// weights every time).
    static var trained: CharLSTMModel {
        var options = TrainingOptions()
        options.batch = 2
        options.seq = 20
        options.learningRate = 0.01
        options.validationFraction = 0.2
        let trainer = try! Trainer(corpus: Fixtures.textFile(String(repeating: Fixtures.rhyme, count: 4)), embedding: 8,
                                   hidden: 24, layers: 2, options: options, goal: .steps(60))
        while !trainer.isFinished { try! trainer.step() }
        return trainer.model
    }

    /// A text in the rhyme's characters, unlike the rhyme.
    static let other = "the bell sang to the cat; the door was a minute late and the kettle curled.\n"

    static func statistics(_ model: CharLSTMModel, segment: Int) throws -> GradientStatistics {
        try GradientStatistics.measure(model: model, text: Fixtures.rhyme.unicodeScalars, segment: segment,
                                       describing: "the rhyme")
    }

    /// Each character's surprisal (nats) under static evaluation in chunks of `chunk`.
    func staticSurprisals(_ model: CharLSTMModel, _ text: String, chunk: Int) -> [Double] {
        let workspace = ChunkWorkspace(config: model.config, batch: 1, steps: chunk)
        let rows = UnsafeMutablePointer<Double>.allocate(capacity: chunk)
        defer { rows.deallocate() }
        var nats: [Double] = []
        _ = ChunkedReader(vocabulary: model.vocabulary, workspace: workspace, pairs: true).read(text.unicodeScalars, progress: nil) { n in
            model.forward(workspace, batch: 1, steps: n)
            _ = model.loss(workspace, batch: 1, steps: n, rowLosses: rows)
            workspace.carryState(batch: 1, steps: n)
            nats += (0..<n).map { rows[$0] }
            return true
        }
        return nats
    }

    @Test(arguments: [DynamicEvaluationSettings.Rule.rms, .sgd])
    func theFirstSegmentIsScoredAsStaticEvaluationScoresIt(rule: DynamicEvaluationSettings.Rule) throws {
        let model = Self.trained.copy()
        var settings = DynamicEvaluationSettings.defaults(for: rule)
        settings.segment = 16
        settings.learningRate *= 10
        let learner = try DynamicLearner(model: model, settings: settings,
                                         statistics: try Self.statistics(model, segment: 16))
        var dynamic: [Double] = []
        _ = learner.read(Self.other.unicodeScalars, progress: nil, scored: { _, nats in dynamic.append(nats) })
        let fixed = staticSurprisals(Self.trained, Self.other, chunk: 16)
        #expect(dynamic.count == fixed.count)
        #expect(dynamic.prefix(16).map(\.bitPattern) == fixed.prefix(16).map(\.bitPattern))
        // Later segments are scored by weights that have learned: the figures part.
        #expect(dynamic.dropFirst(16) != fixed.dropFirst(16))
        let result = try DynamicTextEvaluation(model: Self.trained, text: Self.other.unicodeScalars, settings: settings,
                                               statistics: try Self.statistics(Self.trained, segment: 16))
        #expect(result.firstSegmentBitsPerCharacter == fixed.prefix(16).reduce(0, +) / 16 / M_LN2)
    }

    /// On text drawn uniformly from the vocabulary nothing is predictable beyond the letters' frequencies, so no
    /// setting may get below log₂ V by more than noise: learning from a character before scoring it would.
    @Test func noSettingBeatsTheEntropyOfRandomText() throws {
        let model = Self.trained.copy()
        let v = model.vocabulary.count
        var random = RandomSource(seed: 11)
        let text = String(String.UnicodeScalarView((0..<6000).map { _ in
            model.vocabulary.character(Int32(random.next() % UInt64(v)))
        }))
        let entropy = log2(Double(v))
        for rule in DynamicEvaluationSettings.Rule.allCases {
            for segment in [1, 5, 40] {
                for boost: Float in [1, 30] {
                    var settings = DynamicEvaluationSettings.defaults(for: rule)
                    settings.segment = segment
                    settings.learningRate *= boost
                    let statistics = try Self.statistics(model, segment: segment)
                    let result = try DynamicTextEvaluation(model: model, text: text.unicodeScalars, settings: settings,
                                                           statistics: statistics)
                    #expect(result.bitsPerCharacter > entropy - 0.02,
                            "\(rule) segment \(segment) η×\(boost): \(result.bitsPerCharacter) bits < log₂ \(v) = \(entropy)")
                }
            }
        }
    }

    @Test func theSameTextAndSettingsGiveTheSameFigureToTheBit() throws {
        let settings = DynamicEvaluationSettings.defaults(for: .rms)
        func run() throws -> Double {
            try DynamicTextEvaluation(model: Self.trained, text: Self.other.unicodeScalars, settings: settings,
                                      statistics: try Self.statistics(Self.trained, segment: settings.segment)).bitsPerCharacter
        }
        #expect(try run().bitPattern == run().bitPattern)
    }

    @Test func itLearnsAndTheTrainedWeightsComeBack() throws {
        let model = Self.trained.copy()
        let original = model.parameters.array
        var settings = DynamicEvaluationSettings.defaults(for: .sgd)
        settings.segment = 20
        settings.learningRate = 0.5
        let text = String(repeating: Self.other, count: 6)
        let adapted = try DynamicTextEvaluation(model: model, text: text.unicodeScalars, settings: settings, statistics: nil)
        let fixed = TextEvaluation(model: model, text: text.unicodeScalars)
        #expect(adapted.bitsPerCharacter < fixed.bitsPerCharacter - 0.1)
        #expect(model.parameters.array == original, "the evaluation adapts a copy")
        let learner = try DynamicLearner(model: model, settings: settings, statistics: nil)
        _ = learner.read(text.unicodeScalars, progress: nil)
        #expect(learner.hasMoved && learner.relativeChange > 0)
        learner.resetWeights()
        #expect(model.parameters.array.map(\.bitPattern) == original.map(\.bitPattern))
        #expect(learner.relativeChange == 0)
    }

    @Test func theRMSRuleNeedsStatisticsAndSettingsAreChecked() {
        let model = Self.trained.copy()
        #expect(throws: CharLSTMError.self) {
            try DynamicLearner(model: model, settings: .defaults(for: .rms), statistics: nil)
        }
        var settings = DynamicEvaluationSettings.defaults(for: .sgd)
        settings.segment = 0
        #expect(throws: CharLSTMError.self) { try settings.validate() }
        settings = .defaults(for: .sgd)
        settings.decay = 2
        #expect(throws: CharLSTMError.self) { try settings.validate() }
        settings = .defaults(for: .sgd)
        settings.learningRate = .nan
        #expect(throws: CharLSTMError.self) { try settings.validate() }
    }

    @Test(arguments: [false, true])
    func statisticsTravelInACheckpoint(half: Bool) throws {
        let model = Self.trained
        let statistics = try Self.statistics(model, segment: 10)
        let path = Fixtures.temporaryDirectory() + ".safetensors"
        try FileManager.default.createDirectory(atPath: Fixtures.scratch, withIntermediateDirectories: true)
        try Checkpoint.write(model: try model.roundedToHalf(), to: path, half: half, statistics: statistics)
        let loaded = try Checkpoint.load(path: path)
        let stored = try #require(loaded.gradientStatistics)
        #expect(stored.segment == 10 && stored.source == statistics.source)
        #expect(loaded.training == nil, "statistics are not a resume state")
        // One value per matrix row: each row's root mean square.
        let rows = statistics.rowValues(model.layout)
        for (entry, values) in zip(model.layout.entries, rows) {
            let width = entry.count / values.count
            #expect(values.count == entry.shape[0])
            for (row, value) in values.enumerated() {
                let stretch = UnsafeBufferPointer(start: stored.rms.pointer + entry.offset + row * width, count: width)
                #expect(stretch.allSatisfy { $0 == value })
                let original = UnsafeBufferPointer(start: statistics.rms.pointer + entry.offset + row * width, count: width)
                let meanSquare = original.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(width)
                #expect(abs(Double(value) - meanSquare.squareRoot()) <= meanSquare.squareRoot() * 1e-6)
            }
        }
        // Another segment length scales r by √(measured / asked).
        let scaled = stored.forSegment(40)
        #expect(abs(scaled.rms.pointer[0] - stored.rms.pointer[0] * 0.5) <= stored.rms.pointer[0] * 1e-6)
        if case .stored = GradientStatistics.plan(for: loaded) {} else { Issue.record("stored statistics come first") }
    }

    @Test func adamMomentsGiveBiasCorrectedRoots() {
        let v = FloatBuffer(count: 3)
        v.pointer[0] = 0.04
        v.pointer[1] = 0
        v.pointer[2] = 1e-6
        let statistics = GradientStatistics(adamMoments: v, step: 1, beta2: 0.999)
        // After one step v = (1 − β₂)g², so the corrected root is |g|: √(0.04 / 0.001).
        #expect(abs(statistics.rms.pointer[0] - (0.04 / 0.001).squareRoot()) < 1e-4)
        #expect(statistics.rms.pointer[1] == 0)
        #expect(abs(statistics.meanRMS - (statistics.rms.pointer[0] + statistics.rms.pointer[2]) / 3) < 1e-6)
    }
}
