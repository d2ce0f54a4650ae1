import Foundation

/// Where a training run is: everything besides weights, optimiser moments and carried state that a resumed run
/// needs to continue exactly.
public struct TrainingProgress: Sendable, Equatable, Codable {
    /// Optimiser steps taken so far.
    public var step = 0
    /// Completed epochs (the current epoch, 0-based).
    public var epoch = 0
    /// The next chunk of the current epoch.
    public var cursor = 0
    /// The dropout generator, continued across resumes.
    public var random: RandomSource
    /// Lowest validation bits per character so far, and the latest.
    public var bestValidationBPC: Double?
    /// The latest validation's bits per character.
    public var lastValidationBPC: Double?
    /// Training time so far, summed over every resumed session.
    public var trainingSeconds = 0.0
    /// The step a time-limited session is expected to end at, estimated from its speed; nil without a time limit.
    /// The learning-rate schedule anneals to it (or to the goal, if that comes first).
    public var deadlineStep: Int?
    /// The engine's thread count for the latest step. A product split among a different number of threads sums
    /// its terms in another order, so a resume continues bit for bit only with the same count; nil in records
    /// written before it was kept, and by the PyTorch trainer.
    public var threads: Int?

    /// The start of a run whose dropout masks come from `random`.
    public init(random: RandomSource) { self.random = random }

    enum CodingKeys: String, CodingKey {
        case step, epoch, cursor, random
        case bestValidationBPC = "best_validation_bpc"
        case lastValidationBPC = "last_validation_bpc"
        case trainingSeconds = "training_seconds"
        case deadlineStep = "deadline_step"
        case threads
    }
}


/// Which text a run trains on, recorded so that resuming on a changed file is caught.
public struct CorpusRecord: Sendable, Equatable, Codable {
    /// The corpus's absolute path when it was recorded.
    public var path: String
    /// Its size in bytes.
    public var byteCount: Int
    /// FNV-1a of the file's bytes, in hexadecimal.
    public var fingerprint: String

    enum CodingKeys: String, CodingKey {
        case path, fingerprint
        case byteCount = "byte_count"
    }

    /// Records `file`, by absolute path so that a run can be resumed from any working directory.
    public init(_ file: TextFile) {
        path = file.path.hasPrefix("/") ? file.path : FileManager.default.currentDirectoryPath + "/" + file.path
        byteCount = file.byteCount
        fingerprint = String(file.fingerprint, radix: 16)
    }

    /// Whether `file` has the same contents as the recorded corpus.
    public func matches(_ file: TextFile) -> Bool {
        byteCount == file.byteCount && fingerprint == String(file.fingerprint, radix: 16)
    }
}

extension RandomSource: Codable {
    public init(from decoder: Decoder) throws {
        let words = try decoder.singleValueContainer().decode([String].self)
        guard let restored = RandomSource(hexState: words) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad generator state"))
        }
        self = restored
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hexState)
    }
}
