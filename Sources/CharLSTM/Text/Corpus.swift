import Foundation

/// The text a run learns: one file, or many (a ``CorpusSelection``) read as one text, file after file, with no
/// separator added between them. Each file is a mapped ``TextFile``; a file under a folder that is empty or not
/// UTF-8 text (an image, an object file) is skipped and counted, while a file named directly must be text.
///
/// How it is split for validation (``split(validationFraction:)``): a single file holds out its last
/// `validationFraction` of characters, as char-rnn does; many files hold out whole files, chosen by a fixed
/// seeded shuffle from across the corpus, so that validation measures text unlike what was trained on rather
/// than the tail of the last file.
public final class Corpus: @unchecked Sendable {
    /// The files, in the corpus's order, each with the name its record uses.
    public let files: [(name: String, text: TextFile)]
    /// Files under a folder that were left out, with why.
    public let skipped: [(path: String, reason: String)]
    /// What the corpus was made from (nil for a single file given as such).
    public let selection: CorpusSelection?
    /// Whether it is one file named as such (then it is recorded, named and split as that file).
    public let isSingleFile: Bool
    /// Characters in all files.
    public let characterCount: Int
    /// Bytes in all files.
    public let byteCount: Int
    /// The distinct characters of all files, in ascending scalar order.
    public let distinctCharacters: [Unicode.Scalar]
    /// How long loading took (mapping, validating, counting, fingerprinting, indexing); 0 for a file loaded
    /// before it was made a corpus.
    public private(set) var loadSeconds = 0.0

    /// The corpus of one text file.
    public convenience init(_ file: TextFile) {
        self.init(files: [(file.path, file)], skipped: [], selection: nil, isSingleFile: true)
    }

    /// Loads the files `selection` names (see ``CorpusSelection``), several at once.
    public convenience init(_ selection: CorpusSelection) throws {
        let start = ContinuousClock.now
        let entries = try selection.entries()
        if entries.count == 1 && selection.isSingleFile {
            let file = try TextFile(path: entries[0].path)
            self.init(files: [(entries[0].name, file)], skipped: [], selection: selection, isSingleFile: true)
        } else {
            try self.init(loading: entries, selection: selection, strict: false)
        }
        loadSeconds = (ContinuousClock.now - start).seconds
    }

    /// Loads recorded files again (for a resumed run): every one must be there, as text.
    convenience init(recorded entries: [CorpusSelection.Entry], selection: CorpusSelection) throws {
        let start = ContinuousClock.now
        try self.init(loading: entries, selection: selection, strict: true)
        loadSeconds = (ContinuousClock.now - start).seconds
    }

    private convenience init(loading entries: [CorpusSelection.Entry], selection: CorpusSelection, strict: Bool) throws {
        let results = UnsafeMutablePointer<Result<TextFile, any Error>?>.allocate(capacity: entries.count)
        results.initialize(repeating: nil, count: entries.count)
        defer { results.deinitialize(count: entries.count); results.deallocate() }
        nonisolated(unsafe) let output = results
        // A few files a task, so that many small files do not each cost a task.
        let tasks = min(entries.count, 8 * max(1, ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: tasks) { task in
            for k in stride(from: task, to: entries.count, by: tasks) {
                output[k] = Result { try TextFile(path: entries[k].path) }
            }
        }
        var files: [(String, TextFile)] = []
        var skipped: [(String, String)] = []
        for (k, entry) in entries.enumerated() {
            switch results[k]! {
            case .success(let file): files.append((entry.name, file))
            case .failure(let error):
                // Named directly, or recorded by the run: a file that is not text is an error, as for one file.
                let direct = strict || selection.paths.contains(entry.path)
                switch error as? CharLSTMError {
                case .invalidUTF8? where !direct: skipped.append((entry.path, "not UTF-8 text"))
                case .emptyFile? where !direct: skipped.append((entry.path, "empty"))
                default: throw error
                }
            }
        }
        guard !files.isEmpty else {
            throw CharLSTMError.fileAccess(path: selection.paths.joined(separator: ", "), reason: "none of its \(entries.count) files is UTF-8 text")
        }
        self.init(files: files, skipped: skipped, selection: selection, isSingleFile: false)
    }

    private init(files: [(name: String, text: TextFile)], skipped: [(path: String, reason: String)],
                 selection: CorpusSelection?, isSingleFile: Bool) {
        self.files = files
        self.skipped = skipped
        self.selection = selection
        self.isSingleFile = isSingleFile
        characterCount = files.reduce(0) { $0 + $1.text.characterCount }
        byteCount = files.reduce(0) { $0 + $1.text.byteCount }
        var seen = Set<Unicode.Scalar>()
        for file in files { seen.formUnion(file.text.distinctCharacters) }
        distinctCharacters = seen.sorted { $0.value < $1.value }
    }

    /// The corpus in messages: the file's path, or the paths given and the number of files.
    public var displayName: String {
        guard let selection, !isSingleFile else { return files[0].text.path }
        return "\(selection.paths.joined(separator: " ")) (\(files.count) files)"
    }

    /// Why a file of the corpus no longer holds the text it was loaded with, naming it, or nil while all are
    /// intact. Checks the files `text` read since the last call (``CorpusText`` notes them); allocates nothing
    /// while they are intact, as it runs at every training step.
    public func change(readBy text: CorpusText) -> (path: String, change: String)? {
        defer { text.forgetTouched() }
        for k in text.touched {
            if let change = files[k].text.change() { return (files[k].text.path, change) }
        }
        return nil
    }

    /// Fails, naming them, when the corpus has characters `vocabulary` lacks and has no unknown symbol for.
    public func checkCovered(by vocabulary: Vocabulary) throws {
        let unknown = distinctCharacters.filter { vocabulary.id(of: $0) == nil }
        guard unknown.isEmpty || vocabulary.unknownID != nil else {
            throw CharLSTMError.unknownCharacters(path: displayName, characters: unknown)
        }
    }

    /// How often each character occurs, over all files (one pass, a file a task).
    public func characterCounts() -> [Unicode.Scalar: Int] {
        let perFile = UnsafeMutablePointer<[Unicode.Scalar: Int]>.allocate(capacity: files.count)
        perFile.initialize(repeating: [:], count: files.count)
        defer { perFile.deinitialize(count: files.count); perFile.deallocate() }
        nonisolated(unsafe) let output = perFile
        let files = self.files
        DispatchQueue.concurrentPerform(iterations: files.count) { k in
            var ascii = [Int](repeating: 0, count: 128)
            var other: [Unicode.Scalar: Int] = [:]
            for character in files[k].text {
                if character.value < 128 { ascii[Int(character.value)] += 1 } else { other[character, default: 0] += 1 }
            }
            for (value, count) in ascii.enumerated() where count > 0 { other[Unicode.Scalar(UInt8(value)), default: 0] += count }
            output[k] = other
        }
        var counts: [Unicode.Scalar: Int] = [:]
        for k in 0..<files.count { counts.merge(perFile[k], uniquingKeysWith: +) }
        return counts
    }

    // MARK: The split

    /// The held-out files' share may overshoot the fraction asked for by at most this factor: files that would
    /// take it further are passed over.
    static let validationOvershoot = 1.5
    /// The seed of the shuffle that picks the held-out files: fixed, so that runs with different seeds, and
    /// resumed runs, validate on the same files.
    static let splitSeed: UInt64 = 0x5EED_F11E

    /// How the corpus divides into training and validation text.
    public struct Split {
        /// The text to train on, and the held-out text.
        public let training: CorpusText
        public let validation: CorpusText
        /// Files held out whole (empty when the last characters are held out).
        public let heldOutFiles: [Int]
        /// Describes each text in messages: "the training text (first 90%)".
        public let trainingDescription: String
        public let validationDescription: String

        /// The held-out text as validation reads it: `min(batch, n / (seq + 1))` contiguous streams in chunks of
        /// `seq` (``StreamBatcher``); `path` names the corpus in the error for a text too short for one stream.
        public func validationStreams(batch: Int, seq: Int, path: String) throws -> StreamBatcher {
            let streams = min(batch, validation.count / (seq + 1))
            guard streams >= 1 else {
                throw CharLSTMError.textTooShort(path: path, detail: "\(validationDescription) has \(validation.count) characters, but one stream of \(Setting.seq) \(seq) needs at least \(seq + 1); raise \(Setting.validationFraction), lower \(Setting.seq), or use a longer text")
            }
            return try StreamBatcher(source: validation, streams: streams, steps: seq, path: path,
                                     describe: validationDescription)
        }
    }

    /// The split for `validationFraction`: whole files when there are several and some can be held out within
    /// ``validationOvershoot`` of the fraction, the last characters otherwise.
    public func split(validationFraction fraction: Double, vocabulary: Vocabulary) -> Split {
        let percent = Int((fraction * 100).rounded())
        if files.count > 1 {
            var random = RandomSource(seed: Self.splitSeed)
            var order = Array(files.indices)
            for k in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(k, Int(random.next() % UInt64(k + 1)))
            }
            let target = fraction * Double(characterCount)
            var heldOut: [Int] = []
            var held = 0
            for k in order where Double(held) < target && heldOut.count < files.count - 1 {
                let size = files[k].text.characterCount
                if Double(held + size) <= target * Self.validationOvershoot {
                    heldOut.append(k)
                    held += size
                }
            }
            if !heldOut.isEmpty {
                heldOut.sort()
                let isHeldOut = Set(heldOut)
                let kept = files.indices.filter { !isHeldOut.contains($0) }
                let share = String(format: "%.1f%%", Double(held) * 100 / Double(characterCount))
                return Split(
                    training: CorpusText(corpus: self, pieces: kept.map { ($0, 0..<files[$0].text.characterCount) }, vocabulary: vocabulary),
                    validation: CorpusText(corpus: self, pieces: heldOut.map { ($0, 0..<files[$0].text.characterCount) }, vocabulary: vocabulary),
                    heldOutFiles: heldOut,
                    trainingDescription: "the training text (\(kept.count) files)",
                    validationDescription: "the validation text (\(heldOut.count) whole files, \(share) of the characters)")
            }
        }
        // One text: the last characters, across the files' boundaries if there are several.
        let trainCount = Int((Double(characterCount) * (1 - fraction)).rounded(.down))
        return Split(training: CorpusText(corpus: self, characters: 0..<trainCount, vocabulary: vocabulary),
                     validation: CorpusText(corpus: self, characters: trainCount..<characterCount, vocabulary: vocabulary),
                     heldOutFiles: [],
                     trainingDescription: "the training text (first \(100 - percent)%)",
                     validationDescription: "the validation text (last \(percent)%)")
    }
}

/// Stretches of a corpus's files read as one sequence of ids (a ``TokenSource``): decoded from the mapped bytes on
/// demand, so no array of ids is ever made. It notes which files it read, for ``Corpus/change(readBy:)``.
public final class CorpusText: TokenSource, @unchecked Sendable {
    public let corpus: Corpus
    public let vocabulary: Vocabulary
    /// (file, its characters) in order, and where each starts in this text.
    private let pieces: [(file: Int, characters: Range<Int>)]
    private let starts: [Int]
    public let count: Int
    /// Files read since ``forgetTouched()``, in order of first reading (a short list: a step reads few).
    private(set) var touched: [Int] = []
    private var isTouched: [Bool]

    init(corpus: Corpus, pieces: [(Int, Range<Int>)], vocabulary: Vocabulary) {
        self.corpus = corpus
        self.vocabulary = vocabulary
        self.pieces = pieces.filter { !$0.1.isEmpty }
        var starts: [Int] = []
        var total = 0
        for piece in self.pieces {
            starts.append(total)
            total += piece.characters.count
        }
        self.starts = starts
        count = total
        isTouched = [Bool](repeating: false, count: corpus.files.count)
    }

    /// Characters `characters` of the corpus as one text, across its files.
    convenience init(corpus: Corpus, characters: Range<Int>, vocabulary: Vocabulary) {
        var pieces: [(Int, Range<Int>)] = []
        var start = 0
        for (k, file) in corpus.files.enumerated() {
            let range = start..<start + file.text.characterCount
            let overlap = range.clamped(to: characters)
            if !overlap.isEmpty { pieces.append((k, overlap.lowerBound - start..<overlap.upperBound - start)) }
            start = range.upperBound
        }
        self.init(corpus: corpus, pieces: pieces, vocabulary: vocabulary)
    }

    /// A character the vocabulary lacks reads as its unknown symbol (a capped vocabulary), or else — only
    /// possible once a file has changed under its mapping, which ``Corpus/change(readBy:)`` reports — as id 0.
    public func read(from start: Int, count length: Int, into destination: UnsafeMutablePointer<Int32>) {
        precondition(start >= 0 && length >= 0 && start + length <= count, "stretch outside the text")
        var low = 0, high = pieces.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= start { low = middle } else { high = middle - 1 }
        }
        var position = start, written = 0, piece = low
        while written < length {
            let (file, characters) = pieces[piece]
            let offset = position - starts[piece]
            let take = min(length - written, characters.count - offset)
            if !isTouched[file] {
                isTouched[file] = true
                touched.append(file)
            }
            var k = written
            corpus.files[file].text.forEachCharacter(from: characters.lowerBound + offset, count: take) { character in
                destination[k] = vocabulary.readingID(of: character) ?? 0
                k += 1
            }
            written += take
            position += take
            piece += 1
        }
    }

    /// Starts noting afresh which files are read.
    func forgetTouched() {
        for k in touched { isTouched[k] = false }
        touched.removeAll(keepingCapacity: true)
    }
}
