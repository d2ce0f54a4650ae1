import CFileMapping
import Foundation

/// The bytes of a text: a read-only memory map of its file, or, for a text made in memory, a copy of its own.
///
/// A mapping costs no anonymous memory — the pages are the file's, and the kernel drops and rereads them as it
/// needs — so a corpus larger than the machine's memory can be trained on. The file can change while it is
/// mapped: bytes written in place show through, and pages cut off by a truncation read as zeros (file_mapping.c
/// catches the SIGBUS that would otherwise kill the process). ``change()`` tells any change — a write, a
/// truncation, a new file under the name, its removal — from an intact file, so a reader can stop with an error
/// naming the file instead of training on text that is no longer there.
final class TextBytes: @unchecked Sendable {
    /// The first byte; never null (an empty text has no bytes, and is refused before this is made).
    let base: UnsafePointer<UInt8>
    let count: Int
    /// The file, and its mapping's slot (file_mapping.c); nil for bytes in memory. No descriptor stays open, so a
    /// corpus may be a folder of more files than a process may hold open.
    private let mapping: (path: String, slot: Int)?
    /// The path as C characters, made once: ``change()`` runs at every training step, and handing `stat` a
    /// Swift string would copy it there each time.
    private let cPath: [CChar]
    /// The file as it was when mapped; a file that still matches this has not been written to or replaced.
    private let identity: FileIdentity

    /// Maps the regular file at `path`.
    init(mapping path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { throw FileBytes.openError(path: path, errno: errno) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw CharLSTMError.fileAccess(path: path, reason: FileBytes.systemMessage(errno))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw CharLSTMError.notARegularFile(path: path) }
        guard info.st_size > 0 else { throw CharLSTMError.emptyFile(path: path) }
        var mapped: UnsafePointer<UInt8>?
        let slot = charlstm_map_file(descriptor, Int(info.st_size), &mapped)
        guard slot >= 0, let mapped else {
            let limit = errno == ENOMEM ? " (a process may map about 65,000 files: vm.max_map_count)" : ""
            throw CharLSTMError.fileAccess(path: path, reason: "cannot map the file into memory: \(FileBytes.systemMessage(errno))\(limit)")
        }
        base = mapped
        count = Int(info.st_size)
        mapping = (path, slot)
        cPath = Array(path.utf8CString)
        identity = FileIdentity(info)
    }

    /// A copy of `bytes`, which must not be empty.
    init(copying bytes: [UInt8]) {
        precondition(!bytes.isEmpty)
        let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        copy.initialize(from: bytes, count: bytes.count)
        base = UnsafePointer(copy)
        count = bytes.count
        mapping = nil
        cPath = []
        identity = FileIdentity(stat())
    }

    deinit {
        if let mapping {
            charlstm_unmap_file(mapping.slot)
        } else {
            UnsafeMutablePointer(mutating: base).deallocate()
        }
    }

    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// How the file differs from when it was mapped — written to, cut short, replaced or removed — or nil while it
    /// is intact (always, for bytes in memory).
    func change() -> String? {
        guard let mapping else { return nil }
        if charlstm_mapping_faults(mapping.slot) > 0 { return "the file was cut short while it was being read" }
        var info = stat()
        guard cPath.withUnsafeBufferPointer({ stat($0.baseAddress!, &info) }) == 0 else { return "the file is gone (\(FileBytes.systemMessage(errno)))" }
        let now = FileIdentity(info)
        if now.device != identity.device || now.inode != identity.inode { return "the file was replaced by another" }
        if now.size != identity.size { return "the file's size changed from \(identity.size) to \(now.size) bytes" }
        if now != identity { return "the file was written to" }
        return nil
    }
}

/// What tells one state of a file from another without reading it. (Plain fields: it is made at every step.)
private struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int(info.st_size)
        #if os(macOS)
        (modifiedSeconds, modifiedNanoseconds) = (Int(info.st_mtimespec.tv_sec), Int(info.st_mtimespec.tv_nsec))
        #else
        (modifiedSeconds, modifiedNanoseconds) = (Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec))
        #endif
    }
}
