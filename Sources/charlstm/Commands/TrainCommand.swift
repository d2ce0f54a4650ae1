import ArgumentParser
import CharLSTM
import Foundation

/// `charlstm train`: learn a corpus, or continue a run.
struct TrainCommand: ParsableCommand {
    /// A new run's settings where no flag is given; help shows them from here.
    private static let defaults = TrainingOptions()
    private var defaults: TrainingOptions { Self.defaults }

    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a UTF-8 text file, or resume a run.",
        discussion: """
            Writes OUT/latest.safetensors (after each validation, every --checkpoint-every steps and at the end), \
            OUT/best.safetensors (lowest validation bits per character so far) and OUT/log.jsonl (one line per \
            validation). Ctrl-C finishes the current step, saves latest and exits with status 130.

            --epochs and --steps are totals for the whole run; resuming with a larger value extends it. \
            --minutes limits this invocation only.

            A new run with --minutes and no --epochs or --steps chooses its size for the corpus and the time: \
            charlstm measures this machine's speed for a moment, then takes the widest 2-layer model that reads \
            the training text at least 4 times in the minutes given, with dropout (0.25 after each layer, 0.1 on \
            the embedding, masks per sequence) and weight decay 0.01 only if it will read it 8 times or more. It says \
            what it chose; --layers, --hidden, --embedding, --dropout, --embedding-dropout, --dropout-mask and \
            --weight-decay override their part.

            Examples:
              charlstm train corpora/lighthouse.txt --out runs/lighthouse --minutes 5
              charlstm train --resume runs/lighthouse/latest.safetensors --epochs 20
            """
    )

    @Argument(help: "UTF-8 text to train on (optional with --resume, which remembers it).")
    var corpus: String?

    @Option(help: "Folder for checkpoints and the log (required for a new run; default with --resume: the checkpoint's folder).")
    var out: String?

    @Option(help: ArgumentHelp("Continue the run saved in this checkpoint exactly where it stopped.", valueName: "checkpoint"))
    var resume: String?

    @Option(name: .customLong("init-from"), help: ArgumentHelp("Start a new run from this checkpoint's weights (fine-tuning).", valueName: "checkpoint"))
    var initFrom: String?

    @Option(help: "Recurrent cell of every layer: lstm, gru or rnn (tanh) (default: \(ModelConfig.defaults.cell.rawValue)).") var cell: RecurrentCell?
    @Option(help: "Stacked recurrent layers (default: \(ModelConfig.defaults.layers)).") var layers: Int?
    @Option(help: "Units per layer (default: \(ModelConfig.defaults.hidden); with only --minutes, chosen for the corpus and the time).") var hidden: Int?
    @Option(help: "Width of the character embedding (default: \(ModelConfig.defaults.embedding)).") var embedding: Int?
    @Option(help: "Dropout after each layer while training, in [0, 1) (default: \(defaults.dropout)).") var dropout: Float?
    @Option(name: .customLong("embedding-dropout"), help: "Dropout on the embedding's output, in [0, 1) (default: \(defaults.embeddingDropout)).") var embeddingDropout: Float?
    @Option(name: .customLong("dropout-mask"), help: "Dropout masks drawn per time step (step) or once per stream and chunk (sequence) (default: \(defaults.dropoutMask.rawValue)).") var dropoutMask: DropoutMask?
    @Option(help: "Parallel streams per step (default: \(defaults.batch)).") var batch: Int?
    @Option(help: "Characters per stream per step: the BPTT length (default: \(defaults.seq)).") var seq: Int?
    @Option(help: "Adam's peak learning rate (default: \(defaults.learningRate)).") var lr: Float?
    @Option(help: "Learning-rate schedule: cosine or linear anneal to --min-lr at the run's end (its goal, or the end of --minutes); step multiplies by --lr-decay every --lr-decay-every epochs (default: \(defaults.schedule.rawValue)).") var schedule: LearningRateSchedule?
    @Option(help: "Steps of linear learning-rate warm-up (default: \(defaults.warmupSteps)).") var warmup: Int?
    @Option(name: .customLong("min-lr"), help: "Learning rate the cosine and linear schedules end at (default: \(defaults.minLearningRate)).") var minLR: Float?
    @Option(name: .customLong("lr-decay"), help: "Step schedule: factor applied every --lr-decay-every epochs (default: \(defaults.learningRateDecay)).") var lrDecay: Float?
    @Option(name: .customLong("lr-decay-every"), help: "Step schedule: epochs between decays; 0 = never (default: \(defaults.learningRateDecayEvery)).") var lrDecayEvery: Int?
    @Option(name: .customLong("weight-decay"), help: "Decoupled weight decay (AdamW) on the weight matrices; 0 = off (default: \(defaults.weightDecay)).") var weightDecay: Float?
    @Option(help: "Clip gradients to this global norm; 0 = off (default: \(defaults.clip)).") var clip: Float?
    @Option(help: "Train until this many epochs in total (default: 10).") var epochs: Int?
    @Option(help: "Train until this many steps in total (instead of --epochs).") var steps: Int?
    @Option(help: "Stop this invocation after this many minutes (saving first).") var minutes: Double?
    @Option(name: .customLong("val-fraction"), help: "Share of the corpus, from its end, held out for validation (default: \(defaults.validationFraction)).") var valFraction: Double?
    @Option(name: .customLong("eval-every"), help: "Steps between validations (default: \(defaults.evaluateEvery)).") var evalEvery: Int?
    @Option(name: .customLong("checkpoint-every"), help: "Extra saves of latest every N steps; 0 = only at validations and the end (default: \(defaults.checkpointEvery)).") var checkpointEvery: Int?
    @Option(help: "Seed for initialisation and dropout (default: \(defaults.seed)).") var seed: UInt64?
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if resume != nil && initFrom != nil { throw ValidationError("--resume and --init-from cannot be combined") }
        if epochs != nil && steps != nil { throw ValidationError("give --epochs or --steps, not both") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1 (got \(epochs))") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1 (got \(steps))") }
        if let minutes, !(minutes > 0) { throw ValidationError("--minutes must be positive (got \(minutes))") }
        if resume != nil {
            let fixed: [(String, Bool)] = [
                ("--cell", cell != nil), ("--layers", layers != nil), ("--hidden", hidden != nil), ("--embedding", embedding != nil),
                ("--dropout", dropout != nil), ("--batch", batch != nil), ("--seq", seq != nil), ("--lr", lr != nil),
                ("--lr-decay", lrDecay != nil), ("--lr-decay-every", lrDecayEvery != nil), ("--clip", clip != nil),
                ("--embedding-dropout", embeddingDropout != nil), ("--dropout-mask", dropoutMask != nil),
                ("--schedule", schedule != nil), ("--warmup", warmup != nil), ("--min-lr", minLR != nil),
                ("--weight-decay", weightDecay != nil),
                ("--val-fraction", valFraction != nil), ("--eval-every", evalEvery != nil),
                ("--checkpoint-every", checkpointEvery != nil), ("--seed", seed != nil),
            ]
            if let flag = fixed.first(where: { $0.1 })?.0 {
                throw ValidationError("\(flag) cannot change when resuming: a resumed run keeps its settings (use --init-from to start a new run from the weights)")
            }
        } else {
            if corpus == nil { throw ValidationError("missing the corpus to train on (charlstm train CORPUS --out DIR)") }
            if out == nil { throw ValidationError("missing --out DIR, the folder for checkpoints and the log") }
            if initFrom != nil, cell != nil || layers != nil || hidden != nil || embedding != nil {
                throw ValidationError("--cell, --layers, --hidden and --embedding come from the --init-from checkpoint and cannot be given")
            }
        }
    }

    func run() throws {
        try threading.apply()
        let (trainer, directory) = try makeTrainer()
        let session = try TrainingSession(trainer: trainer, folder: directory)
        ThreadOptions.noteFallbackBackend()
        let display = TrainingProgressDisplay(terminal: .standardOutput, timeLimited: minutes != nil)
        display.announce(trainer: trainer, session: session, resumed: resume != nil)
        InterruptSignal.install()
        let outcome = try session.run(timeLimit: minutes.map { $0 * 60 }, observer: display)
        display.finish(trainer: trainer, session: session, outcome: outcome)
        if outcome == .stopped, let signalNumber = InterruptSignal.pending {
            throw ExitCode(InterruptSignal.exitStatus(for: signalNumber))
        }
    }

    private var goal: TrainingGoal? {
        if let steps { return .steps(steps) }
        if let epochs { return .epochs(epochs) }
        return nil
    }

    private func makeTrainer() throws -> (Trainer, String) {
        if let resume {
            let checkpoint = try Checkpoint.load(path: resume)
            guard let saved = checkpoint.training, saved.resumeState != nil else {
                throw CharLSTMError.invalidCheckpoint(path: resume, reason: "it holds weights only, no training state to resume; use --init-from to start a new run from it")
            }
            let text: TextFile
            do {
                text = try TextFile(path: corpus ?? saved.corpus.path)
            } catch CharLSTMError.fileNotFound(let path) where corpus == nil {
                throw CharLSTMError.trainingFailed("\(path): the run's corpus is gone; if it moved, name it: charlstm train NEW/PATH --resume \(resume)")
            }
            let trainer = try Trainer(resuming: checkpoint, corpus: text, goal: goal)
            if trainer.isFinished {
                throw CharLSTMError.invalidSetting("\(resume): the run already reached its goal (\(HumanReadable.goal(trainer.goal)), step \(HumanReadable.count(trainer.progress.step))); pass a larger --epochs or --steps to continue")
            }
            return (trainer, out ?? URL(fileURLWithPath: resume).deletingLastPathComponent().path)
        }
        let text = try TextFile(path: corpus!)
        var options = TrainingOptions()
        if let batch { options.batch = batch }
        if let seq { options.seq = seq }
        if let lr { options.learningRate = lr }
        if let lrDecay { options.learningRateDecay = lrDecay }
        if let lrDecayEvery { options.learningRateDecayEvery = lrDecayEvery }
        if let clip { options.clip = clip }
        if let dropout { options.dropout = dropout }
        if let embeddingDropout { options.embeddingDropout = embeddingDropout }
        if let dropoutMask { options.dropoutMask = dropoutMask }
        if let schedule { options.schedule = schedule }
        if let warmup { options.warmupSteps = warmup }
        if let minLR { options.minLearningRate = minLR }
        if let weightDecay { options.weightDecay = weightDecay }
        if let valFraction { options.validationFraction = valFraction }
        if let evalEvery { options.evaluateEvery = evalEvery }
        if let checkpointEvery { options.checkpointEvery = checkpointEvery }
        if let seed { options.seed = seed }
        var config = ModelConfig.defaults
        config.vocabularySize = text.distinctCharacters.count
        if let cell { config.cell = cell }
        if let layers { config.layers = layers }
        if let hidden { config.hidden = hidden }
        if let embedding { config.embedding = embedding }
        if let minutes, self.goal == nil, initFrom == nil {
            let choice = try chooseSize(for: text, minutes: minutes, options: options, cell: config.cell)
            if layers == nil { config.layers = choice.layers }
            if hidden == nil { config.hidden = choice.hidden }
            if embedding == nil { config.embedding = choice.embedding }
            if dropout == nil { options.dropout = choice.dropout }
            if embeddingDropout == nil { options.embeddingDropout = choice.embeddingDropout }
            if dropoutMask == nil { options.dropoutMask = choice.dropoutMask }
            if weightDecay == nil { options.weightDecay = choice.weightDecay }
            let regularisation = options.dropout > 0 || options.embeddingDropout > 0
                ? CheckpointDescription.regularisation(options) : "no dropout"
            let megabytes = HumanReadable.decimal(Double(text.byteCount) / 1e6, text.byteCount < 100_000 ? 3 : 1)
            Terminal.standardOutput.writeLine("Size: \(config.layers)×\(config.hidden) \(config.cell.displayName), \(regularisation) — for \(megabytes) MB of text and \(HumanReadable.duration(minutes * 60)), about \(HumanReadable.decimal(choice.expectedEpochs, 1)) passes at this machine's speed (size flags override)")
        }
        try options.validate()
        // With only a time limit, the run has no step goal: it trains until the minutes are up.
        let goal = self.goal ?? (minutes != nil ? .openEnded : .epochs(10))
        if let initFrom {
            let start = try Checkpoint.load(path: initFrom)
            return (try Trainer(corpus: text, startingFrom: start.model, options: options, goal: goal), out!)
        }
        try config.validate()
        return (try Trainer(corpus: text, embedding: config.embedding, hidden: config.hidden, layers: config.layers,
                            cell: config.cell, options: options, goal: goal), out!)
    }

    /// Measures this machine's training speed for a moment, then applies ``ModelSizeRule``.
    private func chooseSize(for text: TextFile, minutes: Double, options: TrainingOptions,
                            cell: RecurrentCell) throws -> ModelSizeRule.Choice {
        let terminal = Terminal.standardOutput
        if terminal.isInteractive { terminal.write("Measuring this machine's speed to choose a model size…") }
        let vocabularySize = text.distinctCharacters.count
        let probe = try TrainingThroughput.measure(layers: ModelSizeRule.layers, hidden: ModelSizeRule.referenceWidth,
                                                   cell: cell, embedding: ModelSizeRule.embedding,
                                                   vocabulary: min(94, max(2, vocabularySize)), batch: options.batch,
                                                   seq: options.seq, warmUp: 1, steps: 2)
        if terminal.isInteractive { terminal.write("\r\u{1B}[K") }
        let trainingCharacters = Int(Double(text.characterCount) * (1 - options.validationFraction))
        return ModelSizeRule.choose(trainingCharacters: trainingCharacters, seconds: minutes * 60,
                                    referenceRate: probe.charactersPerSecond, vocabularySize: vocabularySize,
                                    cell: cell, hidden: hidden)
    }
}

extension LearningRateSchedule: ExpressibleByArgument {}
extension RecurrentCell: ExpressibleByArgument {}
extension DropoutMask: ExpressibleByArgument {}
