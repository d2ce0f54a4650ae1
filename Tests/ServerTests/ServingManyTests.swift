import CharLSTM
import Foundation
import Testing

/// Many clients at once: each session's text is its own and the same as if it had been alone, whatever the
/// others do — write at the same time, stop reading, hang up mid-answer.
@Suite struct ServingManyTests {
    /// What session k writes alone: a fresh server, one request at a time.
    static func request(_ k: Int) -> String {
        #"{"text": "the \#(["keeper", "lamp", "ships", "sea"][k % 4]) ", "max_tokens": \#(150 + 10 * k), "seed": \#(k)}"#
    }

    @Test func concurrentSessionsWriteWhatEachWouldAlone() throws {
        let count = 16
        let alone: [String] = try {
            let server = try ServerProcess(checkpoint: TestModels.checkpoint)
            defer { server.stop() }
            let client = server.client()
            return try (0..<count).map { k in
                try client.post("/v1/sessions/\(try client.newSession())/continue", Self.request(k))["text"] as? String ?? ""
            }
        }()
        let server = try ServerProcess(checkpoint: TestModels.checkpoint)
        defer { server.stop() }
        let client = server.client()
        let ids = try (0..<count).map { _ in try client.newSession() }
        let results = Results(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { k in
            do {
                let reply = try client.request("POST", "/v1/sessions/\(ids[k])/continue",
                                               json: Self.request(k).replacingOccurrences(of: "}", with: #", "stream": true}"#))
                let texts = try reply.eventObjects().compactMap { $0["text"] as? String }
                results.set(k, texts.joined())
            } catch {
                results.set(k, "failed: \(error)")
            }
        }
        for k in 0..<count {
            #expect(results.get(k) == alone[k], "session \(k)")
        }
    }

    @Test func aClientThatHangsUpFreesItsSessionAndTheOthersGoOn() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint)
        defer { server.stop() }
        let client = server.client()
        let id = try client.newSession()
        let connection = try Connection(port: server.port)
        try connection.send(HTTPClient.head("POST", "/v1/sessions/\(id)/continue",
                                            body: Array(#"{"text": "the ", "max_tokens": 10000, "stream": true}"#.utf8)))
        var received: [UInt8] = []
        #expect(try connection.readUntil("\"text\"", into: &received), "the stream started")
        connection.abort()
        // The job is cancelled at its next step and the session is free again.
        let deadline = Date().addingTimeInterval(20)
        var status = 409
        while status == 409 && Date() < deadline {
            status = try client.request("POST", "/v1/sessions/\(id)/continue", json: #"{"text": "the ", "max_tokens": 5}"#).status
            if status == 409 { usleep(20_000) }
        }
        #expect(status == 200)
        #expect(server.waitForLog("went away mid-answer"))
    }

    @Test func aClientThatStopsReadingHoldsNoOneUp() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint)
        defer { server.stop() }
        let client = server.client()
        // A stream nobody reads: the server writes into the socket until it is full, then waits for it alone.
        let stalled = try Connection(port: server.port)
        try stalled.send(HTTPClient.head("POST", "/v1/completions",
                                         body: Array(#"{"prompt": "the ", "max_tokens": 10000, "stream": true}"#.utf8)))
        // Held up, these would wait for the stalled stream forever, and the client's 60-second read timeout fails
        // them; answered, they are not held up.
        for k in 0..<5 {
            let reply = try client.post("/v1/completions", #"{"prompt": "the sea ", "max_tokens": 100, "seed": \#(k)}"#)
            #expect(((reply["choices"] as? [[String: Any]])?.first?["text"] as? String)?.unicodeScalars.count == 100)
        }
        // A session whose answer is not being read stays busy with it (the engine waits for the client): another
        // request on it gets 409.
        let id = try client.newSession()
        let long = try Connection(port: server.port)
        try long.send(HTTPClient.head("POST", "/v1/sessions/\(id)/continue",
                                      body: Array(#"{"text": "the ", "max_tokens": 10000, "stream": true}"#.utf8)))
        var received: [UInt8] = []
        _ = try long.readUntil("\"text\"", into: &received)
        let busy = try client.request("POST", "/v1/sessions/\(id)/continue", json: #"{"text": "the"}"#)
        #expect(busy.status == 409 && busy.text.contains("session_busy"), "\(busy.status): \(busy.text)")
        // Deleting the session cancels its answer, which ends.
        #expect(try client.request("DELETE", "/v1/sessions/\(id)").status == 200)
        #expect(try long.readUntil("[DONE]", into: &received))
    }

    @Test func aStreamLeftUnreadIsCancelledAndItsSessionFreed() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint, ["--client-timeout", "0.5", "--max-length", "1000000",
                                                                           "--max-session-characters", "2000000"])
        defer { server.stop() }
        let client = server.client()
        let id = try client.newSession()
        // A client with a tiny window that never reads an answer of megabytes: once the buffers on the way are
        // full, the server's writes wait, the job pauses, and half a second later it is cancelled, though the
        // connection is still open.
        let stalled = try Connection(port: server.port, receiveBuffer: 1024)
        try stalled.send(HTTPClient.head("POST", "/v1/sessions/\(id)/continue",
                                         body: Array(#"{"text": "the ", "max_tokens": 1000000, "stream": true}"#.utf8)))
        func waitForStatus(_ wanted: Int) throws -> Int {
            let deadline = Date().addingTimeInterval(30)
            var status = try client.request("GET", "/v1/sessions/\(id)").status
            while status != wanted && Date() < deadline {
                usleep(20_000)
                status = try client.request("GET", "/v1/sessions/\(id)").status
            }
            return status
        }
        #expect(try waitForStatus(409) == 409, "the answer started")
        #expect(try waitForStatus(200) == 200, "the session is free again")
        let info = try client.request("GET", "/v1/sessions/\(id)").json()
        #expect((info["characters_read"] as? Int ?? 0) < 1_000_004, "the answer was cut short")
        #expect(try client.request("GET", "/health").json()["requests"] as? Int == 0)
        _ = stalled
    }

    @Test func sessionsAreBoundedAndMemoryWithThem() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint, ["--max-sessions", "40"])
        defer { server.stop() }
        let client = server.client()
        var created = 0, refused = 0
        for _ in 0..<1000 {
            let reply = try client.request("POST", "/v1/sessions", json: "{}")
            if reply.status == 201 { created += 1 } else if reply.status == 429 { refused += 1 }
        }
        #expect(created == 40 && refused == 960)
        let rss = Self.residentKilobytes(of: server.process.processIdentifier)
        // 40 sessions of this small model and the HTTP stack; thousands of refused requests leave nothing behind.
        #expect(rss > 0 && rss < 400_000, "resident \(rss) kB")
    }

    static func residentKilobytes(of pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

/// Results filled in by concurrent clients.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String]
    init(count: Int) { values = Array(repeating: "", count: count) }
    func set(_ k: Int, _ value: String) { lock.withLock { values[k] = value } }
    func get(_ k: Int) -> String { lock.withLock { values[k] } }
}
