import Foundation

/// A model, and optionally the state of the run that trained it, stored as one safetensors file, as
/// docs/checkpoint-format.md specifies.
///
/// Model tensors carry PyTorch's names and shapes, so `safetensors.torch.load_file` gives a state dict for
/// `embed = nn.Embedding(V, E)`, `lstm = nn.LSTM(E, H, L, batch_first=True)` (`gru = nn.GRU(…)`, `rnn = nn.RNN(…)`),
/// `head = nn.Linear(H, V)` (after dropping the `train.` entries). The state needed to resume is kept in
/// `train.`-prefixed tensors (Adam moments under `train.adam_m.`/`train.adam_v.` + the model tensor's name, carried
/// state as `train.h` and, for the LSTM, `train.c`, each `L × B × H`); the training record (settings, progress, corpus) in the `__metadata__` strings listed in
/// ``MetadataKey``.
public struct Checkpoint {
    /// The version this code writes and the only one it reads.
    public static let formatVersion = "1"

    /// Keys of the header's `__metadata__`; every value is a string, most of them JSON.
    public enum MetadataKey {
        public static let format = "format"                 // "charlstm"
        public static let formatVersion = "format_version"   // "1"
        public static let vocabulary = "vocab"               // JSON array of one-character strings, ascending
        public static let unknownCharacter = "vocab_unknown" // JSON string: a capped vocabulary's unknown symbol
        public static let model = "model"                    // JSON ModelConfig
        public static let options = "training_options"      // JSON TrainingOptions
        public static let goal = "training_goal"             // JSON TrainingGoal
        public static let progress = "training_progress"     // JSON TrainingProgress (step, epoch, cursor, rng…)
        public static let corpus = "corpus"                  // JSON CorpusRecord
        public static let gradientStatistics = "gradient_statistics"  // JSON {"segment": T, "source": "…"}
    }

    /// The file the checkpoint was read from.
    public let path: String
    /// The file's name without its folder, as messages and state files name a checkpoint.
    public var fileName: String { URL(fileURLWithPath: path).lastPathComponent }
    /// The model: configuration, vocabulary and weights.
    public let model: CharLSTMModel
    /// The record of the run that trained the model, when the file has one; it can resume training when its
    /// ``TrainingSnapshot/resumeState`` is present too.
    public let training: TrainingSnapshot?
    /// Gradient statistics for dynamic evaluation's rms rule stored with the model (`export
    /// --gradient-statistics`), as `train.grad_rms.` tensors of one value per matrix row; nil when the file has none.
    public let gradientStatistics: GradientStatistics?

    init(path: String, model: CharLSTMModel, training: TrainingSnapshot?, gradientStatistics: GradientStatistics? = nil) {
        self.path = path
        self.model = model
        self.training = training
        self.gradientStatistics = gradientStatistics
    }

    /// Reads and validates a checkpoint; any problem is a ``CharLSTMError/invalidCheckpoint(path:reason:)``.
    public static func load(path: String) throws -> Checkpoint {
        try decode(SafeTensorsFile(path: path))
    }

    /// Decodes a checkpoint from bytes in memory (for example a fuzzer's); `path` is used in messages.
    public static func load(path: String, bytes: [UInt8]) throws -> Checkpoint {
        try decode(SafeTensorsFile(path: path, bytes: bytes))
    }

    /// Writes a copy of `checkpoint` without the tensors that only resuming needs (Adam's moments, the carried
    /// state): a third of the size, for sharing and for bundling. With `format` ``WeightFormat/half`` the weights
    /// are stored as `F16`, half that again; with ``WeightFormat/int8`` as `F16` too, every matrix's rows first put
    /// on an int8 grid (``CharLSTMModel/roundedToInt8()``). It keeps the training record, and can start a new run
    /// with `--init-from`. The gradient statistics it keeps are `statistics` when given, else the checkpoint's own.
    public static func export(_ checkpoint: Checkpoint, to path: String, format: WeightFormat = .float32,
                              statistics: GradientStatistics? = nil) throws {
        if format != .float32 {
            let parameters = checkpoint.model.parameters
            for entry in checkpoint.model.layout.entries {
                let values = UnsafeBufferPointer(start: parameters.pointer + entry.offset, count: entry.count)
                if let large = values.first(where: { abs($0) > HalfPrecision.maximum }) {
                    throw CharLSTMError.invalidSetting("\(checkpoint.path): tensor \"\(entry.name)\" holds \(large), beyond half precision's ±65504; export it without \(Setting.halfExport) or \(Setting.int8Export)")
                }
            }
        }
        let model = format == .int8 ? try checkpoint.model.roundedToInt8() : checkpoint.model
        try write(model: model, training: checkpoint.training?.withoutResumeState, to: path, half: format != .float32,
                  statistics: statistics ?? checkpoint.gradientStatistics)
    }

    /// Writes `model` (and `training`, if given) to `path` atomically, streaming the tensors from their buffers;
    /// the weights as `F16` when `half`.
    /// With `statistics` (measured for segments, so with a ``GradientStatistics/segment``), they are stored too.
    public static func write(model: CharLSTMModel, training: TrainingSnapshot? = nil, to path: String,
                             half: Bool = false, statistics: GradientStatistics? = nil) throws {
        let (writer, metadata) = prepare(model: model, training: training, half: half, statistics: statistics)
        try AtomicFile.write(to: path) { sink in try writer.write(metadata: metadata, to: sink) }
    }

    /// The file's bytes, in memory.
    public static func encode(model: CharLSTMModel, training: TrainingSnapshot?) -> [UInt8] {
        let (writer, metadata) = prepare(model: model, training: training)
        return writer.bytes(metadata: metadata)
    }

    private static func prepare(model: CharLSTMModel, training: TrainingSnapshot?, half: Bool = false,
                                statistics: GradientStatistics? = nil) -> (SafeTensorsWriter, [String: String]) {
        var writer = SafeTensorsWriter()
        func addAll(prefix: String, from buffer: FloatBuffer, half: Bool = false) {
            for entry in model.layout.entries {
                writer.add(prefix + entry.name, shape: entry.shape, from: buffer, offset: entry.offset, half: half)
            }
        }
        addAll(prefix: "", from: model.parameters, half: half)
        var metadata = [
            MetadataKey.format: "charlstm",
            MetadataKey.formatVersion: formatVersion,
            MetadataKey.vocabulary: "[" + model.vocabulary.characters.map { JSONText.quote(String($0)) }.joined(separator: ",") + "]",
            MetadataKey.model: json(model.config),
        ]
        if let unknown = model.vocabulary.unknownID {
            metadata[MetadataKey.unknownCharacter] = JSONText.quote(String(model.vocabulary.character(unknown)))
        }
        if let training {
            if let state = training.resumeState {
                addAll(prefix: "train.adam_m.", from: state.adamM)
                addAll(prefix: "train.adam_v.", from: state.adamV)
                let stateShape = [model.config.layers, training.options.batch, model.config.hidden]
                writer.add("train.h", shape: stateShape, values: state.stateH)
                if model.config.cell.hasCellState { writer.add("train.c", shape: stateShape, values: state.stateC) }
            }
            metadata[MetadataKey.options] = json(training.options)
            metadata[MetadataKey.goal] = json(training.goal)
            metadata[MetadataKey.progress] = json(training.progress)
            metadata[MetadataKey.corpus] = json(training.corpus)
        }
        if let statistics, let segment = statistics.segment {
            for (entry, rows) in zip(model.layout.entries, statistics.rowValues(model.layout)) {
                writer.add(gradientStatisticsPrefix + entry.name, shape: [rows.count], values: rows)
            }
            metadata[MetadataKey.gradientStatistics] = json(StoredStatistics(segment: segment, source: statistics.source))
        }
        return (writer, metadata)
    }

    /// Where stored gradient statistics' tensors are named: under `train.`, which a PyTorch loader drops.
    static let gradientStatisticsPrefix = "train.grad_rms."

    /// The metadata that describes stored gradient statistics.
    private struct StoredStatistics: Codable {
        let segment: Int
        let source: String
    }

    private static func decode(_ file: SafeTensorsFile) throws -> Checkpoint {
        let path = file.path
        func fail(_ reason: SettingMessage) -> CharLSTMError { .invalidCheckpoint(path: path, reason: reason) }
        let meta = file.metadata
        guard meta[MetadataKey.format] == "charlstm" else {
            throw fail("it is a safetensors file, but not one written by charlstm (no \"format\": \"charlstm\" metadata)")
        }
        guard meta[MetadataKey.formatVersion] == formatVersion else {
            throw fail("format version \(meta[MetadataKey.formatVersion] ?? "(missing)") is not \(formatVersion), the one this charlstm reads")
        }
        let vocabulary = try decodeVocabulary(meta[MetadataKey.vocabulary], unknown: meta[MetadataKey.unknownCharacter], fail: fail)
        let config: ModelConfig = try decodeJSON(meta[MetadataKey.model], key: MetadataKey.model, fail: fail)
        do { try config.validate() } catch { throw fail("model settings are out of range: \(error)") }
        guard config.vocabularySize == vocabulary.count else {
            throw fail("the vocabulary has \(vocabulary.count) characters but the model settings say \(config.vocabularySize)")
        }
        let layout = ParameterLayout(config: config)
        // Shapes are checked against the layout before anything is allocated from them.
        // Weights may be F16 (an export with --half); what resuming needs is always F32.
        func check(_ name: String, _ shape: [Int], allowHalf: Bool = false) throws {
            guard let info = file.tensors[name] else { throw fail("tensor \"\(name)\" is missing") }
            guard info.dtype == "F32" || (allowHalf && info.dtype == "F16") else {
                throw fail("tensor \"\(name)\" is \(info.dtype), expected F32\(allowHalf ? " or F16" : "")")
            }
            guard info.shape == shape else { throw fail("tensor \"\(name)\" has shape \(info.shape), expected \(shape)") }
        }
        func readAll(prefix: String) throws -> FloatBuffer {
            for entry in layout.entries { try check(prefix + entry.name, entry.shape, allowHalf: prefix.isEmpty) }
            let buffer = FloatBuffer(count: layout.bufferCount)
            for entry in layout.entries {
                file.copyFloats(prefix + entry.name, into: buffer.pointer + entry.offset)
                let values = UnsafeBufferPointer(start: buffer.pointer + entry.offset, count: entry.count)
                guard values.allSatisfy({ $0.isFinite }) else { throw fail("tensor \"\(prefix + entry.name)\" contains NaN or infinite values") }
            }
            return buffer
        }
        let model = try CharLSTMModel(vocabulary: vocabulary, config: config, parameters: readAll(prefix: ""))
        var statistics: GradientStatistics?
        if meta[MetadataKey.gradientStatistics] != nil {
            let stored: StoredStatistics = try decodeJSON(meta[MetadataKey.gradientStatistics],
                                                          key: MetadataKey.gradientStatistics, fail: fail)
            guard stored.segment >= 1 else { throw fail("gradient statistics for segments of \(stored.segment) characters") }
            var rows: [[Float]] = []
            for entry in layout.entries {
                let name = gradientStatisticsPrefix + entry.name
                try check(name, [entry.shape[0]])
                let values = file.floats(name)
                guard values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                    throw fail("tensor \"\(name)\" holds negative or non-finite values")
                }
                rows.append(values)
            }
            statistics = GradientStatistics.fromRows(rows, layout: layout, segment: stored.segment, source: stored.source)
        }

        guard meta[MetadataKey.progress] != nil else {
            return Checkpoint(path: path, model: model, training: nil, gradientStatistics: statistics)
        }
        let options: TrainingOptions = try decodeJSON(meta[MetadataKey.options], key: MetadataKey.options, fail: fail)
        do { try options.validate() } catch { throw fail("training settings are out of range: \(error)") }
        let goal: TrainingGoal = try decodeJSON(meta[MetadataKey.goal], key: MetadataKey.goal, fail: fail)
        let progress: TrainingProgress = try decodeJSON(meta[MetadataKey.progress], key: MetadataKey.progress, fail: fail)
        guard progress.step >= 0, progress.epoch >= 0, progress.cursor >= 0 else { throw fail("training progress has negative counters") }
        let corpus: CorpusRecord = try decodeJSON(meta[MetadataKey.corpus], key: MetadataKey.corpus, fail: fail)
        var resumeState: ResumeState?
        // An exported checkpoint keeps the record but none of the tensors resuming needs; a resumable one has
        // them all.
        if file.tensors.keys.contains(where: { $0.hasPrefix("train.") && !$0.hasPrefix(gradientStatisticsPrefix) }) {
            let stateShape = [config.layers, options.batch, config.hidden]
            try check("train.h", stateShape)
            if config.cell.hasCellState { try check("train.c", stateShape) }
            let (stateH, stateC) = (file.floats("train.h"), config.cell.hasCellState ? file.floats("train.c") : [])
            guard stateH.allSatisfy(\.isFinite), stateC.allSatisfy(\.isFinite) else {
                throw fail("the carried state (train.h, train.c) contains NaN or infinite values")
            }
            resumeState = ResumeState(adamM: try readAll(prefix: "train.adam_m."), adamV: try readAll(prefix: "train.adam_v."),
                                      stateH: stateH, stateC: stateC)
        }
        let snapshot = TrainingSnapshot(options: options, goal: goal, progress: progress, corpus: corpus,
                                        resumeState: resumeState)
        return Checkpoint(path: path, model: model, training: snapshot, gradientStatistics: statistics)
    }

    private static func decodeVocabulary(_ text: String?, unknown unknownText: String?,
                                         fail: (SettingMessage) -> CharLSTMError) throws -> Vocabulary {
        guard let text, let data = text.data(using: .utf8),
              let list = (try? JSONSerialization.jsonObject(with: data)) as? [Any] else {
            throw fail("the vocabulary metadata is missing or is not a JSON array")
        }
        var characters: [Unicode.Scalar] = []
        for item in list {
            guard let string = item as? String, string.unicodeScalars.count == 1 else {
                throw fail("the vocabulary holds an entry that is not exactly one character")
            }
            characters.append(string.unicodeScalars.first!)
        }
        var unknown: Unicode.Scalar?
        if let unknownText {
            guard let data = unknownText.data(using: .utf8),
                  let string = (try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)) as? String,
                  string.unicodeScalars.count == 1 else {
                throw fail("the vocabulary's unknown symbol is not one character as a JSON string")
            }
            unknown = string.unicodeScalars.first
        }
        do { return try Vocabulary(characters: characters, unknown: unknown) } catch { throw fail("the vocabulary is invalid: \(error)") }
    }

    private static func decodeJSON<T: Decodable>(_ text: String?, key: String, fail: (SettingMessage) -> CharLSTMError) throws -> T {
        guard let text else { throw fail("metadata \"\(key)\" is missing") }
        do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch {
            throw fail("metadata \"\(key)\" is not valid (\(text.prefix(80)))")
        }
    }

    private static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain value types cannot fail.
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }
}
