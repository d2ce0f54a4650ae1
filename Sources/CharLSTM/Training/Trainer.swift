import Foundation

/// A training run over one corpus: the model, the optimiser, the data cursor and the carried state, and the two
/// operations a training loop needs — one optimiser ``step()`` and a validation pass, ``evaluate()``.
///
/// The corpus holds out `validationFraction` of its characters (``Corpus/split(validationFraction:vocabulary:)``:
/// the end of one file, or whole files of many); the rest trains. Training text is served by a ``StreamBatcher`` with `batch` streams; `h`/`c` carry from chunk to chunk and reset at each epoch. The
/// held-out text is cut into validation streams the same way, and each validation reads the same first
/// ``validationChunks`` chunks of them: a fixed sample of at most ``TrainingOptions/validationSampleCharacters``,
/// in windows spread evenly over the held-out text, or all of it when it is no longer.
public final class Trainer {
    /// The model being trained; its weights change with every step.
    public let model: CharLSTMModel
    /// The run's settings, fixed for its whole length.
    public let options: TrainingOptions
    /// When the run ends; can be changed between steps (for example when resuming with a new target).
    public var goal: TrainingGoal
    /// Where the run is: step, epoch, data position, generator, best validation.
    public private(set) var progress: TrainingProgress
    /// The text the run trains on, as recorded in its checkpoints.
    public let corpus: CorpusRecord

    /// The corpus itself, whose files are watched for changes while the run reads them.
    public let corpusText: Corpus
    /// The training and held-out text.
    let split: Corpus.Split
    let batcher: StreamBatcher
    let validation: StreamBatcher
    /// For a new run whose vocabulary was capped: the share of the corpus's characters it holds (the rest are
    /// read as the unknown symbol).
    public private(set) var vocabularyCoverage: Double?
    /// Chunks of ``validation`` each validation reads, from the start of every stream.
    public let validationChunks: Int
    let workspace: TrainingWorkspace
    let validationWorkspace: ChunkWorkspace
    let gradients: FloatBuffer
    let optimizer: Adam

    /// A new run on the text file `corpus` with a freshly initialised model.
    public convenience init(corpus: TextFile, embedding: Int, hidden: Int, layers: Int,
                            cell: RecurrentCell = ModelConfig.defaults.cell, options: TrainingOptions, goal: TrainingGoal) throws {
        try self.init(corpus: Corpus(corpus), embedding: embedding, hidden: hidden, layers: layers, cell: cell,
                      options: options, goal: goal)
    }

    /// A new run on `corpus` with a freshly initialised model.
    public convenience init(corpus: Corpus, embedding: Int, hidden: Int, layers: Int,
                            cell: RecurrentCell = ModelConfig.defaults.cell, options: TrainingOptions, goal: TrainingGoal) throws {
        try options.validate()
        var random = RandomSource(seed: options.seed)
        var vocabulary = Vocabulary(of: corpus.distinctCharacters)
        var coverage: Double?
        if let limit = options.maxVocabulary, corpus.distinctCharacters.count > limit {
            let counts = corpus.characterCounts()
            vocabulary = Vocabulary.capped(counts: counts, keeping: limit)
            let covered = counts.filter { vocabulary.id(of: $0.key) != nil && $0.key != Vocabulary.unknownCharacter }
            coverage = Double(covered.values.reduce(0, +)) / Double(max(1, corpus.characterCount))
        }
        let model = try CharLSTMModel(vocabulary: vocabulary, embedding: embedding,
                                      hidden: hidden, layers: layers, cell: cell, random: &random)
        try self.init(model: model, corpus: corpus, options: options, goal: goal, progress: TrainingProgress(random: random))
        vocabularyCoverage = coverage
    }

    /// A new run on `corpus` starting from `model`'s weights (fine-tuning). The corpus may use only characters the
    /// model knows.
    public convenience init(corpus: Corpus, startingFrom model: CharLSTMModel, options: TrainingOptions,
                            goal: TrainingGoal) throws {
        try options.validate()
        try self.init(model: model.copy(), corpus: corpus, options: options, goal: goal,
                      progress: TrainingProgress(random: RandomSource(seed: options.seed)))
    }

    /// Continues the run `saved` (from a ``snapshot()``, with its resume state) of `model` on the same corpus;
    /// `goal` replaces the saved one when given, and `precision` the precision of its products (resuming in the
    /// one it was trained in continues it to the bit; in another, it goes on from the same weights and moments).
    public convenience init(resuming saved: TrainingSnapshot, model: CharLSTMModel, corpus: Corpus,
                            goal: TrainingGoal? = nil, precision: ProductPrecision? = nil) throws {
        guard let state = saved.resumeState else {
            throw CharLSTMError.invalidTrainingState("the record holds no optimiser moments or carried state (an export); use \(Setting.initialWeights) to start a new run from its weights")
        }
        if let difference = saved.corpus.difference(from: corpus) {
            throw CharLSTMError.trainingFailed("\(corpus.displayName): the corpus changed since the checkpoint was written (\(difference)); resuming needs the same text — use \(Setting.initialWeights) to train on a new one")
        }
        var options = saved.options
        options.precision = precision ?? options.precision
        try self.init(model: model, corpus: corpus, options: options, goal: goal ?? saved.goal,
                      progress: saved.progress)
        guard progress.cursor < batcher.chunksPerPass else {
            throw CharLSTMError.invalidTrainingState("data cursor \(progress.cursor) is past the end of an epoch (\(batcher.chunksPerPass) chunks)")
        }
        optimizer.m.pointer.update(from: state.adamM.pointer, count: optimizer.m.count)
        optimizer.v.pointer.update(from: state.adamV.pointer, count: optimizer.v.count)
        workspace.setState(h: state.stateH, c: state.stateC)
    }

    private init(model: CharLSTMModel, corpus: Corpus, options: TrainingOptions, goal: TrainingGoal,
                 progress: TrainingProgress) throws {
        try options.validate()
        // Not part of validate(): a checkpoint of a bf16 run is sound on any machine, only not trainable in bf16.
        if options.precision == .bf16, let why = ProductPrecision.bf16Unavailability {
            throw CharLSTMError.invalidSetting("\(Setting.precision) bf16: \(why)")
        }
        let name = corpus.displayName
        try corpus.checkCovered(by: model.vocabulary)
        split = corpus.split(validationFraction: options.validationFraction, vocabulary: model.vocabulary)
        batcher = try StreamBatcher(source: split.training, streams: options.batch, steps: options.seq,
                                    path: name, describe: split.trainingDescription)
        validation = try split.validationStreams(batch: options.batch, seq: options.seq, path: name)
        let validationStreams = validation.streams
        validationChunks = min(validation.chunksPerPass,
                               max(1, options.validationSampleCharacters / (validationStreams * options.seq)))
        var options = options
        options.validationCharacters = options.validationSampleCharacters  // recorded, so resumes read the same
        self.model = model
        corpusText = corpus
        self.options = options
        self.goal = goal
        self.progress = progress
        self.corpus = CorpusRecord(corpus)
        workspace = TrainingWorkspace(config: model.config, batch: options.batch, steps: options.seq,
                                      dropout: DropoutSettings(options), precision: options.precision)
        validationWorkspace = ChunkWorkspace(config: model.config, batch: validationStreams, steps: options.seq)
        gradients = FloatBuffer(count: model.layout.bufferCount)
        optimizer = Adam(count: model.layout.bufferCount, beta1: options.beta1, beta2: options.beta2,
                         epsilon: options.epsilon, weightDecay: options.weightDecay,
                         decayed: model.layout.entries.filter { $0.shape.count == 2 }.map { $0.offset..<$0.offset + $0.count })
    }

    /// Steps in one epoch.
    public var stepsPerEpoch: Int { batcher.chunksPerPass }
    /// Characters each step trains on.
    public var charactersPerStep: Int { options.batch * options.seq }
    /// Step count at which ``goal`` is reached.
    public var totalSteps: Int { goal.totalSteps(stepsPerEpoch: stepsPerEpoch) }
    /// Whether the goal is reached.
    public var isFinished: Bool { progress.step >= totalSteps }
    /// The learning rate of the next step.
    public var learningRate: Float {
        options.schedule.rate(step: progress.step, epoch: progress.epoch, horizon: scheduleHorizon, options: options)
    }

    /// The step the schedule anneals to: the goal, or the expected end of a time-limited session if sooner.
    public var scheduleHorizon: Int? {
        let deadline = progress.deadlineStep ?? Int.max
        return goal.isOpenEnded ? progress.deadlineStep : min(totalSteps, deadline)
    }

    /// Records when the current session is expected to end (nil: it has no time limit).
    public func expectEnd(atStep step: Int?) { progress.deadlineStep = step.map { max($0, progress.step + 1) } }

    /// What one step did.
    public struct StepResult: Sendable {
        /// Mean cross-entropy of the chunk, in nats per character.
        public let loss: Double
    }

    /// One optimiser step on the next chunk: forward, loss, backward, clip, Adam, then carry the state on.
    /// Throws, before touching the weights, when the loss or the gradients are not finite.
    @discardableResult
    public func step() throws -> StepResult {
        if progress.cursor == 0 { workspace.resetState() }
        progress.threads = EngineThreads.count
        let (b, t) = (options.batch, options.seq)
        batcher.fill(chunk: progress.cursor, inputs: workspace.inputs, targets: workspace.targets)
        try checkCorpus()
        gradients.zero()
        model.forward(workspace, batch: b, steps: t, random: &progress.random)
        let loss = model.loss(workspace, batch: b, steps: t) / Double(b * t)
        model.backward(workspace, batch: b, steps: t, scale: 1 / Float(b * t), gradients: gradients)
        let norm = GradientClipping.clip(gradients, maxNorm: options.clip)
        guard loss.isFinite, norm.isFinite else {
            let clipAdvice: SettingMessage = options.clip > 0 ? "a smaller \(Setting.clip) (now \(options.clip))" : "gradient clipping (\(Setting.clip) 5; it is off)"
            throw CharLSTMError.trainingFailed("training diverged at step \(progress.step + 1): the \(loss.isFinite ? "gradient norm" : "loss") is not finite, so the weights were not updated. Try a lower \(Setting.learningRate) (now \(learningRate)) or \(clipAdvice).")
        }
        optimizer.update(parameters: model.parameters, gradients: gradients, learningRate: learningRate,
                         step: progress.step + 1)
        workspace.carryState(batch: b, steps: t)
        progress.step += 1
        progress.cursor += 1
        if progress.cursor == batcher.chunksPerPass {
            progress.cursor = 0
            progress.epoch += 1
        }
        return StepResult(loss: loss)
    }

    /// Characters each validation predicts.
    public var validationCharacterCount: Int { validationChunks * validation.streams * validation.steps }
    /// Chunks, and characters, a validation could read: all of the held-out text in the validation streams.
    public var validationChunksAvailable: Int { validation.chunksPerPass }
    public var validationCharactersAvailable: Int { validation.chunksPerPass * validation.streams * validation.steps }
    /// Files of the corpus held out whole (0 when the end of the text is held out).
    public var heldOutFileCount: Int { split.heldOutFiles.count }

    /// Bits per character on the validation sample, from zero state with the state carried across its chunks.
    /// Records the result in ``progress`` (and whether it is the best so far). Does not disturb training state.
    /// `progress` is told after each chunk how many characters have been read; when it returns false the
    /// validation is abandoned: nothing is recorded, and the result is nil.
    @discardableResult
    public func evaluate(progress report: ReadingProgress? = nil) -> Double? {
        let read = model.summedLoss(of: validation, chunks: validationChunks, workspace: validationWorkspace,
                                    progress: report)
        guard read.chunks == validationChunks else { return nil }
        let bpc = read.nats / Double(validationCharacterCount) / M_LN2
        progress.lastValidationBPC = bpc
        if progress.bestValidationBPC.map({ bpc < $0 }) ?? true { progress.bestValidationBPC = bpc }
        return bpc
    }

    /// Fails when the corpus file changed since the run loaded it (``TextFile/change()``): what was just read
    /// from it may not be the text the run was started on.
    public func checkCorpus() throws {
        if let (path, change) = corpusText.change(readBy: split.training) ?? corpusText.change(readBy: split.validation) {
            throw CharLSTMError.trainingFailed("\(path): the corpus changed during the run (\(change)), so training stopped before using what it read. Put the file back as it was to resume the run, or start a new one from its weights with \(Setting.initialWeights).")
        }
    }

    /// Adds wall-clock training time to the running total kept in checkpoints.
    public func addTrainingTime(_ seconds: Double) { progress.trainingSeconds += seconds }

    /// Everything needed to write a resumable checkpoint of the run as it is now.
    public func snapshot() -> TrainingSnapshot {
        let (h, c) = workspace.state()
        return TrainingSnapshot(options: options, goal: goal, progress: progress, corpus: corpus,
                                resumeState: ResumeState(adamM: optimizer.m, adamV: optimizer.v, stateH: h, stateC: c))
    }
}
