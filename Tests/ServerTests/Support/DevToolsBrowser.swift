import Foundation

/// Headless chromium driven through the DevTools protocol over a pipe (`--remote-debugging-pipe`: JSON
/// messages ending in NUL, read from descriptor 3 and written to descriptor 4), so a test can open a page on the
/// real server, wait for what its scripts do — streamed answers included, which `--dump-dom` does not wait for —
/// and take a screenshot.
final class DevToolsBrowser {
    /// `$CHARLSTM_TEST_BROWSER` when set (a path, or `none` to test as a machine without one does), else the first
    /// of Debian's and Google's that is installed.
    static let path: String? = {
        if let chosen = ProcessInfo.processInfo.environment["CHARLSTM_TEST_BROWSER"], !chosen.isEmpty {
            return chosen == "none" ? nil : chosen
        }
        return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    private let pid: pid_t
    private let profile: String
    private let toBrowser: Int32
    private let fromBrowser: Int32
    private var buffer: [UInt8] = []
    private var nextID = 0
    private var session: String?

    /// Starts the browser with a window of `width`×`height`.
    init(width: Int = 1100, height: Int = 760) throws {
        guard let path = Self.path else { throw HTTPClient.Failure("no browser") }
        var commands: [Int32] = [0, 0], replies: [Int32] = [0, 0]
        guard pipe(&commands) == 0, pipe(&replies) == 0 else { throw HTTPClient.Failure("pipe: \(errno)") }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("charlstm-browser-\(UUID().uuidString)").path
        let arguments = [path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                         "--remote-debugging-pipe", "--user-data-dir=\(profile)", "--window-size=\(width),\(height)"]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, commands[0], 3)
        posix_spawn_file_actions_adddup2(&actions, replies[1], 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var child: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&child, path, &actions, nil, argv, environ)
        close(commands[0])
        close(replies[1])
        guard status == 0 else { throw HTTPClient.Failure("could not start \(path): \(status)") }
        pid = child
        self.profile = profile
        toBrowser = commands[1]
        fromBrowser = replies[0]
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(toBrowser)
        close(fromBrowser)
        try? FileManager.default.removeItem(atPath: profile)
    }

    /// Sends a command and returns its result (events that arrive meanwhile are skipped).
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], inPage: Bool = true) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if inPage, let session { message["sessionId"] = session }
        var bytes = Array(try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        let written = bytes.withUnsafeBytes { write(toBrowser, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw HTTPClient.Failure("write to the browser: \(errno)") }
        while true {
            while let end = buffer.firstIndex(of: 0) {
                let text = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                guard let reply = try JSONSerialization.jsonObject(with: Data(text)) as? [String: Any],
                      reply["id"] as? Int == nextID else { continue }
                if let error = reply["error"] { throw HTTPClient.Failure("\(method): \(error)") }
                return reply["result"] as? [String: Any] ?? [:]
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fromBrowser, $0.baseAddress, $0.count) }
            guard n > 0 else { throw HTTPClient.Failure("the browser went away") }
            buffer += chunk[..<n]
        }
    }

    /// Opens `url` in a new page, which later calls act on.
    func open(_ url: String) throws {
        let target = try call("Target.createTarget", ["url": url], inPage: false)["targetId"] as! String
        session = try call("Target.attachToTarget", ["targetId": target, "flatten": true], inPage: false)["sessionId"] as? String
    }

    /// The value of a JavaScript expression in the page.
    func evaluate(_ expression: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true])
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Polls `expression` until it gives a non-empty string, for up to `seconds`.
    func waitForText(_ expression: String, seconds: Double = 60) throws -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let text = try evaluate(expression) as? String, !text.isEmpty { return text }
            usleep(100_000)
        }
        return nil
    }

    /// A PNG of the page as it is now, written to `path`.
    func screenshot(to path: String) throws {
        let data = try call("Page.captureScreenshot", ["format": "png"])["data"] as? String ?? ""
        guard let png = Data(base64Encoded: data) else { throw HTTPClient.Failure("no screenshot") }
        try png.write(to: URL(fileURLWithPath: path))
    }
}
