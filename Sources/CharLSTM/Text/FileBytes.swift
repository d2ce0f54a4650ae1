import Foundation

/// Reads whole files with plain POSIX calls, turning every failure into a ``CharLSTMError`` that names the file.
enum FileBytes {
    /// The contents of the regular file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { throw openError(path: path, errno: errno) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw CharLSTMError.fileAccess(path: path, reason: systemMessage(errno)) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw CharLSTMError.notARegularFile(path: path) }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while filled < size {
                let got = Platform.read(descriptor, buffer.baseAddress! + filled, size - filled)
                if got < 0 {
                    if errno == EINTR { continue }
                    throw CharLSTMError.fileAccess(path: path, reason: "read failed: \(systemMessage(errno))")
                }
                if got == 0 { break }
                filled += got
            }
        }
        // A file that shrank while being read is read as what was there.
        if filled < size { bytes.removeLast(size - filled) }
        return bytes
    }

    static func openError(path: String, errno code: Int32) -> CharLSTMError {
        switch code {
        case ENOENT, ENOTDIR: return .fileNotFound(path: path)
        case EISDIR: return .notARegularFile(path: path)
        default: return .fileAccess(path: path, reason: systemMessage(code))
        }
    }

    /// The C library's message for an error number, such as "Permission denied".
    static func systemMessage(_ code: Int32) -> String { String(cString: strerror(code)) }
}
