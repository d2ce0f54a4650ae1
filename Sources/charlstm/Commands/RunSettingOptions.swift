import ArgumentParser
import CharLSTM
import Foundation

/// The flags that define a training run — the model's shape and the training settings — each applied in one
/// place, so that what a resumed run refuses and what `--init-from` fixes are derived from the same list.
/// Defaults shown in help come from the engine's ``ModelConfig/defaults`` and ``TrainingOptions``.
struct RunSettingOptions: ParsableArguments {
    private static let model = ModelConfig.defaults
    private static let training = TrainingOptions()

    @Option(help: "Recurrent cell of every layer; rnn is tanh (default: \(model.cell.rawValue)).")
    var cell: RecurrentCell?
    @Option(help: "Stacked recurrent layers (default: \(model.layers)).")
    var layers: Int?
    @Option(help: "Units per layer (default: \(model.hidden); with only --minutes, chosen for the corpus and the time).")
    var hidden: Int?
    @Option(help: "Width of the character embedding (default: \(model.embedding)).")
    var embedding: Int?
    @Option(help: "Dropout after each layer while training, in [0, 1) (default: \(training.dropout)).")
    var dropout: Float?
    @Option(name: .customLong("embedding-dropout"), help: "Dropout on the embedding's output, in [0, 1) (default: \(training.embeddingDropout)).")
    var embeddingDropout: Float?
    @Option(name: .customLong("dropout-mask"), help: "Dropout masks drawn per time step, or once per stream and chunk (sequence) (default: \(training.dropoutMask.rawValue)).")
    var dropoutMask: DropoutMask?
    @Option(help: "Parallel streams per step (default: \(training.batch)).")
    var batch: Int?
    @Option(help: "Characters per stream per step: the BPTT length (default: \(training.seq)).")
    var seq: Int?
    @Option(help: "Adam's peak learning rate (default: \(training.learningRate)).")
    var lr: Float?
    @Option(help: "Learning-rate schedule: cosine or linear anneal to --min-lr at the run's end (its goal, or the end of --minutes); step multiplies by --lr-decay every --lr-decay-every epochs (default: \(training.schedule.rawValue)).")
    var schedule: LearningRateSchedule?
    @Option(help: "Steps of linear learning-rate warm-up (default: \(training.warmupSteps)).")
    var warmup: Int?
    @Option(name: .customLong("min-lr"), help: "Learning rate the cosine and linear schedules end at (default: \(training.minLearningRate)).")
    var minLR: Float?
    @Option(name: .customLong("lr-decay"), help: "Step schedule: factor applied every --lr-decay-every epochs (default: \(training.learningRateDecay)).")
    var lrDecay: Float?
    @Option(name: .customLong("lr-decay-every"), help: "Step schedule: epochs between decays; 0 = never (default: \(training.learningRateDecayEvery)).")
    var lrDecayEvery: Int?
    @Option(name: .customLong("weight-decay"), help: "Decoupled weight decay (AdamW) on the weight matrices; 0 = off (default: \(training.weightDecay)).")
    var weightDecay: Float?
    @Option(help: "Clip gradients to this global norm; 0 = off (default: \(training.clip)).")
    var clip: Float?
    @Option(name: .customLong("val-fraction"), help: "Share of the corpus, from its end, held out for validation (default: \(training.validationFraction)).")
    var valFraction: Double?
    @Option(name: .customLong("val-chars"), help: "Held-out characters each validation reads at most, as the same windows every time, spread over the held-out text (default: a tenth of the characters trained between validations, --eval-every × --batch × --seq / \(TrainingOptions.validationShareDivisor), so validation takes about 5% of a run: \(HumanReadable.count(training.defaultValidationCharacters)) at the defaults; all of the held-out text when it is shorter).")
    var valChars: Int?
    @Option(name: .customLong("eval-every"), help: "Steps between validations (default: \(training.evaluateEvery)).")
    var evalEvery: Int?
    @Option(name: .customLong("checkpoint-every"), help: "Extra saves of latest every N steps; 0 = only at validations and the end (default: \(training.checkpointEvery)).")
    var checkpointEvery: Int?
    @Option(name: .customLong("max-vocabulary"), help: "At most this many characters in the vocabulary: the most frequent, and one unknown symbol (U+FFFD) that the rest are read as and that sampling never writes (default: every character of the corpus).")
    var maxVocabulary: Int?
    @Option(help: "Seed for initialisation and dropout (default: \(training.seed)).")
    var seed: UInt64?

    /// Writes the model flags given into `config`; returns the settings they set.
    @discardableResult
    func applyModel(to config: inout ModelConfig) -> [Setting] {
        var given: [Setting] = []
        func set<T>(_ value: T?, _ setting: Setting, _ apply: (T) -> Void) { Self.set(value, setting, &given, apply) }
        set(cell, .cell) { config.cell = $0 }
        set(layers, .layers) { config.layers = $0 }
        set(hidden, .hidden) { config.hidden = $0 }
        set(embedding, .embedding) { config.embedding = $0 }
        return given
    }

    /// Writes the training flags given into `options`; returns the settings they set.
    @discardableResult
    func applyTraining(to options: inout TrainingOptions) -> [Setting] {
        var given: [Setting] = []
        func set<T>(_ value: T?, _ setting: Setting, _ apply: (T) -> Void) { Self.set(value, setting, &given, apply) }
        set(dropout, .dropout) { options.dropout = $0 }
        set(embeddingDropout, .embeddingDropout) { options.embeddingDropout = $0 }
        set(dropoutMask, .dropoutMask) { options.dropoutMask = $0 }
        set(batch, .batch) { options.batch = $0 }
        set(seq, .seq) { options.seq = $0 }
        set(lr, .learningRate) { options.learningRate = $0 }
        set(schedule, .schedule) { options.schedule = $0 }
        set(warmup, .warmupSteps) { options.warmupSteps = $0 }
        set(minLR, .minLearningRate) { options.minLearningRate = $0 }
        set(lrDecay, .learningRateDecay) { options.learningRateDecay = $0 }
        set(lrDecayEvery, .learningRateDecayEvery) { options.learningRateDecayEvery = $0 }
        set(weightDecay, .weightDecay) { options.weightDecay = $0 }
        set(clip, .clip) { options.clip = $0 }
        set(valFraction, .validationFraction) { options.validationFraction = $0 }
        set(valChars, .validationCharacters) { options.validationCharacters = $0 }
        set(evalEvery, .evaluateEvery) { options.evaluateEvery = $0 }
        set(checkpointEvery, .checkpointEvery) { options.checkpointEvery = $0 }
        set(maxVocabulary, .maxVocabulary) { options.maxVocabulary = $0 }
        set(seed, .seed) { options.seed = $0 }
        return given
    }

    /// Applies a flag's value when it was given, and records its setting.
    private static func set<T>(_ value: T?, _ setting: Setting, _ given: inout [Setting], _ apply: (T) -> Void) {
        guard let value else { return }
        apply(value)
        given.append(setting)
    }

    /// The value every run setting starts from, before the size rule and the flags given: the engine's defaults,
    /// for `train --defaults` (the PyTorch trainer's tests check its own defaults against these).
    static var defaults: [(setting: Setting, value: Any)] {
        let m = model, o = training
        return [
            (.cell, m.cell.rawValue), (.layers, m.layers), (.hidden, m.hidden), (.embedding, m.embedding),
            (.dropout, o.dropout), (.embeddingDropout, o.embeddingDropout), (.dropoutMask, o.dropoutMask.rawValue),
            (.batch, o.batch), (.seq, o.seq), (.learningRate, o.learningRate), (.schedule, o.schedule.rawValue),
            (.warmupSteps, o.warmupSteps), (.minLearningRate, o.minLearningRate),
            (.learningRateDecay, o.learningRateDecay), (.learningRateDecayEvery, o.learningRateDecayEvery),
            (.weightDecay, o.weightDecay), (.clip, o.clip), (.validationFraction, o.validationFraction),
            (.validationCharacters, o.validationCharacters as Any? ?? NSNull()), (.evaluateEvery, o.evaluateEvery), (.checkpointEvery, o.checkpointEvery),
            (.maxVocabulary, o.maxVocabulary as Any? ?? NSNull()), (.seed, o.seed),
            (.goalEpochs, TrainingGoal.defaultEpochs), (.precision, PrecisionOption.standard.rawValue),
        ]
    }

    /// Every setting given on the command line, model and training.
    var given: [Setting] {
        var config = ModelConfig.defaults, options = TrainingOptions()
        return applyModel(to: &config) + applyTraining(to: &options)
    }
}

extension LearningRateSchedule: ExpressibleByArgument {}
extension DropoutMask: ExpressibleByArgument {}
extension RecurrentCell: ExpressibleByArgument {}
