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


/// Which text a run trains on, recorded so that resuming on a changed corpus is caught, and so that a run on
/// many files can find them again.
public struct CorpusRecord: Sendable, Equatable, Codable {
    /// The corpus's absolute path when it was recorded: the file, or the first path given for many files.
    public var path: String
    /// Its size in bytes (all files).
    public var byteCount: Int
    /// FNV-1a of the file's bytes, in hexadecimal; for many files, FNV-1a of their ``FileRecord/line``s.
    public var fingerprint: String
    /// For a corpus of many files: each one, in order (nil for a single file).
    public var files: [FileRecord]?
    /// For a corpus of many files: the paths given (absolute) and the patterns, as ``CorpusSelection`` has them.
    public var paths: [String]?
    public var include: [String]?
    public var exclude: [String]?

    /// One file of a corpus of many.
    public struct FileRecord: Sendable, Equatable, Codable {
        /// Its path relative to the folder given (or as given, for a file named directly), and absolute.
        public var name: String
        public var path: String
        public var byteCount: Int
        public var fingerprint: String

        enum CodingKeys: String, CodingKey {
            case name, path, fingerprint
            case byteCount = "byte_count"
        }

        /// What the corpus's fingerprint hashes for this file: name, size and fingerprint, tab-separated.
        var line: String { "\(name)\t\(byteCount)\t\(fingerprint)\n" }
    }

    enum CodingKeys: String, CodingKey {
        case path, fingerprint, files, paths, include, exclude
        case byteCount = "byte_count"
    }

    /// Records `file`, by absolute path so that a run can be resumed from any working directory.
    public init(_ file: TextFile) {
        self.init(path: Self.absolute(file.path), byteCount: file.byteCount,
                  fingerprint: String(file.fingerprint, radix: 16), files: nil, paths: nil, include: nil, exclude: nil)
    }

    /// Records `corpus`: as its one file, or file by file.
    public init(_ corpus: Corpus) {
        guard let selection = corpus.selection, !corpus.isSingleFile else {
            self.init(corpus.files[0].text)
            return
        }
        let files = corpus.files.map { file in
            FileRecord(name: file.name, path: Self.absolute(file.text.path), byteCount: file.text.byteCount,
                       fingerprint: String(file.text.fingerprint, radix: 16))
        }
        self.init(path: Self.absolute(selection.paths[0]), byteCount: corpus.byteCount,
                  fingerprint: Self.fingerprint(of: files), files: files, paths: selection.paths.map(Self.absolute),
                  include: selection.include, exclude: selection.exclude)
    }

    private init(path: String, byteCount: Int, fingerprint: String, files: [FileRecord]?, paths: [String]?,
                 include: [String]?, exclude: [String]?) {
        (self.path, self.byteCount, self.fingerprint) = (path, byteCount, fingerprint)
        (self.files, self.paths, self.include, self.exclude) = (files, paths, include, exclude)
    }

    /// Whether `corpus` has the same contents as the recorded one.
    public func matches(_ corpus: Corpus) -> Bool { difference(from: corpus) == nil }

    /// Whether `file` has the same contents as the recorded corpus.
    public func matches(_ file: TextFile) -> Bool { matches(Corpus(file)) }

    /// How `corpus` differs from the recorded one, in words, or nil when it is the same text.
    public func difference(from corpus: Corpus) -> String? {
        let now = CorpusRecord(corpus)
        guard let files else {
            if now.files != nil { return "the run was trained on one file, \(path)" }
            if byteCount == now.byteCount && fingerprint == now.fingerprint { return nil }
            return "recorded \(byteCount) bytes, fingerprint \(fingerprint); now \(now.byteCount) bytes, fingerprint \(now.fingerprint)"
        }
        let found = now.files ?? []
        if found.count != files.count { return "recorded \(files.count) files; now \(found.count)" }
        for (was, isNow) in zip(files, found) where was.byteCount != isNow.byteCount || was.fingerprint != isNow.fingerprint || was.name != isNow.name {
            return "\(isNow.path) differs from the recorded \(was.name) (\(was.byteCount) bytes, fingerprint \(was.fingerprint); now \(isNow.byteCount) bytes, fingerprint \(isNow.fingerprint))"
        }
        return nil
    }

    /// The recorded files, found again: under `root` when given (the folder moved), else where they were.
    public func reload(root: String? = nil) throws -> Corpus {
        guard let files else { return Corpus(try TextFile(path: root ?? path)) }
        let selection = CorpusSelection(paths: root.map { [$0] } ?? paths ?? [path], include: include ?? [], exclude: exclude ?? [])
        let entries = files.map { file in
            CorpusSelection.Entry(path: root.map { $0 + "/" + file.name } ?? file.path, name: file.name)
        }
        return try Corpus(recorded: entries, selection: selection)
    }

    /// Whether the recorded files are where they were, with their recorded sizes, in words — a quick look (one
    /// `stat` a file); their contents are checked when a run resumes.
    public func whereabouts() -> String {
        func size(_ path: String) -> Int? {
            var info = stat()
            return stat(path, &info) == 0 ? Int(info.st_size) : nil
        }
        let recorded = files.map { $0.map { ($0.path, $0.byteCount) } } ?? [(path, byteCount)]
        let missing = recorded.filter { size($0.0) == nil }
        if let first = missing.first {
            return missing.count == recorded.count ? "not found where it was" : "\(missing.count) of \(recorded.count) files missing, first \(first.0)"
        }
        let resized = recorded.filter { size($0.0) != $0.1 }
        if let first = resized.first { return "changed: \(first.0) is not the recorded size" }
        return "found, sizes as recorded"
    }

    static func fingerprint(of files: [FileRecord]) -> String {
        let lines = Array(files.map(\.line).joined().utf8)
        return String(lines.withUnsafeBufferPointer { TextFile.fnv1a($0) }, radix: 16)
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
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
