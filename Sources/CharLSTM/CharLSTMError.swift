/// Everything that can go wrong with a user's files or settings, each with a one-line explanation that names the
/// file and what is wrong. Settings are named by ``Setting``: the CLI prints ``description(naming:)`` with its flag
/// names and exits non-zero; nothing in the engine traps on bad input.
public enum CharLSTMError: Error, Equatable, CustomStringConvertible {
    /// A file that should be read does not exist.
    case fileNotFound(path: String)
    /// A path that should be a regular file is a directory (or something else).
    case notARegularFile(path: String)
    /// The operating system refused to read or write a file.
    case fileAccess(path: String, reason: String)
    /// A corpus with no text in it.
    case emptyFile(path: String)
    /// A corpus that is not valid UTF-8; `byteOffset` is where the first bad sequence starts.
    case invalidUTF8(path: String, byteOffset: Int)
    /// A text too short for the batch layout asked for.
    case textTooShort(path: String, detail: SettingMessage)
    /// Characters the model's vocabulary does not have.
    case unknownCharacters(path: String, characters: [Unicode.Scalar])
    /// A checkpoint that is truncated, corrupt, or not a charlstm checkpoint.
    case invalidCheckpoint(path: String, reason: SettingMessage)
    /// A state file (a saved memory) that is truncated, corrupt, not a charlstm state file, or of another model.
    case invalidState(path: String, reason: String)
    /// Saved training state that cannot be resumed (the caller knows which file it came from).
    case invalidTrainingState(SettingMessage)
    /// A setting outside its meaningful range.
    case invalidSetting(SettingMessage)
    /// A training run that cannot continue; `detail` says why and what to do.
    case trainingFailed(SettingMessage)

    /// The message with settings in plain words.
    public var description: String { description { $0.plainName } }

    /// The message with each setting called `name(setting)`.
    public func description(naming name: (Setting) -> String) -> String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file"
        case .notARegularFile(let path):
            return "\(path): is a directory or special file, not a regular file"
        case .fileAccess(let path, let reason):
            return "\(path): \(reason)"
        case .emptyFile(let path):
            return "\(path): the file is empty; a corpus needs text to learn from"
        case .invalidUTF8(let path, let offset):
            return "\(path): not valid UTF-8 (first bad byte at offset \(offset)); charlstm reads UTF-8 text only"
        case .textTooShort(let path, let detail):
            return "\(path): \(detail.rendered(naming: name))"
        case .unknownCharacters(let path, let characters):
            let shown = characters.prefix(20).map { Vocabulary.printable($0) }.joined(separator: " ")
            let more = characters.count > 20 ? " and \(characters.count - 20) more" : ""
            return "\(path): \(characters.count) character(s) not in the model's vocabulary: \(shown)\(more)"
        case .invalidCheckpoint(let path, let reason):
            return "\(path): not a usable charlstm checkpoint: \(reason.rendered(naming: name))"
        case .invalidState(let path, let reason):
            return "\(path): not a usable charlstm state file: \(reason)"
        case .invalidTrainingState(let reason):
            return "the saved training state cannot be resumed: \(reason.rendered(naming: name))"
        case .invalidSetting(let message):
            return message.rendered(naming: name)
        case .trainingFailed(let detail):
            return detail.rendered(naming: name)
        }
    }
}
