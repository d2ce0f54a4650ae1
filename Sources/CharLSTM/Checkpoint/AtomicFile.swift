import Foundation

/// Writes a file so that readers only ever see the old contents or the complete new contents.
///
/// The bytes go to a temporary file in the same folder, which is flushed to disk and then renamed over
/// the target; `rename` within one file system is atomic, and syncing the folder makes the rename itself durable.
/// A crash or a full disk at any point leaves the previous file untouched (and at worst a stray temporary file).
public enum AtomicFile {
    /// Fails, as ``write(_:to:)`` would, when `path`'s folder is missing or not writable: for commands that work a
    /// while before they write, so that a mistyped path is the first and only thing said, not the last.
    public static func checkWritable(_ path: String) throws {
        if access(directory(of: path), W_OK | X_OK) != 0 {
            throw CharLSTMError.fileAccess(path: path, reason: "cannot write: \(FileBytes.systemMessage(errno))")
        }
    }

    /// Replaces `path` with `bytes`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { sink in try bytes.withUnsafeBytes { try sink($0) } }
    }

    /// Replaces `path` with what `produce` hands, piece by piece, to the sink it is given.
    public static func write(to path: String, _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let folder = directory(of: path)
        let temporary = "\(folder)/.\(baseName(of: path)).\(getpid())\(temporarySuffix)"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CharLSTMError.fileAccess(path: path, reason: "cannot write: \(FileBytes.systemMessage(errno))")
        }
        var failure: Int32 = 0
        do {
            try produce { piece in
                var written = 0
                while written < piece.count {
                    let n = Platform.write(descriptor, piece.baseAddress! + written, piece.count - written)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw SystemError(code: errno)
                    }
                    written += n
                }
            }
        } catch let error as SystemError {
            failure = error.code
        }
        if failure == 0 { failure = Platform.flushToDisk(descriptor) }
        if close(descriptor) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw CharLSTMError.fileAccess(path: path, reason: "write failed (\(FileBytes.systemMessage(failure))); the previous file, if any, is unchanged")
        }
        let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            _ = Platform.flushToDisk(folderDescriptor)
            close(folderDescriptor)
        }
    }

    /// The temporary files a write makes are named `.NAME.PID.tmp`, in the target's folder.
    private static let temporarySuffix = ".tmp"

    /// Whether a file name is one of the temporary files a write makes (left behind only by a killed process).
    public static func isTemporaryName(_ name: String) -> Bool { name.hasPrefix(".") && name.hasSuffix(temporarySuffix) }

    /// Disk space a write replacing a file of `size` bytes needs besides the file it replaces: the whole new copy
    /// exists beside the old one until the rename.
    public static func extraBytesToReplace(_ size: Int) -> Int { size }

    /// An operating-system error number, carried out of the writing closure.
    private struct SystemError: Error {
        let code: Int32
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
