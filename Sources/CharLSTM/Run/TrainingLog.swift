import Foundation

/// One validation result, written as one JSON line of `log.jsonl`.
public struct EvaluationRecord: Sendable, Codable, Equatable {
    enum CodingKeys: String, CodingKey {
        case step, epoch, lr
        case trainLoss = "train_loss"
        case valBpc = "val_bpc"
        case charsPerS = "chars_per_s"
        case elapsedS = "elapsed_s"
        case validationS = "validation_s"
    }

    /// The step the validation followed.
    public var step: Int
    /// Epochs completed, with the fraction of the current one.
    public var epoch: Double
    /// Mean training loss since the previous record, nats per character.
    public var trainLoss: Double
    /// Validation bits per character.
    public var valBpc: Double
    /// The learning rate of the last step.
    public var lr: Float
    /// Training throughput since the previous record (validation time excluded).
    public var charsPerS: Double
    /// Training time so far, summed over resumed sessions.
    public var elapsedS: Double
    /// Seconds this validation took (nil in logs written before it was kept, and by the PyTorch trainer).
    public var validationS: Double?

    public init(step: Int, epoch: Double, trainLoss: Double, valBpc: Double, lr: Float, charsPerS: Double,
                elapsedS: Double, validationS: Double? = nil) {
        (self.step, self.epoch, self.trainLoss, self.valBpc, self.lr) = (step, epoch, trainLoss, valBpc, lr)
        (self.charsPerS, self.elapsedS, self.validationS) = (charsPerS, elapsedS, validationS)
    }
}

/// A run's `log.jsonl`: one ``EvaluationRecord`` per line, appended as the run validates and read back by
/// `report`.
public struct TrainingLog: Sendable {
    /// The `log.jsonl` file.
    public let path: String

    /// The log at `path` (created by the first record a run appends).
    public init(path: String) { self.path = path }

    /// Every record, in order; a line that is not a record is an error naming it.
    public func read() throws -> [EvaluationRecord] {
        let text = String(decoding: try FileBytes.read(path), as: UTF8.self)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n", omittingEmptySubsequences: true).enumerated().map { number, line in
            do { return try decoder.decode(EvaluationRecord.self, from: Data(line.utf8)) } catch {
                throw CharLSTMError.fileAccess(path: path, reason: "line \(number + 1) is not a charlstm log record")
            }
        }
    }

    /// Adds `record` as the last line.
    func append(_ record: EvaluationRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(record)
        line.append(0x0A)
        // O_CREAT makes the file in place. (FileManager.createFile writes even an empty file through a temporary
        // one and a rename, which a kill -9 at that moment leaves behind in the run's folder.)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CharLSTMError.fileAccess(path: path, reason: "cannot open the training log for writing")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: line)
        } catch {
            throw CharLSTMError.fileAccess(path: path, reason: "cannot append to the training log: \(error.localizedDescription)")
        }
    }
}
