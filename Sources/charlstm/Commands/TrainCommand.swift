import ArgumentParser
import CharLSTM
import Foundation
import FrontEndSupport

/// `charlstm train`: learn a corpus, or continue a run.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a UTF-8 text file, or resume a run.",
        discussion: """
            Writes OUT/latest.safetensors (after each validation, every --checkpoint-every steps and at the end), \
            OUT/best.safetensors (lowest validation bits per character so far) and OUT/log.jsonl (one line per \
            validation). Ctrl-C finishes the current step (or abandons a validation under way), saves latest and \
            exits with status 130.

            --epochs and --steps are totals for the whole run; resuming with a larger value extends it. \
            --minutes limits this invocation only, from loading the corpus to the last save: training stops early \
            enough for the closing validation and saves to fit.

            Each validation reads the same sample of the held-out text: at most --val-chars characters, in \
            windows spread evenly over it (all of it when it is shorter), so validation takes about 5% of a run \
            on a corpus of any size and every figure compares with the others, across resumes too.

            A folder is read recursively, its files in the byte order of their paths under it (names starting \
            with a dot are left out, --include and --exclude choose among the rest); several paths are read in the \
            order given, one after another. Files under a folder that are empty or not UTF-8 (images, object \
            files) are skipped and counted. A corpus of many files holds out whole files, about --val-fraction of \
            its characters, chosen by a fixed shuffle from across it; one file holds out its end. The checkpoint \
            records every file, and --resume finds and checks them.

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
              charlstm train ~/src/project --include '*.c' --include '*.h' --out runs/c --minutes 30
            """
    )

    @Argument(help: ArgumentHelp("UTF-8 text to train on: a file, a folder (every file under it), or several (optional with --resume, which remembers them).", valueName: "corpus"))
    var corpus: [String] = []

    @Option(help: ArgumentHelp("In a folder, take only files matching this glob (on the name, or on the path under the folder when it has a /); repeatable.", valueName: "glob"))
    var include: [String] = []

    @Option(help: ArgumentHelp("In a folder, leave out files and folders matching this glob; repeatable.", valueName: "glob"))
    var exclude: [String] = []

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
    @Flag(help: "Print the value each setting of a new run starts from (before the size rule and your flags), and exit.")
    var defaults = false
    @Flag(help: "With --defaults: one JSON object, keyed by flag name without the dashes.") var json = false
    @OptionGroup var precision: PrecisionOption
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if defaults { return }
        if json { throw ValidationError("--json goes with --defaults") }
        if resume != nil && initFrom != nil { throw ValidationError("--resume and --init-from cannot be combined") }
        if epochs != nil && steps != nil { throw ValidationError("give --epochs or --steps, not both") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1 (got \(epochs))") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1 (got \(steps))") }
        if let minutes, !(minutes > 0) { throw ValidationError("--minutes must be positive (got \(minutes))") }
        if resume != nil {
            if corpus.count > 1 {
                throw ValidationError("a resumed run finds its own files; name at most one path (where its file or folder moved to)")
            }
            if !include.isEmpty || !exclude.isEmpty {
                throw ValidationError("--include and --exclude cannot change when resuming: a resumed run reads the files it recorded")
            }
            if let setting = settings.given.first {
                throw ValidationError("\(setting.flag) cannot change when resuming: a resumed run keeps its settings (use --init-from to start a new run from the weights)")
            }
        } else {
            if corpus.isEmpty { throw ValidationError("missing the corpus to train on (charlstm train CORPUS --out DIR)") }
            if out == nil { throw ValidationError("missing --out DIR, the folder for checkpoints and the log") }
            var shape = ModelConfig.defaults
            let shapeGiven = settings.applyModel(to: &shape)
            if initFrom != nil, !shapeGiven.isEmpty {
                throw ValidationError("\(shapeGiven.map(\.flag).joined(separator: ", ")): the model's shape comes from the --init-from checkpoint and cannot be given")
            }
        }
    }

    func run() throws {
        // --minutes counts from here: loading the corpus and measuring the machine are part of the invocation.
        let invocationStart = ContinuousClock.now
        if defaults { return try printDefaults() }
        let resumed = try resume.map { try Checkpoint.load(path: $0) }
        let threadNote = try threading.apply(resumingRunTrainedWith: resumed?.training?.progress.threads)
        let (trainer, directory, precisionNote) = try makeTrainer(resuming: resumed)
        let session = try TrainingSession(trainer: trainer, folder: directory)
        ThreadOptions.noteFallbackBackend()
        let display = TrainingProgressDisplay(terminal: .standardOutput, timeLimited: minutes != nil)
        display.announce(trainer: trainer, session: session, resumed: resume != nil, threadNote: threadNote,
                         precisionNote: precisionNote)
        InterruptSignal.install()
        let timeLimit = minutes.map { $0 * 60 - (ContinuousClock.now - invocationStart).seconds }
        let outcome = try session.run(timeLimit: timeLimit, observer: display)
        display.finish(trainer: trainer, session: session, outcome: outcome)
        if outcome == .stopped, let signalNumber = InterruptSignal.pending {
            throw ExitCode(InterruptSignal.exitStatus(for: signalNumber))
        }
    }

    private func printDefaults() throws {
        let pairs = RunSettingOptions.defaults.map { (name: String($0.setting.flag.dropFirst(2)), value: $0.value) }
        if json {
            let object = Dictionary(uniqueKeysWithValues: pairs.map { ($0.name, $0.value) })
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let width = pairs.map(\.name.count).max() ?? 0
            for (name, value) in pairs {
                // A setting with no default value of its own (JSON null: a rule of the others, or none) says so.
                print("--" + name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + (value is NSNull ? "(see --help)" : "\(value)"))
            }
        }
    }

    private var goal: TrainingGoal? {
        if let steps { return .steps(steps) }
        if let epochs { return .epochs(epochs) }
        return nil
    }

    /// The run to train: `checkpoint`'s resumed, else a new one from the corpus and the recipe; and how its
    /// precision was chosen.
    private func makeTrainer(resuming checkpoint: Checkpoint?) throws -> (Trainer, String, String) {
        if let checkpoint {
            let resume = checkpoint.path
            let saved = try checkpoint.resumableRecord()
            let text: Corpus
            do {
                text = try saved.corpus.reload(root: corpus.first)
            } catch CharLSTMError.fileNotFound(let path) where corpus.isEmpty {
                throw CharLSTMError.trainingFailed("\(path): the run's corpus is gone; if it moved, name it: charlstm train NEW/PATH --resume \(resume)")
            }
            let (precision, note) = try resumedPrecision(saved: saved.options.precision, model: checkpoint.model.config,
                                                         batch: saved.options.batch)
            let trainer = try Trainer(resuming: checkpoint, corpus: text, goal: goal, precision: precision)
            if trainer.isFinished {
                throw CharLSTMError.invalidSetting("\(resume): the run already reached its goal (\(HumanReadable.goal(trainer.goal)), step \(HumanReadable.count(trainer.progress.step))); pass a larger --epochs or --steps to continue")
            }
            return (trainer, out ?? URL(fileURLWithPath: resume).deletingLastPathComponent().path, note)
        }
        let text = try Corpus(CorpusSelection(paths: corpus, include: include, exclude: exclude))
        let terminal = Terminal.standardOutput
        let recipe = try TrainingRecipe.make(
            corpus: text, goal: goal, minutes: minutes, choosesSize: initFrom == nil, givenHidden: settings.hidden,
            precision: precision.precision ?? PrecisionOption.standard,
            applyGiven: { config, options in
                settings.applyModel(to: &config)
                settings.applyTraining(to: &options)
            },
            measuring: { started in
                guard terminal.isInteractive else { return }
                terminal.write(started ? "Measuring this machine's speed to choose a model size…" : "\r\u{1B}[K")
            })
        if let choice = recipe.sizeChoice, let minutes {
            let (config, options) = (recipe.config, recipe.options)
            let regularisation = options.dropout > 0 || options.embeddingDropout > 0
                ? CheckpointDescription.regularisation(options) : "no dropout"
            let megabytes = HumanReadable.decimal(Double(text.byteCount) / 1e6, text.byteCount < 100_000 ? 3 : 1)
            terminal.writeLine("Size: \(config.layers)×\(config.hidden) \(config.cell.displayName), \(regularisation) — for \(megabytes) MB of text and \(HumanReadable.duration(minutes * 60)), about \(HumanReadable.decimal(choice.expectedEpochs, 1)) passes at this machine's speed (size flags override)")
        }
        func note(_ decision: PrecisionDecision) -> String {
            "\(decision.precision) products (\(precision.precision == nil ? "the default" : decision.reason))"
        }
        if let initFrom {
            let start = try Checkpoint.load(path: initFrom)
            var options = recipe.options
            var decision = recipe.precision
            if precision.precision == .auto {
                // The recipe settled auto for the default shape; the model's own is the checkpoint's.
                decision = try precision.decide(config: start.model.config, batch: options.batch)
                options.precision = decision.precision
            }
            return (try Trainer(corpus: text, startingFrom: start.model, options: options, goal: recipe.goal), out!,
                    note(decision))
        }
        try recipe.config.validate()
        let c = recipe.config
        return (try Trainer(corpus: text, embedding: c.embedding, hidden: c.hidden, layers: c.layers, cell: c.cell,
                            options: recipe.options, goal: recipe.goal), out!, note(recipe.precision))
    }

    /// A resumed run's precision: the one given, else the run's own — unless this CPU cannot multiply in it, when
    /// the run goes on in fp32. Says so whenever the run will not continue to the bit.
    private func resumedPrecision(saved: ProductPrecision, model: ModelConfig, batch: Int) throws -> (ProductPrecision, String) {
        if precision.precision == nil {
            if let why = ProductPrecision.bf16Unavailability, saved == .bf16 {
                return (.fp32, "fp32 products: the run was trained in bf16, but \(why); it continues from the same weights, though not to the bit as in bf16")
            }
            return (saved, "\(saved) products (the run's own)")
        }
        let decision = try precision.decide(config: model, batch: batch)
        let change = decision.precision == saved ? "" : "; the run was trained in \(saved), so it continues from the same weights and moments, though not to the bit as it would in \(saved)"
        return (decision.precision, "\(decision.precision) products (\(decision.reason))\(change)")
    }
}
