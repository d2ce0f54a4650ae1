#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every operating-system call whose name, units or library differ between Linux and macOS, in one place.
///
/// The rest of the engine uses only POSIX calls that are spelled the same on both, through `import Foundation`
/// (which brings in Glibc on Linux and Darwin on macOS). charlstm is built and tested on Linux only; a macOS port
/// starts here — Accelerate as the BLAS, `F_FULLFSYNC`, the units of `ru_maxrss` — and in Package.swift's readline
/// provider (Homebrew's readline, not the system's libedit).
public enum Platform {
    /// CBLAS libraries to try, in order, when `CHARLSTM_BLAS` names none.
    static var blasLibraries: [String] {
        #if os(macOS)
        ["/System/Library/Frameworks/Accelerate.framework/Accelerate", "libopenblas.dylib"]
        #else
        ["libopenblas.so.0", "libblas.so.3"]
        #endif
    }

    /// Writes up to `count` bytes to a file descriptor (the C library's `write`, which Swift code cannot name
    /// without its module's name).
    static func write(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(descriptor, bytes, count)
        #else
        Darwin.write(descriptor, bytes, count)
        #endif
    }

    /// Reads up to `count` bytes from a file descriptor (the C library's `read`).
    static func read(_ descriptor: Int32, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(descriptor, bytes, count)
        #else
        Darwin.read(descriptor, bytes, count)
        #endif
    }

    /// Flushes a file's data to the storage device: `fsync` on Linux; on macOS `fsync` only reaches the drive's
    /// cache, and `F_FULLFSYNC` is what reaches the disk. Returns 0 or an `errno` value.
    static func flushToDisk(_ descriptor: Int32) -> Int32 {
        #if os(macOS)
        fcntl(descriptor, F_FULLFSYNC) == 0 ? 0 : errno
        #else
        fsync(descriptor) == 0 ? 0 : errno
        #endif
    }

    /// Bytes an unprivileged process may still write on the file system holding `path`, or nil when unknown.
    static func availableBytes(at path: String) -> Int? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// The most memory this process has had resident so far, in bytes (`ru_maxrss` is KiB on Linux, bytes on macOS).
    public static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #endif
    }
}
