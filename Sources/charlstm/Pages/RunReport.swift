import CharLSTM
import Foundation

/// What `charlstm report` shows of a training run: its validations from `log.jsonl`, its settings and record from
/// the checkpoint, and a few samples from `best`.
struct RunReport: Encodable {
    let title: String
    let records: [EvaluationRecord]
    /// (label, value) rows.
    let settings: [[String]]
    let samples: [Sample]

    struct Sample: Encodable {
        let seed: UInt64
        let temperature: Float
        let text: String
    }

    /// Reads the run folder `folder`: its log, `best.safetensors` (or `latest`) for the settings and the samples.
    static func make(folder: String, samples count: Int, length: Int) throws -> RunReport {
        let layout = RunLayout(path: folder)
        let records = try TrainingLog(path: layout.log).read()
        guard !records.isEmpty else {
            throw CharLSTMError.fileAccess(path: layout.log, reason: "no validations logged yet; a run logs one every --eval-every steps")
        }
        let checkpoint = try Checkpoint.load(path: layout.bestOrLatest)
        let c = checkpoint.model.config
        var settings: [[String]] = [
            ["model", "\(c.layers)×\(c.hidden) \(c.cell.displayName), embedding \(c.embedding), vocabulary \(c.vocabularySize), \(HumanReadable.count(checkpoint.model.parameterCount)) parameters"],
        ]
        if let training = checkpoint.training {
            let o = training.options, p = training.progress
            settings += [
                ["corpus", "\(training.corpus.path) (\(HumanReadable.count(training.corpus.byteCount)) bytes)"],
                ["batch × seq", "\(o.batch) × \(o.seq)"],
                ["learning rate", CheckpointDescription.schedule(o)],
                ["regularisation", CheckpointDescription.regularisation(o) + ", clip \(o.clip)"],
                ["goal", HumanReadable.goal(training.goal)],
                ["reached", "step \(HumanReadable.count(p.step)), epoch \(p.epoch), \(HumanReadable.duration(p.trainingSeconds)) of training"],
                ["best validation", p.bestValidationBPC.map { "\(HumanReadable.decimal($0, 4)) bits per character" } ?? "—"],
                ["seed", "\(o.seed)"],
            ]
        }
        let sampler = Sampler(model: checkpoint.model)
        let samples = (0..<count).map { index -> Sample in
            let seed = UInt64(index + 1)
            sampler.reset()
            var random = RandomSource(seed: seed)
            var text = String.UnicodeScalarView()
            let temperature = SamplingSettings.readingTemperature
            sampler.generate(count: length, settings: SamplingSettings(temperature: temperature), random: &random) { text.append($0); return true }
            return Sample(seed: seed, temperature: temperature, text: String(text))
        }
        return RunReport(title: URL(fileURLWithPath: folder).lastPathComponent, records: records, settings: settings,
                         samples: samples)
    }
}
