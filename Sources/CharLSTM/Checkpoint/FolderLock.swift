import Foundation

/// An exclusive claim on an output folder, so two training runs never write the same checkpoints.
///
/// It is an advisory `flock` on `.charlstm.lock` inside the folder. The kernel drops it when the holding process
/// ends in any way — including `kill -9` — so a crashed run never leaves the folder stuck. The holder's process id
/// is written into the file only to name it in the message a second run gets.
public final class FolderLock {
    private let descriptor: Int32

    /// Takes the lock, or fails at once (without waiting) naming the process that holds it.
    public init(folder: String) throws {
        let path = folder + "/.charlstm.lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CharLSTMError.fileAccess(path: folder, reason: "cannot create the lock file: \(FileBytes.systemMessage(errno))")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let holder = Self.readHolder(descriptor)
            close(descriptor)
            throw CharLSTMError.trainingFailed("\(folder): another training run\(holder.map { " (process \($0))" } ?? "") is writing to this folder; wait for it to finish or choose another \(Setting.outputFolder)")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, pid, pid.count, 0)
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    private static func readHolder(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
