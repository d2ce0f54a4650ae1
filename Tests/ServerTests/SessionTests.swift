import CharLSTM
import Foundation
import Testing

/// `/v1/sessions…` on a real server: a memory kept between requests, taken back exactly, kept in state files.
@Suite struct SessionTests {
    static func text(_ reply: [String: Any]) -> String? { reply["text"] as? String }

    @Test func anExchangeTakenBackLeavesTheMemoryExactlyAsBefore() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint)
        defer { server.stop() }
        let client = server.client()
        let id = try client.newSession(seed: 4)
        let first = try client.post("/v1/sessions/\(id)/continue", #"{"text": "the keeper ", "max_tokens": 60}"#)
        #expect(first["finish_reason"] as? String == "length")
        #expect((first["surprisal"] as? [Double])?.count == 60)
        let second = try client.post("/v1/sessions/\(id)/continue", #"{"text": "\nthe lamp ", "max_tokens": 60}"#)
        // Undo the second exchange: the same text then brings the same continuation, as the generator went back too.
        let undone = try client.post("/v1/sessions/\(id)/undo", "")
        #expect(undone["undo_depth"] as? Int == 1)
        let repeated = try client.post("/v1/sessions/\(id)/continue", #"{"text": "\nthe lamp ", "max_tokens": 60}"#)
        #expect(Self.text(repeated) == Self.text(second))
        // Again takes it back and writes anew: same reading, another continuation.
        let again = try client.post("/v1/sessions/\(id)/again", #"{"max_tokens": 60}"#)
        #expect(Self.text(again) != Self.text(second))
        let session = try #require(again["session"] as? [String: Any])
        #expect(session["undo_depth"] as? Int == 2 && session["can_again"] as? Bool == true)
        #expect((session["tail"] as? String)?.hasSuffix("\nthe lamp " + (Self.text(again) ?? "")) == true)
        // The memory a session holds is the engine's: the same exchanges in this process give the same texts.
        let model = try Checkpoint.load(path: TestModels.checkpoint).model
        let conversation = Conversation(sampler: Sampler(model: model), random: RandomSource(seed: 4))
        var local = ""
        conversation.read("the keeper ".unicodeScalars)
        conversation.write(count: 60, settings: SamplingSettings()) { local.unicodeScalars.append($0); return true }
        #expect(local == Self.text(first))
        // Undoing past the start says so.
        for _ in 0..<2 { _ = try client.post("/v1/sessions/\(id)/undo", "") }
        let nothing = try client.request("POST", "/v1/sessions/\(id)/undo")
        #expect(nothing.status == 409 && nothing.text.contains("nothing to take back"))
    }

    @Test func readingWithSurprisalMeasuresEachCharacter() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint)
        defer { server.stop() }
        let client = server.client()
        let id = try client.newSession()
        let reply = try client.post("/v1/sessions/\(id)/continue", #"{"text": "the ships", "max_tokens": 5, "surprisal": true}"#)
        let read = try #require(reply["read"] as? [String: Any])
        #expect(read["text"] as? String == "the ships")
        let bits = try #require(read["surprisal"] as? [Any])
        #expect(bits.count == 9 && bits.first is NSNull, "nothing predicted the first character of a fresh memory")
        #expect(bits.dropFirst().allSatisfy { ($0 as? Double).map { $0 >= 0 } ?? false })
    }

    @Test func aStateDownloadedAndUploadedCarriesTheMemory() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint)
        defer { server.stop() }
        let client = server.client()
        let id = try client.newSession(seed: 9)
        _ = try client.post("/v1/sessions/\(id)/continue", #"{"text": "the night was ", "max_tokens": 40}"#)
        let state = try client.request("GET", "/v1/sessions/\(id)/state")
        #expect(state.status == 200 && state.headers["content-type"] == "application/octet-stream")
        // The file is the REPL's: it reads as a state of this model.
        let model = try Checkpoint.load(path: TestModels.checkpoint).model
        let kept = try StateFile.read(path: "download", bytes: state.body, for: model, checkpointName: "small.safetensors")
        #expect(kept.charactersRead == 14 + 40)
        let other = try client.newSession(seed: 100)
        let uploaded = try client.request("PUT", "/v1/sessions/\(other)/state", body: state.body)
        #expect(uploaded.status == 200)
        let a = try client.post("/v1/sessions/\(id)/continue", #"{"text": " and", "max_tokens": 50}"#)
        let b = try client.post("/v1/sessions/\(other)/continue", #"{"text": " and", "max_tokens": 50}"#)
        #expect(Self.text(a) == Self.text(b), "the state carries the memory and the generator")

        let garbage = try client.request("PUT", "/v1/sessions/\(other)/state", body: Array("not a state".utf8))
        #expect(garbage.status == 400 && garbage.errorCode == "invalid_state")
        // A state of another model is refused, naming it.
        var random = RandomSource(seed: 1)
        let stranger = try CharLSTMModel(vocabulary: Vocabulary(of: TestModels.text.unicodeScalars), embedding: 8, hidden: 16,
                                         layers: 1, random: &random)
        let foreign = StateFile.encode(ConversationState(memory: Sampler(model: stranger).memory(), random: random,
                                                         charactersRead: 0, tail: []),
                                       model: stranger, checkpointName: "stranger.safetensors")
        let refused = try client.request("PUT", "/v1/sessions/\(other)/state", body: foreign)
        #expect(refused.status == 400 && refused.text.contains("stranger.safetensors"))
    }

    @Test func sessionsAreDeleted() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint)
        defer { server.stop() }
        let client = server.client()
        let deleted = try client.newSession()
        #expect(try client.request("DELETE", "/v1/sessions/\(deleted)").status == 200)
        let gone = try client.request("POST", "/v1/sessions/\(deleted)/continue", json: #"{"text": "the"}"#)
        #expect(gone.status == 404 && gone.errorCode == "unknown_session")
    }

    @Test func idleSessionsExpire() throws {
        // A server of its own with a short timeout, so that nothing else in the test can be slow enough to meet it.
        let server = try ServerProcess(checkpoint: TestModels.checkpoint, ["--session-timeout", "0.4"])
        defer { server.stop() }
        let client = server.client()
        // Left alone for longer than the timeout, a session is deleted: wait for /health (which touches no
        // session) to count none.
        let idle = try client.newSession()
        let deadline = Date().addingTimeInterval(20)
        while try client.request("GET", "/health").json()["sessions"] as? Int != 0 && Date() < deadline { usleep(50_000) }
        #expect(try client.request("GET", "/v1/sessions/\(idle)").status == 404, "an idle session expires")
        #expect(try client.request("GET", "/health").json()["sessions"] as? Int == 0)
    }

    @Test func aTokenGuardsEverythingButThePage() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint, environment: ["CHARLSTM_SERVE_TOKEN": "s3cret"])
        defer { server.stop() }
        let client = server.client()
        let refused = try client.request("POST", "/v1/sessions", json: "{}")
        #expect(refused.status == 401 && refused.text.contains("Authorization: Bearer"))
        #expect(try client.request("POST", "/v1/sessions", json: "{}", headers: ["Authorization": "Bearer wrong"]).status == 401)
        #expect(try client.request("POST", "/v1/sessions", json: "{}", headers: ["Authorization": "Bearer s3cret"]).status == 201)
        let page = try client.request("GET", "/")
        #expect(page.status == 200 && page.text.contains("charlstm playground"))
    }
}
