import ArgumentParser
import CharLSTM
import Foundation

/// `charlstm train`: learn a corpus, or continue a run.
struct TrainCommand: ParsableCommand {
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
            charlstm measures this machine's speed for a moment, then takes the widest \(ModelSizeRule.layers)-layer \
            model that reads the training text at least \(Int(ModelSizeRule.minimumEpochs)) times in the minutes \
            given, with dropout (\(ModelSizeRule.dropout) after each layer, \(ModelSizeRule.embeddingDropout) on \
            the embedding, masks per sequence) and weight decay \(ModelSizeRule.weightDecay) only once the passes \
            times its weights per training character reach \(Int(ModelSizeRule.dropoutFromWeightPasses)), where \
            it starts to memorise the text (\(ModelSizeRule.strongDropout) after each layer from \
            \(Int(ModelSizeRule.strongDropoutFromWeightPasses))). It says what it chose; --layers, --hidden, \
            --embedding, --dropout, --embedding-dropout, --dropout-mask and --weight-decay override their part.

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

    @OptionGroup(title: "Model and training settings (fixed for the whole run)") var settings: RunSettingOptions
    @Option(help: "Train until this many epochs in total (default: \(TrainingGoal.defaultEpochs)).") var epochs: Int?
    @Option(help: "Train until this many steps in total (instead of --epochs).") var steps: Int?
    @Option(help: "Stop this invocation after this many minutes (saving first).") var minutes: Double?
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if resume != nil && initFrom != nil { throw ValidationError("--resume and --init-from cannot be combined") }
        if epochs != nil && steps != nil { throw ValidationError("give --epochs or --steps, not both") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1 (got \(epochs))") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1 (got \(steps))") }
        if let minutes, !(minutes > 0) { throw ValidationError("--minutes must be positive (got \(minutes))") }
        if resume != nil {
            if let setting = settings.given.first {
                throw ValidationError("\(setting.flag) cannot change when resuming: a resumed run keeps its settings (use --init-from to start a new run from the weights)")
            }
        } else {
            if corpus == nil { throw ValidationError("missing the corpus to train on (charlstm train CORPUS --out DIR)") }
            if out == nil { throw ValidationError("missing --out DIR, the folder for checkpoints and the log") }
            var shape = ModelConfig.defaults
            let shapeGiven = settings.applyModel(to: &shape)
            if initFrom != nil, !shapeGiven.isEmpty {
                throw ValidationError("\(shapeGiven.map(\.flag).joined(separator: ", ")): the model's shape comes from the --init-from checkpoint and cannot be given")
            }
        }
    }

    func run() throws {
        let resumed = try resume.map { try Checkpoint.load(path: $0) }
        let threadNote = try threading.apply(resumingRunTrainedWith: resumed?.training?.progress.threads)
        let (trainer, directory) = try makeTrainer(resuming: resumed)
        let session = try TrainingSession(trainer: trainer, folder: directory)
        ThreadOptions.noteFallbackBackend()
        let display = TrainingProgressDisplay(terminal: .standardOutput, timeLimited: minutes != nil)
        display.announce(trainer: trainer, session: session, resumed: resume != nil, threadNote: threadNote)
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

    private func makeTrainer(resuming checkpoint: Checkpoint?) throws -> (Trainer, String) {
        if let resume, let checkpoint {
            let saved = try checkpoint.resumableRecord()
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
        var config = ModelConfig.defaults
        config.vocabularySize = text.distinctCharacters.count
        settings.applyModel(to: &config)
        settings.applyTraining(to: &options)
        if let minutes, self.goal == nil, initFrom == nil {
            let choice = try chooseSize(for: text, minutes: minutes, options: options, cell: config.cell)
            config.layers = choice.layers
            config.hidden = choice.hidden
            config.embedding = choice.embedding
            options.dropout = choice.dropout
            options.embeddingDropout = choice.embeddingDropout
            options.dropoutMask = choice.dropoutMask
            options.weightDecay = choice.weightDecay
            // Explicit flags win over the rule.
            settings.applyModel(to: &config)
            settings.applyTraining(to: &options)
            let regularisation = options.dropout > 0 || options.embeddingDropout > 0
                ? CheckpointDescription.regularisation(options) : "no dropout"
            let megabytes = HumanReadable.decimal(Double(text.byteCount) / 1e6, text.byteCount < 100_000 ? 3 : 1)
            Terminal.standardOutput.writeLine("Size: \(config.layers)×\(config.hidden) \(config.cell.displayName), \(regularisation) — for \(megabytes) MB of text and \(HumanReadable.duration(minutes * 60)), about \(HumanReadable.decimal(choice.expectedEpochs, 1)) passes at this machine's speed (size flags override)")
        }
        try options.validate()
        // With only a time limit, the run has no step goal: it trains until the minutes are up.
        let goal = self.goal ?? (minutes != nil ? .openEnded : .epochs(TrainingGoal.defaultEpochs))
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
                                    cell: cell, hidden: settings.hidden)
    }
}


