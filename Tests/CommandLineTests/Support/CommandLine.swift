import Foundation
import Testing

/// Runs the built `charlstm` binary (it sits next to the test bundle) as a user would.
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        var stderrLines: [Substring] { stderr.split(separator: "\n") }
    }

    static let binary: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = bundle.deletingLastPathComponent()
        // On Linux the test runner is `<build>/charlstmPackageTests.xctest`; elsewhere it may be inside a bundle.
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("charlstm").path),
              folder.path != "/" {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("charlstm").path
    }()

    /// The repository root, for its bundled corpora: this file is Tests/CommandLineTests/Support/CommandLine.swift.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs `charlstm arguments…` to completion (`executable`: another program, such as an installed copy).
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil, directory: String? = nil,
                    environment: [String: String] = [:], executable: String = binary) throws -> Result {
        let process = try start(arguments, input: input, directory: directory, environment: environment,
                                executable: executable)
        return try finish(process)
    }

    static func start(_ arguments: [String], input: String? = nil, directory: String? = nil,
                      environment extra: [String: String] = [:], executable: String = binary) throws -> RunningProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        return RunningProcess(process: process, out: out, err: err)
    }

    static func finish(_ running: RunningProcess) throws -> Result {
        // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        DispatchQueue.global().async(group: group) { outData = running.out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = running.err.fileHandleForReading.readDataToEndOfFile() }
        group.wait()
        running.process.waitUntilExit()
        return Result(status: running.process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    struct RunningProcess {
        let process: Process
        let out: Pipe
        let err: Pipe
    }

    /// The folder that holds every test's temporary folders, one per test process, removed when the process exits:
    /// the runs, checkpoints and pages the tests write would otherwise pile up with every `swift test`.
    static let scratch: String = {
        atexit { try? FileManager.default.removeItem(atPath: CLI.scratch) }
        return NSTemporaryDirectory() + "charlstm-cli-\(getpid())"
    }()

    /// A fresh, empty temporary folder.
    static func temporaryFolder() throws -> String {
        let path = scratch + "/" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `contents` to a new file in `folder` and returns its path.
    static func file(_ name: String, in folder: String, contents: [UInt8]) throws -> String {
        let path = folder + "/" + name
        try Data(contents).write(to: URL(fileURLWithPath: path))
        return path
    }
}
