import CharLSTM
import Foundation
import Testing

/// `charlstm serve` as a user runs it: help, refusals, the request log, a graceful stop, and the playground page
/// in a real browser.
@Suite struct ServeCommandTests {
    /// The charlstm binary beside charlstm-serve.
    static let charlstm = URL(fileURLWithPath: ServerProcess.binary).deletingLastPathComponent().appendingPathComponent("charlstm").path

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "CHARLSTM_SERVE_TOKEN")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    @Test func charlstmServeRunsTheServerAndItsHelpShowsTheDefaults() throws {
        let help = try Self.run(Self.charlstm, ["serve", "--help"])
        #expect(help.status == 0)
        for option in ["--host", "(default: 127.0.0.1)", "--port", "(default: 8080)", "--token", "--max-sessions", "(default: 64)",
                       "--session-timeout", "--max-length", "(default: 10000)", "--threads"] {
            #expect(help.out.contains(option), "\(option)")
        }
        let top = try Self.run(Self.charlstm, ["--help"])
        #expect(top.out.contains("serve"))
    }

    @Test func refusalsAreOneLine() throws {
        let open = try Self.run(ServerProcess.binary, [TestModels.checkpoint, "--host", "0.0.0.0", "--port", "0"])
        #expect(open.status == 2)
        #expect(open.err.contains("serves beyond this machine: give a token"))
        let missing = try Self.run(Self.charlstm, ["serve", "/nonexistent/model.safetensors", "--port", "0"])
        #expect(missing.status == 1)
        #expect(missing.err.split(separator: "\n").count == 1 && missing.err.contains("/nonexistent/model.safetensors"))
        let badPort = try Self.run(ServerProcess.binary, [TestModels.checkpoint, "--port", "70000"])
        #expect(badPort.status == 2 && badPort.err.contains("--port must be from 0 to 65535"))
    }

    @Test func eachRequestIsLoggedAndSIGTERMLetsAnswersFinish() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint)
        let id = try server.client().newSession()
        #expect(server.waitForLog("POST /v1/sessions 201"))
        let connection = try Connection(port: server.port)
        try connection.send(HTTPClient.head("POST", "/v1/sessions/\(id)/continue",
                                            body: Array(#"{"text": "the ", "max_tokens": 3000, "stream": true}"#.utf8)))
        var received: [UInt8] = []
        _ = try connection.readUntil("\"text\"", into: &received)
        kill(server.process.processIdentifier, SIGTERM)
        // The answer under way finishes in full before the server stops.
        #expect(try connection.readUntil("[DONE]", into: &received))
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        #expect(server.standardError.contains("charlstm serve: stopped"))
        let written = String(decoding: received, as: UTF8.self)
        #expect(written.contains("\"finish_reason\":\"length\""), "the stream ran to its end")
    }

    @Test(.enabled(if: DevToolsBrowser.path != nil, "needs a headless browser: apt-get install chromium"))
    func thePlaygroundWorksInABrowser() throws {
        let server = try ServerProcess(checkpoint: TestModels.bundled)
        defer { server.stop() }
        let browser = try DevToolsBrowser()
        try browser.open("http://127.0.0.1:\(server.port)/#selftest")
        let report = try #require(try browser.waitForText("document.getElementById('selftest').textContent"),
                                  "the page's self-test did not finish")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
        #expect(result["error"] == nil, "\(result["error"] ?? "")")
        #expect(result["model"] as? String == "default.safetensors")
        #expect(result["firstFinish"] as? String == "length" && result["writtenCharacters"] as? Int == 40)
        #expect(result["typed"] as? String == "The lighthouse keeper\n")
        #expect((result["colouredTyped"] as? Int ?? 0) > 10, "the typed text is coloured by surprisal")
        #expect(result["inputCleared"] as? Bool == true)
        #expect(result["exchangesAfterTwo"] as? Int == 2 && result["markupStaysText"] as? Bool == true)
        #expect(result["exchangesAfterUndo"] as? Int == 1 && result["undoDepthAfterUndo"] as? Int == 1)
        #expect(result["againFinish"] as? String == "length" && result["exchangesAfterAgain"] as? Int == 1)
        #expect(result["againTyped"] as? String == "The lighthouse keeper\n")
        #expect(result["buttonsEnabled"] as? Bool == true)
        let screenshot = FileManager.default.temporaryDirectory.appendingPathComponent("charlstm-playground-\(getpid()).png").path
        try browser.screenshot(to: screenshot)
        #expect(FileManager.default.fileExists(atPath: screenshot))
        print("playground screenshot: \(screenshot)")
    }
}
