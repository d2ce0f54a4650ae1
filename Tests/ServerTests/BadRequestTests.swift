import CharLSTM
import Foundation
import Testing

/// Every request the server cannot serve gets a JSON error with the right status and a message naming what is
/// wrong; nothing a client sends stops it answering the next one.
@Suite struct BadRequestTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let path: String
        let body: [UInt8]
        let status: Int
        let code: String
        let message: String
        var testDescription: String { "\(path) \(code)" }

        init(_ path: String, _ body: String, _ status: Int, _ code: String, _ message: String) {
            self.init(path, Array(body.utf8), status, code, message)
        }

        init(_ path: String, _ body: [UInt8], _ status: Int, _ code: String, _ message: String) {
            (self.path, self.body, self.status, self.code, self.message) = (path, body, status, code, message)
        }
    }

    static let cases: [Case] = [
        Case("/v1/completions", "{not json", 400, "invalid_json", "not valid JSON"),
        Case("/v1/completions", [0x7B, 0x22, 0x70, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D], 400, "invalid_json", "not valid JSON"),
        Case("/v1/completions", "[1, 2]", 400, "invalid_json", "expected an object"),
        Case("/v1/completions", "{}", 400, "invalid_value", "prompt: missing"),
        Case("/v1/completions", #"{"prompt": 3}"#, 400, "invalid_value", "prompt: expected a string"),
        Case("/v1/completions", #"{"prompt": "the ☃ é"}"#, 400, "unknown_characters", "'☃' (U+2603)"),
        Case("/v1/completions", #"{"prompt": "the", "max_tokens": 1000000}"#, 400, "invalid_value", "max_tokens: must be from 0 to 10000"),
        Case("/v1/completions", #"{"prompt": "the", "max_tokens": 2.5}"#, 400, "invalid_value", "max_tokens: expected a whole number"),
        Case("/v1/completions", #"{"prompt": "the", "temperature": -1}"#, 400, "invalid_value", "temperature: must be 0"),
        Case("/v1/completions", #"{"prompt": "the", "top_p": 0}"#, 400, "invalid_value", "top_p:"),
        Case("/v1/completions", #"{"prompt": "the", "stream": "yes"}"#, 400, "invalid_value", "stream: expected true or false"),
        Case("/v1/completions", #"{"prompt": "the", "stop": ["a", "b", "c", "d", "e"]}"#, 400, "invalid_value", "at most 4"),
        Case("/v1/completions", #"{"prompt": "the", "stop": [""]}"#, 400, "invalid_value", "cannot be empty"),
        Case("/v1/completions", #"{"prompt": "the", "n": 2}"#, 400, "invalid_value", "n: only 1"),
        Case("/v1/completions", #"{"prompt": "the", "seed": -4}"#, 400, "invalid_value", "seed: expected a whole number"),
        Case("/v1/completions", #"{"prompt": ["a", "b"]}"#, 400, "invalid_value", "give one prompt"),
        Case("/v1/completions", Array(repeating: 0x20, count: 1_100_000), 413, "too_large", "larger than 1048576 bytes"),
        Case("/v1/sessions/0123456789abcdef0123456789abcdef/continue", #"{"text": "the"}"#, 404, "unknown_session", "no session"),
        Case("/v1/sessions/nope/undo", "", 404, "unknown_session", "no session \"nope\""),
        Case("/v1/nothing", "{}", 404, "not_found", "no such endpoint"),
    ]

    @Test(arguments: cases) func aBadRequestGetsAClearJSONError(_ bad: Case) throws {
        let server = try Self.server()
        let reply = try server.client().request("POST", bad.path, body: bad.body)
        #expect(reply.status == bad.status, "\(reply.text)")
        #expect(reply.headers["content-type"] == "application/json")
        let error = try #require(try reply.json()["error"] as? [String: Any])
        #expect(error["code"] as? String == bad.code)
        #expect((error["message"] as? String)?.contains(bad.message) == true, "\(error["message"] ?? "")")
        // The server still answers.
        #expect(try server.client().request("GET", "/health").status == 200)
    }

    @Test func brokenHTTPIsRefusedAndTheServerGoesOn() throws {
        let server = try Self.server()
        for garbage in ["\u{0}\u{1}\u{2} nonsense\r\n\r\n", "POST /v1/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"prompt\"",
                        "GET / HTTP/9.9\r\n\r\n"] {
            let connection = try Connection(port: server.port)
            try connection.send(Array(garbage.utf8))
            if garbage.contains("Content-Length: 100") { connection.abort() } else { _ = try? connection.readReply() }
        }
        let reply = try server.client().post("/v1/completions", #"{"prompt": "the ", "max_tokens": 10}"#)
        #expect(reply["object"] as? String == "text_completion")
    }

    /// One server for the suite's requests (each case leaves it as it was); stopped when the process ends.
    static func server() throws -> ServerProcess {
        try shared.lock.withLock {
            if let server = shared.server, server.process.isRunning { return server }
            let server = try ServerProcess(checkpoint: TestModels.checkpoint)
            shared.server = server
            atexit { BadRequestTests.shared.server?.stop() }
            return server
        }
    }

    final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var server: ServerProcess?
    }

    static let shared = Shared()
}
