import Foundation
import Testing
@testable import CharLSTM

@Suite struct TrainingTests {
    /// A small model must be able to learn a short text by heart: the training loss falls below 0.1 nats/char.
    @Test func smallModelMemorisesShortText() throws {
        var options = TrainingOptions()
        options.batch = 2
        options.seq = 16
        options.learningRate = 1e-2
        options.schedule = .step
        options.learningRateDecayEvery = 0
        options.validationFraction = 0.2
        let trainer = try Trainer(corpus: Fixtures.textFile(Fixtures.rhyme), embedding: 16, hidden: 64, layers: 1,
                                  options: options, goal: .steps(400))
        var recent: [Double] = []
        while !trainer.isFinished {
            recent.append(try trainer.step().loss)
            if recent.count > trainer.stepsPerEpoch * 5 { recent.removeFirst() }
        }
        let final = recent.reduce(0, +) / Double(recent.count)
        #expect(final < 0.1, "mean loss over the last five epochs: \(final)")
    }

    /// Two recipes: torch-rnn's (step decay, dropout masks per step) and one with every newer setting (cosine with
    /// warm-up to a floor, AdamW, variational dropout on the embedding and the layers).
    static let recipes: [TrainingOptions] = {
        var torchRNN = TrainingOptions()
        torchRNN.schedule = .step
        torchRNN.learningRateDecayEvery = 2
        torchRNN.dropout = 0.2
        torchRNN.dropoutMask = .perStep
        var annealed = TrainingOptions()
        annealed.schedule = .cosine
        annealed.warmupSteps = 30
        annealed.minLearningRate = 1e-4
        annealed.weightDecay = 0.1
        annealed.dropout = 0.2
        annealed.embeddingDropout = 0.1
        annealed.dropoutMask = .perSequence
        return [torchRNN, annealed]
    }()

    /// 100 steps, a checkpoint written to disk and read back, then 100 more steps, give exactly the losses and
    /// weights of 200 uninterrupted steps — with dropout (generator state) and the learning-rate schedule in play
    /// and several epoch boundaries (state resets) crossed.
    @Test(arguments: [(RecurrentCell.lstm, recipes[0]), (.lstm, recipes[1]), (.gru, recipes[1]), (.rnn, recipes[1])])
    func resumingFromCheckpointReproducesAnUninterruptedRun(cell: RecurrentCell, recipe: TrainingOptions) throws {
        let corpus = Fixtures.textFile(String(repeating: Fixtures.rhyme, count: 3))
        var options = recipe
        options.batch = 4
        options.seq = 8
        options.seed = 42
        func fresh() throws -> Trainer {
            try Trainer(corpus: corpus, embedding: 8, hidden: 16, layers: 2, cell: cell, options: options,
                        goal: .steps(200))
        }
        let straight = try fresh()
        var straightLosses: [Double] = []
        for _ in 0..<200 { straightLosses.append(try straight.step().loss) }

        let first = try fresh()
        var resumedLosses: [Double] = []
        for _ in 0..<100 { resumedLosses.append(try first.step().loss) }
        #expect(first.progress.epoch >= 2, "the test should cross epoch boundaries")
        let directory = Fixtures.temporaryDirectory()
        try RunFolder.prepare(directory)
        let path = directory + "/latest.safetensors"
        try Checkpoint.write(model: first.model, training: first.snapshot(), to: path)
        let second = try Trainer(resuming: Checkpoint.load(path: path), corpus: corpus)
        #expect(second.progress == first.progress)
        for _ in 0..<100 { resumedLosses.append(try second.step().loss) }

        let firstDifference = resumedLosses.indices.first { resumedLosses[$0] != straightLosses[$0] }
        #expect(resumedLosses.count == straightLosses.count && firstDifference == nil, "losses differ from step \((firstDifference ?? 0) + 1)")
        let sameWeights = second.model.parameters.array == straight.model.parameters.array
        #expect(sameWeights, "weights after 100 + 100 steps differ from 200 straight steps")
    }

    @Test func checkpointRoundTripKeepsEverything() throws {
        var options = TrainingOptions()
        options.batch = 3
        options.seq = 5
        options.learningRate = 3e-3
        options.dropout = 0.1
        let trainer = try Trainer(corpus: Fixtures.textFile(Fixtures.rhyme), embedding: 5, hidden: 6, layers: 3,
                                  options: options, goal: .epochs(4))
        for _ in 0..<7 { try trainer.step() }
        trainer.evaluate()
        let bytes = Checkpoint.encode(model: trainer.model, training: trainer.snapshot())
        let loaded = try Checkpoint.load(path: "memory", bytes: bytes)
        #expect(loaded.model.config == trainer.model.config)
        #expect(loaded.model.vocabulary == trainer.model.vocabulary)
        #expect(loaded.model.parameters.array == trainer.model.parameters.array)
        let saved = try #require(loaded.training)
        let original = trainer.snapshot()
        #expect(saved.options == original.options)
        #expect(saved.goal == original.goal)
        #expect(saved.progress == original.progress)
        #expect(saved.corpus == original.corpus)
        let state = try #require(saved.resumeState), originalState = try #require(original.resumeState)
        #expect(state.adamM.array == originalState.adamM.array)
        #expect(state.adamV.array == originalState.adamV.array)
        #expect(state.stateH == originalState.stateH)
        #expect(state.stateC == originalState.stateC)
        // Writing is deterministic: the same state gives the same bytes.
        #expect(Checkpoint.encode(model: loaded.model, training: saved) == bytes)
    }

    @Test func exportKeepsTheRecordButNotTheResumeState() throws {
        var options = TrainingOptions()
        options.batch = 3
        options.seq = 5
        let trainer = try Trainer(corpus: Fixtures.textFile(Fixtures.rhyme), embedding: 5, hidden: 6, layers: 1,
                                  options: options, goal: .steps(4))
        for _ in 0..<4 { try trainer.step() }
        trainer.evaluate()
        let full = Checkpoint.encode(model: trainer.model, training: trainer.snapshot())
        let exported = Checkpoint.encode(model: trainer.model, training: trainer.snapshot().withoutResumeState)
        #expect(exported.count * 2 < full.count)
        let loaded = try Checkpoint.load(path: "exported", bytes: exported)
        #expect(loaded.training?.progress == trainer.progress)
        #expect(loaded.training?.resumeState == nil)
        #expect(loaded.model.parameters.array == trainer.model.parameters.array)
        #expect(throws: CharLSTMError.self) { try Trainer(resuming: loaded, corpus: Fixtures.textFile(Fixtures.rhyme)) }
    }

    @Test func weightsOnlyCheckpointLoadsWithoutTrainingState() throws {
        let model = Fixtures.model(text: Fixtures.rhyme)
        let loaded = try Checkpoint.load(path: "memory", bytes: Checkpoint.encode(model: model, training: nil))
        #expect(loaded.training == nil)
        #expect(loaded.model.parameters.array == model.parameters.array)
    }

    @Test func divergenceStopsBeforeTheWeightsChange() throws {
        var options = TrainingOptions()
        options.batch = 2
        options.seq = 8
        let trainer = try Trainer(corpus: Fixtures.textFile(Fixtures.rhyme), embedding: 4, hidden: 8, layers: 1,
                                  options: options, goal: .steps(10))
        trainer.model.parameters.pointer[trainer.model.layout.headBias] = .nan
        let before = trainer.model.parameters.array
        #expect(throws: CharLSTMError.self) { try trainer.step() }
        #expect(trainer.progress.step == 0)
        #expect(trainer.model.parameters.array.elementsEqual(before) { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }

    /// Adam's update shared out among threads equals the update on one thread, bit for bit.
    @Test func adamGivesTheSameUpdateInBlocks() {
        let count = 5_000  // not a multiple of the 1,024-value blocks
        var random = RandomSource(seed: 11)
        let (gradients, start) = (FloatBuffer(count: count), FloatBuffer(count: count))
        for j in 0..<count {
            gradients.pointer[j] = random.nextFloat(in: -1, 1)
            start.pointer[j] = random.nextFloat(in: -1, 1)
        }
        var results: [[Float]] = []
        for parts in [1, 3] {
            let parameters = FloatBuffer(count: count)
            parameters.pointer.update(from: start.pointer, count: count)
            let adam = Adam(count: count, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
            for step in 1...3 {
                adam.update(parameters: parameters, gradients: gradients, learningRate: 0.01, step: step, parts: parts)
            }
            results.append((0..<count).map { parameters.pointer[$0] } + (0..<count).map { adam.v.pointer[$0] })
        }
        #expect(results[0] == results[1])
        #expect(results[0][0] != start.pointer[0])
    }

    @Test func stepScheduleDecaysEveryNEpochs() {
        var options = TrainingOptions()
        options.schedule = .step
        options.learningRate = 0.008
        options.learningRateDecay = 0.5
        options.learningRateDecayEvery = 3
        let rate = { (epoch: Int) in options.schedule.rate(step: 1000, epoch: epoch, horizon: 10, options: options) }
        #expect(rate(0) == 0.008)
        #expect(rate(2) == 0.008)
        #expect(rate(3) == 0.004)
        #expect(rate(7) == 0.002)
    }

    /// Warm-up rises linearly to the peak; cosine and linear then fall to the floor exactly at the horizon and stay.
    @Test func cosineAndLinearAnnealFromWarmUpToTheHorizon() {
        var options = TrainingOptions()
        options.learningRate = 0.01
        options.minLearningRate = 0.001
        options.warmupSteps = 10
        for schedule in [LearningRateSchedule.cosine, .linear] {
            let rate = { (step: Int, horizon: Int?) in schedule.rate(step: step, epoch: 0, horizon: horizon, options: options) }
            #expect(abs(rate(0, 110) - 0.001) < 1e-9)
            #expect(abs(rate(4, 110) - 0.005) < 1e-9)
            #expect(rate(9, 110) == 0.01)
            #expect(rate(10, 110) == 0.01)
            #expect(abs(rate(60, 110) - 0.0055) < 1e-7)
            #expect(abs(rate(110, 110) - 0.001) < 1e-9)
            #expect(abs(rate(500, 110) - 0.001) < 1e-9)
            #expect(rate(60, nil) == 0.01, "no horizon yet: the peak")
        }
        let cosineAtQuarter = LearningRateSchedule.cosine.rate(step: 35, epoch: 0, horizon: 110, options: options)
        let linearAtQuarter = LearningRateSchedule.linear.rate(step: 35, epoch: 0, horizon: 110, options: options)
        let cosineExpected: Float = 0.001 + 0.009 * 0.853553   // ½(1 + cos π/4)
        let linearExpected: Float = 0.001 + 0.009 * 0.75
        #expect(abs(cosineAtQuarter - cosineExpected) < 1e-7)
        #expect(abs(linearAtQuarter - linearExpected) < 1e-7)
    }

    /// Extending a finished cosine run: the schedule spans the whole run up to its goal, so a larger goal
    /// stretches it, and the next step's rate is the longer schedule's rate at that step — back up from the
    /// minimum the shorter run ended at.
    @Test func extendingACosineRunStretchesItsSchedule() throws {
        var options = TrainingOptions()
        options.batch = 2
        options.seq = 8
        options.warmupSteps = 4
        options.minLearningRate = 1e-4
        let corpus = Fixtures.textFile(Fixtures.rhyme)
        let first = try Trainer(corpus: corpus, embedding: 4, hidden: 4, layers: 1, options: options, goal: .steps(20))
        while !first.isFinished { _ = try first.step() }
        let directory = Fixtures.temporaryDirectory()
        try RunFolder.prepare(directory)
        try Checkpoint.write(model: first.model, training: first.snapshot(), to: directory + "/latest.safetensors")
        let extended = try Trainer(resuming: Checkpoint.load(path: directory + "/latest.safetensors"), corpus: corpus,
                                   goal: .steps(36))
        // p = (20 − 4) / (36 − 4) = ½: lr_min + (lr − lr_min) · ½(1 + cos(π/2)), the midpoint.
        let midpoint = options.minLearningRate + (options.learningRate - options.minLearningRate) / 2
        #expect(abs(extended.learningRate - midpoint) < 1e-9, "\(extended.learningRate) against \(midpoint)")
        #expect(extended.learningRate > first.learningRate)
        while !extended.isFinished { _ = try extended.step() }
        #expect(extended.learningRate == options.minLearningRate)
    }

    /// A time-limited session's expected end becomes the horizon when it comes before the goal.
    @Test func theScheduleAnnealsToTheEarlierOfGoalAndDeadline() throws {
        var options = TrainingOptions()
        options.batch = 2
        options.seq = 8
        let trainer = try Trainer(corpus: Fixtures.textFile(Fixtures.rhyme), embedding: 4, hidden: 4, layers: 1,
                                  options: options, goal: .steps(1000))
        #expect(trainer.scheduleHorizon == 1000)
        trainer.expectEnd(atStep: 300)
        #expect(trainer.scheduleHorizon == 300)
        trainer.expectEnd(atStep: 5000)
        #expect(trainer.scheduleHorizon == 1000)
        trainer.goal = .openEnded
        #expect(trainer.scheduleHorizon == 5000)
        trainer.expectEnd(atStep: nil)
        #expect(trainer.scheduleHorizon == nil)
        #expect(trainer.learningRate == TrainingOptions().learningRate)
    }

    /// AdamW with a zero gradient: the decayed ranges shrink by exactly 1 − lr·λ, everything else stays.
    @Test func weightDecayShrinksOnlyTheDecayedRanges() {
        let parameters = FloatBuffer(count: 64), gradients = FloatBuffer(count: 64)
        for j in 0..<64 { parameters.pointer[j] = Float(j) - 20 }
        let adam = Adam(count: 64, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.5, decayed: [8..<24, 40..<48])
        adam.update(parameters: parameters, gradients: gradients, learningRate: 0.1, step: 1)
        for j in 0..<64 {
            let start = Float(j) - 20
            let decayed = (8..<24).contains(j) || (40..<48).contains(j)
            #expect(parameters.pointer[j] == (decayed ? start * (1 - 0.1 * 0.5) : start), "parameter \(j)")
        }
    }

    /// Variational dropout: within a chunk, a unit of a stream is dropped at every step or at none.
    @Test func sequenceMasksDropTheSameUnitsAtEveryStep() {
        let model = Fixtures.model(text: "abcdefg", embedding: 6, hidden: 32, layers: 2)
        let (batch, steps) = (3, 7)
        let workspace = TrainingWorkspace(config: model.config, batch: batch, steps: steps,
                                       dropout: DropoutSettings(embedding: 0.5, layers: 0.5, mask: .perSequence))
        for r in 0..<(batch * steps) { workspace.inputs[r] = Int32(r % 7) }
        var random = RandomSource(seed: 3)
        model.forward(workspace, batch: batch, steps: steps, random: &random)
        var dropped = 0
        for (output, width) in [(workspace.embeddingDropout!.output, 6), (workspace.dropoutOutputs[0], 32)] {
            for b in 0..<batch {
                for j in 0..<width {
                    let zeros = (0..<steps).filter { output.pointer[($0 * batch + b) * width + j] == 0 }.count
                    #expect(zeros == 0 || zeros == steps, "stream \(b) unit \(j): zero at \(zeros) of \(steps) steps")
                    if zeros == steps { dropped += 1 }
                }
            }
        }
        #expect(dropped > 20, "about half of 114 units should be dropped, got \(dropped)")
    }
}

/// How a checkpoint stores a run's goal: `{"open_ended": true}` for a run only a time limit ends, and the step
/// count earlier files wrote for it still read as open-ended.
@Suite struct TrainingGoalEncodingTests {
    func decode(_ json: String) throws -> TrainingGoal { try JSONDecoder().decode(TrainingGoal.self, from: Data(json.utf8)) }
    func encode(_ goal: TrainingGoal) throws -> String { String(decoding: try JSONEncoder().encode(goal), as: UTF8.self) }

    @Test func everyGoalRoundTrips() throws {
        #expect(try encode(.openEnded) == #"{"open_ended":true}"#)
        #expect(try encode(.steps(40)) == #"{"steps":40}"#)
        #expect(try encode(.epochs(3)) == #"{"epochs":3}"#)
        for goal in [TrainingGoal.openEnded, .steps(40), .epochs(3)] { #expect(try decode(encode(goal)) == goal) }
        #expect(try decode(#"{"steps":4611686018427387903}"#) == .openEnded)
        #expect(TrainingGoal.openEnded.totalSteps(stepsPerEpoch: 7) > 1 << 60)
    }
}
