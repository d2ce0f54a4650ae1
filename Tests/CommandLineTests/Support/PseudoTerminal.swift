import Foundation
import Testing

/// Runs `charlstm` on a real pseudo-terminal, as if a person sat at it: keystrokes go in through the master side,
/// and the screen's bytes come back out. `setsid --ctty` makes the terminal the program's controlling terminal, so
/// a typed Ctrl-C raises SIGINT exactly as it would for a user; `--wait` passes on the program's exit status.
///
/// Every wait is for a condition on the screen or the process, with a deadline far beyond what a slow machine
/// needs; no test sleeps for a fixed time and hopes.
final class PseudoTerminal {
    /// util-linux's `setsid`, which Linux has and macOS does not; suites that type into a terminal are skipped
    /// without it.
    static let isAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/setsid")
    static let unavailable: Comment = "needs util-linux's setsid (/usr/bin/setsid) to give charlstm a terminal of its own"

    let process = Process()
    private let master: Int32
    private(set) var screen = ""

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        master = PTY.open(O_RDWR | O_NOCTTY)
        guard master >= 0, PTY.grant(master) == 0, PTY.unlock(master) == 0, let name = PTY.name(master) else {
            throw POSIXError(.ENODEV)
        }
        #if canImport(Glibc)
        let slave = Glibc.open(name, O_RDWR | O_NOCTTY)
        #else
        let slave = Darwin.open(name, O_RDWR | O_NOCTTY)
        #endif
        guard slave >= 0 else { throw POSIXError(.ENODEV) }
        #if os(Linux)
        var size = winsize(ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(slave, UInt(TIOCSWINSZ), &size)
        #endif
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = ["--ctty", "--wait", CLI.binary] + arguments
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm"
        env.removeValue(forKey: "NO_COLOR")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardInput = terminal
        process.standardOutput = terminal
        process.standardError = terminal
        try process.run()
        try terminal.close()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        close(master)
    }

    /// Types `keys` (use "\r" for Enter, "\u{3}" for Ctrl-C, "\u{4}" for Ctrl-D, "\u{1}" for Ctrl-A, "\t" for Tab).
    func type(_ keys: String) {
        var bytes = Array(keys.utf8)
        _ = write(master, &bytes, bytes.count)
    }

    /// Reads the screen until `text` has appeared after `offset` characters, or `timeout` seconds pass.
    /// Returns whether it appeared.
    @discardableResult
    func waitFor(_ text: String, after offset: Int = 0, timeout: Double = 20) -> Bool {
        waitUntil(timeout: timeout) { String($0.dropFirst(offset)).contains(text) }
    }

    /// Reads the screen until `condition` holds for what it shows, or `timeout` seconds pass; returns whether it held.
    @discardableResult
    func waitUntil(timeout: Double = 20, _ condition: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(screen) { return true }
            readAvailable(waitingUpTo: 0.05)
        }
        return condition(screen)
    }

    /// Waits for the program to exit (reading what it prints meanwhile) and returns its status, or nil on timeout.
    func waitForExit(timeout: Double = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { readAvailable(waitingUpTo: 0.05) }
        readAvailable(waitingUpTo: 0)
        return process.isRunning ? nil : process.terminationStatus
    }

    private func readAvailable(waitingUpTo seconds: Double) {
        var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(seconds * 1000)) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = read(master, &buffer, buffer.count)
        if count > 0 { screen += String(decoding: buffer[..<count], as: UTF8.self) }
    }
}

/// libc's pseudo-terminal calls. Swift's Glibc module leaves them out (they sit behind _XOPEN_SOURCE), so they are
/// looked up by name.
private enum PTY {
    typealias OpenFunction = @convention(c) (Int32) -> Int32
    typealias FDFunction = @convention(c) (Int32) -> Int32
    typealias NameFunction = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?

    private static func function<T>(_ name: String, as type: T.Type) -> T {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { fatalError("libc lacks \(name)") }
        return unsafeBitCast(symbol, to: type)
    }

    static func open(_ flags: Int32) -> Int32 { function("posix_openpt", as: OpenFunction.self)(flags) }
    static func grant(_ fd: Int32) -> Int32 { function("grantpt", as: FDFunction.self)(fd) }
    static func unlock(_ fd: Int32) -> Int32 { function("unlockpt", as: FDFunction.self)(fd) }
    static func name(_ fd: Int32) -> String? { function("ptsname", as: NameFunction.self)(fd).map { String(cString: $0) } }
}
