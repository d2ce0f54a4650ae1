import CharLSTM
import Foundation
import Testing

/// `POST /v1/completions` on a real server: OpenAI's shape, the text the engine writes, streaming, stops.
@Suite struct CompletionTests {
    /// What the engine writes for `prompt` with `seed`, read and written in this process as `charlstm sample`
    /// does: the text a completion must give.
    static func expected(_ prompt: String, seed: UInt64, length: Int, temperature: Float = 1) throws -> String {
        let model = try Checkpoint.load(path: TestModels.checkpoint).model
        let conversation = Conversation(sampler: Sampler(model: model), random: RandomSource(seed: seed))
        conversation.read(prompt.unicodeScalars)
        var text = ""
        conversation.write(count: length, settings: SamplingSettings(temperature: temperature)) { text.unicodeScalars.append($0); return true }
        return text
    }

    @Test func aCompletionIsWhatTheEngineWrites() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint)
        defer { server.stop() }
        // A prompt longer than the server's pieces (64 characters): read in three, it leaves the memory as one pass.
        let prompt = TestModels.text + "the keeper "
        let reply = try server.client().post("/v1/completions", #"{"model": "anything", "prompt": \#(JSONText.quote(prompt)), "max_tokens": 120, "seed": 7}"#)
        #expect(reply["object"] as? String == "text_completion")
        #expect(reply["model"] as? String == "small.safetensors")
        let choice = try #require((reply["choices"] as? [[String: Any]])?.first)
        #expect(choice["text"] as? String == (try Self.expected(prompt, seed: 7, length: 120)))
        #expect(choice["finish_reason"] as? String == "length")
        let usage = try #require(reply["usage"] as? [String: Any])
        let count = prompt.unicodeScalars.count
        #expect(usage["prompt_tokens"] as? Int == count && usage["completion_tokens"] as? Int == 120 && usage["total_tokens"] as? Int == count + 120)
    }

    @Test func aStreamedCompletionGivesTheSameTextInEvents() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint)
        defer { server.stop() }
        let reply = try server.client().request("POST", "/v1/completions",
                                               json: #"{"prompt": "the sea ", "max_tokens": 90, "seed": 3, "stream": true}"#)
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"] == "text/event-stream")
        #expect(reply.events.last == "[DONE]")
        let chunks = try reply.eventObjects()
        let texts = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["text"]) as? String }
        #expect(texts.joined() == (try Self.expected("the sea ", seed: 3, length: 90)))
        let last = try #require(chunks.last)
        #expect(((last["choices"] as? [[String: Any]])?.first?["finish_reason"]) as? String == "length")
        #expect((last["usage"] as? [String: Any])?["completion_tokens"] as? Int == 90)
        #expect(Set(chunks.compactMap { $0["id"] as? String }).count == 1, "every chunk names the same completion")
    }

    @Test func stopStringsEndTheTextAndAreLeftOut() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint)
        defer { server.stop() }
        let full = try Self.expected("the ", seed: 5, length: 400)
        // The first stop string to appear in the unstopped text ends the stopped one, just before it.
        let stops = ["e ", "th"]
        let cut = stops.compactMap { full.range(of: $0)?.lowerBound }.min()
        let client = server.client()
        for stream in [false, true] {
            let reply = try client.request("POST", "/v1/completions",
                                           json: #"{"prompt": "the ", "max_tokens": 400, "seed": 5, "stop": ["e ", "th"], "stream": \#(stream)}"#)
            let text: String, finish: String?
            if stream {
                let chunks = try reply.eventObjects().compactMap { ($0["choices"] as? [[String: Any]])?.first }
                text = chunks.compactMap { $0["text"] as? String }.joined()
                finish = chunks.last?["finish_reason"] as? String
            } else {
                let choice = try #require((try reply.json()["choices"] as? [[String: Any]])?.first)
                text = choice["text"] as? String ?? ""
                finish = choice["finish_reason"] as? String
            }
            if let cut {
                #expect(text == String(full[..<cut]), "stream: \(stream)")
                #expect(finish == "stop")
            } else {
                #expect(text == full && finish == "length")
            }
        }
    }

    @Test func echoPutsThePromptFirstAndTemperatureZeroIsGreedy() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint)
        defer { server.stop() }
        let client = server.client()
        let echoed = try client.post("/v1/completions", #"{"prompt": "calm ", "max_tokens": 30, "seed": 2, "echo": true}"#)
        let text = ((echoed["choices"] as? [[String: Any]])?.first?["text"]) as? String
        #expect(text == "calm " + (try Self.expected("calm ", seed: 2, length: 30)))
        // Greedy decoding does not depend on the seed.
        let greedy = try [1, 2].map { seed in
            try client.post("/v1/completions", #"{"prompt": "calm ", "max_tokens": 30, "temperature": 0, "seed": \#(seed)}"#)
        }.map { (($0["choices"] as? [[String: Any]])?.first?["text"]) as? String }
        #expect(greedy[0] != nil && greedy[0] == greedy[1])
    }

    @Test func theModelListAndHealthDescribeTheServer() throws {
        let server = try ServerProcess(checkpoint: TestModels.checkpoint)
        defer { server.stop() }
        let models = try server.client().request("GET", "/v1/models").json()
        let entry = try #require((models["data"] as? [[String: Any]])?.first)
        #expect(entry["id"] as? String == "small.safetensors" && entry["object"] as? String == "model")
        let extra = try #require(entry["charlstm"] as? [String: Any])
        #expect((extra["vocabulary"] as? [String])?.count == Vocabulary(of: TestModels.text.unicodeScalars).count)
        // The test model is on int8 grids: the server multiplies in int8 where the CPU has the kernel.
        #expect(extra["int8_weights"] as? Bool == (Sampler.int8Kernel != nil) && extra["half_weights"] as? Bool == false)
        let health = try server.client().request("GET", "/health").json()
        #expect(health["status"] as? String == "ok")
    }
}
