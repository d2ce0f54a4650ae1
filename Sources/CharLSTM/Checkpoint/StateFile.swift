import Foundation

/// A conversation's state in a file of its own (`:save-state`, `repl --state`, `sample --state`): a small
/// safetensors file of the memory, with the random generator, how much the memory has read and its last
/// characters, and the fingerprint of the model it belongs to. docs/checkpoint-format.md, "State files",
/// specifies its tensors and metadata.
///
/// The reader checks everything as strictly as the checkpoint reader does, and refuses a state of another model
/// in one line that names both.
public enum StateFile {
    static let format = "charlstm-state"
    static let formatVersion = "1"

    /// Writes `state`, a state of `model` (loaded from a file called `checkpointName`), to `path` atomically.
    public static func write(_ state: ConversationState, model: CharLSTMModel, checkpointName: String,
                             to path: String) throws {
        try AtomicFile.write(encode(state, model: model, checkpointName: checkpointName), to: path)
    }

    /// The file's bytes.
    public static func encode(_ state: ConversationState, model: CharLSTMModel, checkpointName: String) -> [UInt8] {
        let c = model.config
        var writer = SafeTensorsWriter()
        let memory = state.memory
        writer.add("h", shape: [c.layers, c.hidden], values: memory.h)
        if c.cell.hasCellState { writer.add("c", shape: [c.layers, c.hidden], values: memory.c) }
        if !memory.nextLogits.isEmpty { writer.add("next_logits", shape: [c.vocabularySize], values: memory.nextLogits) }
        if !memory.lastDraw.isEmpty { writer.add("last_draw", shape: [c.vocabularySize], values: memory.lastDraw) }
        let metadata = [
            "format": format,
            "format_version": formatVersion,
            "model_fingerprint": String(model.fingerprint, radix: 16),
            "model": model.shapeDescription,
            "checkpoint": checkpointName,
            "random": "[" + state.random.hexState.map(JSONText.quote).joined(separator: ",") + "]",
            "characters_read": String(state.charactersRead),
            "tail": JSONText.quote(String(String.UnicodeScalarView(state.tail))),
            "last_drawn": String(memory.lastDrawn),
        ]
        return writer.bytes(metadata: metadata)
    }

    /// Reads the state file at `path`, which must belong to `model` (loaded from `checkpointName`).
    public static func read(path: String, for model: CharLSTMModel, checkpointName: String) throws -> ConversationState {
        try read(path: path, bytes: FileBytes.read(path), for: model, checkpointName: checkpointName)
    }

    /// Reads a state file already in memory; `path` is used in messages.
    public static func read(path: String, bytes: [UInt8], for model: CharLSTMModel,
                            checkpointName: String) throws -> ConversationState {
        func fail(_ reason: String) -> CharLSTMError { .invalidState(path: path, reason: reason) }
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(path: path, bytes: bytes)
        } catch CharLSTMError.invalidCheckpoint(_, let reason) {
            throw fail(reason.rendered { $0.plainName })
        }
        let meta = file.metadata
        guard meta["format"] == format else {
            let what = meta["format"] == "charlstm" ? "a checkpoint, not a state file (load it with :load or repl CHECKPOINT)"
                : "a safetensors file, but not a state written by charlstm (no \"format\": \"\(format)\" metadata)"
            throw fail("it is \(what)")
        }
        guard meta["format_version"] == formatVersion else {
            throw fail("format version \(shown(meta["format_version"] ?? "(missing)")) is not \(formatVersion), the one this charlstm reads")
        }
        let fingerprint = String(model.fingerprint, radix: 16)
        guard meta["model_fingerprint"] == fingerprint else {
            let shape = meta["model"].map { "a " + shown($0) } ?? "an unknown model"
            let origin = meta["checkpoint"].map { " saved from \(shown($0))" } ?? ""
            throw fail("it is the memory of \(shape)\(origin) (fingerprint \(shown(meta["model_fingerprint"] ?? "missing"))), not of \(checkpointName), a \(model.shapeDescription) (fingerprint \(fingerprint))")
        }
        let c = model.config
        func floats(_ name: String, _ shape: [Int], required: Bool) throws -> [Float] {
            guard let info = file.tensors[name] else {
                if required { throw fail("tensor \"\(name)\" is missing") }
                return []
            }
            guard info.dtype == "F32" else { throw fail("tensor \"\(name)\" is \(info.dtype), expected F32") }
            guard info.shape == shape else { throw fail("tensor \"\(name)\" has shape \(info.shape), expected \(shape)") }
            let values = file.floats(name)
            guard values.allSatisfy(\.isFinite) else { throw fail("tensor \"\(name)\" contains NaN or infinite values") }
            return values
        }
        let known: Set = ["h", "c", "next_logits", "last_draw"]
        if let stray = file.tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw fail("tensor \"\(stray)\" is not part of a state file")
        }
        let h = try floats("h", [c.layers, c.hidden], required: true)
        let cells = c.cell.hasCellState ? try floats("c", [c.layers, c.hidden], required: true) : []
        if !c.cell.hasCellState && file.tensors["c"] != nil { throw fail("it holds a cell state c, which \(c.cell.displayName) cells do not have") }
        let nextLogits = try floats("next_logits", [c.vocabularySize], required: false)
        let lastDraw = try floats("last_draw", [c.vocabularySize], required: false)
        guard let lastDrawnText = meta["last_drawn"], let lastDrawn = Int32(lastDrawnText),
              lastDraw.isEmpty ? lastDrawn == -1 : (0..<Int32(c.vocabularySize)).contains(lastDrawn) else {
            throw fail("metadata \"last_drawn\" is missing or does not fit the last_draw tensor")
        }
        guard lastDraw.allSatisfy({ $0 >= 0 && $0 <= 1 }) else { throw fail("tensor \"last_draw\" is not a distribution") }
        guard let randomText = meta["random"], let words = try? JSONDecoder().decode([String].self, from: Data(randomText.utf8)),
              let random = RandomSource(hexState: words) else {
            throw fail("metadata \"random\" is missing or is not a generator state")
        }
        guard let readText = meta["characters_read"], let charactersRead = Int(readText), charactersRead >= 0 else {
            throw fail("metadata \"characters_read\" is missing or not a count")
        }
        guard let tailText = meta["tail"], let tailString = try? JSONDecoder().decode(String.self, from: Data(tailText.utf8)),
              tailString.unicodeScalars.count <= Conversation.tailLength else {
            throw fail("metadata \"tail\" is missing or is not a string of at most \(Conversation.tailLength) characters")
        }
        let memory = SamplerMemory(h: h, c: cells, nextLogits: nextLogits, lastDraw: lastDraw, lastDrawn: lastDrawn)
        return ConversationState(memory: memory, random: random, charactersRead: charactersRead,
                                 tail: Array(tailString.unicodeScalars))
    }

    /// Text from the file as a message may show it: on one line, control characters as U+FFFD, at most 120
    /// characters.
    private static func shown(_ text: String) -> String {
        let scalars = text.unicodeScalars.prefix(120).map { scalar -> Unicode.Scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned: "\u{FFFD}"
            default: scalar
            }
        }
        return String(String.UnicodeScalarView(scalars))
    }
}
