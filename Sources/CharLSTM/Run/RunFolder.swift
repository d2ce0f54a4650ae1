import Foundation

/// Where a run's files are in its folder — what a run writes and what `report` reads, whether or not a run holds
/// the folder now.
public struct RunLayout: Sendable, Equatable {
    /// The folder, without a trailing slash.
    public let path: String

    /// The layout of the folder at `path`.
    public init(path: String) {
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// The checkpoint saved after every validation and at the end.
    public var latest: String { path + "/latest.safetensors" }
    /// The checkpoint with the lowest validation bits per character so far.
    public var best: String { path + "/best.safetensors" }
    /// One JSON object per validation (``TrainingLog``).
    public var log: String { path + "/log.jsonl" }
    /// The checkpoint that describes the run best: `best`, or `latest` before any validation has been saved.
    public var bestOrLatest: String { FileManager.default.fileExists(atPath: best) ? best : latest }
}

/// The folder a training run writes (its ``RunLayout``), and everything about owning it: it is created and proved
/// writable, claimed with a ``FolderLock`` for as long as this value lives, cleared of what a killed save left
/// behind, and checked for room before a run starts.
public final class RunFolder {
    /// Where its files are.
    public let layout: RunLayout
    /// Held for this value's lifetime, so a second run cannot write into the same folder.
    private let lock: FolderLock

    /// The layout's folder and files.
    public var path: String { layout.path }
    public var latest: String { layout.latest }
    public var best: String { layout.best }
    public var log: String { layout.log }

    /// Prepares `path` (creating it if needed), checks that it can be written and claims it; fails if another run
    /// holds it.
    public init(path: String) throws {
        layout = RunLayout(path: path)
        try Self.prepare(layout.path)
        lock = try FolderLock(folder: layout.path)
    }

    /// Temporary files in the folder can only be debris of a killed save: this process holds the folder's lock.
    public func removeStaleTemporaryFiles() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names where AtomicFile.isTemporaryName(name) {
            try? FileManager.default.removeItem(atPath: path + "/" + name)
        }
    }

    /// Refuses to go on when the disk cannot take another checkpoint the size of `latest` (for `best`) and what
    /// replacing `latest` needs besides (``AtomicFile/extraBytesToReplace(_:)``).
    public func checkRoomForCheckpoints() throws {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: latest))?[.size] as? Int,
              let available = Platform.availableBytes(at: path) else { return }
        let needed = size + AtomicFile.extraBytesToReplace(size)
        let megabytes = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1e6) }
        guard available >= needed else {
            throw CharLSTMError.fileAccess(path: path, reason: "only \(megabytes(available)) free; checkpoints are \(megabytes(size)) and saving needs room for best.safetensors and a temporary copy (\(megabytes(needed)))")
        }
    }

    /// Creates the folder if needed and proves it writable with a probe file.
    static func prepare(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CharLSTMError.fileAccess(path: path, reason: "cannot create the output folder (\(error.localizedDescription))")
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw CharLSTMError.fileAccess(path: path, reason: "the output path exists and is not a folder")
        }
        let probe = path + "/.write-test.\(getpid())"
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CharLSTMError.fileAccess(path: path, reason: "the output folder is not writable: \(FileBytes.systemMessage(errno))")
        }
        close(descriptor)
        unlink(probe)
    }
}
