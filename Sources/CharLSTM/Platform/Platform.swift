#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
import Foundation
#endif

/// Every operating-system call whose name, units or library differ between Linux and macOS, in one place.
///
/// The rest of the engine uses only POSIX calls that are spelled the same on both, through `import Foundation`
/// (which brings in Glibc on Linux and Darwin on macOS). charlstm is built and tested on Linux; the macOS lines
/// here follow Apple's documentation and have not been run (README says so). The other macOS-specific parts are
/// Package.swift's readline provider (Homebrew's GNU readline, not the system's libedit) and the ARM branch of
/// half_kernels.c.
public enum Platform {
    /// CBLAS libraries to try, in order, when `CHARLSTM_BLAS` names none.
    static var blasLibraries: [String] {
        #if os(macOS)
        ["/System/Library/Frameworks/Accelerate.framework/Accelerate", "libopenblas.dylib"]
        #else
        ["libopenblas.so.0", "libblas.so.3"]
        #endif
    }

    /// The names a CBLAS function is looked up by, in order. Accelerate (macOS 13.3 and later) exports its current
    /// BLAS under `$NEWLAPACK` names, 32-bit integers as the CBLAS ones; its plain names are the deprecated
    /// interface. Other libraries have the plain names only.
    static func blasSymbols(_ name: String) -> [String] {
        #if os(macOS)
        [name + "$NEWLAPACK", name]
        #else
        [name]
        #endif
    }

    /// How a library's own threading is turned off, when it has a switch for it: OpenBLAS's
    /// `openblas_set_num_threads(1)` holds for the whole process; Accelerate's `BLASSetThreading` (macOS 15) holds
    /// for the calling thread only, so ``CBLASLibrary`` calls it once on every thread that multiplies.
    enum BLASThreading {
        /// `openblas_set_num_threads(Int32)`.
        static let processWide = "openblas_set_num_threads"
        /// `BLASSetThreading(BLAS_THREADING) -> Int32`, with `BLAS_THREADING_SINGLE_THREADED`.
        static let perThread = "BLASSetThreading"
        static let singleThreaded: UInt32 = 1
    }

    /// The running binary's own path, as the operating system knows it (not `argv[0]`, which a shell may have
    /// found through `PATH` or a symlink), or nil when it cannot tell.
    public static var executablePath: String? {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #else
        return Bundle.main.executablePath
        #endif
    }

    /// How a user installs OpenBLAS, for the note shown when none was found.
    public static let openBLASInstallHint: String = {
        #if os(macOS)
        "brew install openblas"
        #else
        "apt-get install libopenblas0-pthread"
        #endif
    }()

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
