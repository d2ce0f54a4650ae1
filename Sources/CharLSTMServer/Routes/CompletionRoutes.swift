import CharLSTM
import Foundation
import Hummingbird

/// `POST /v1/completions`: OpenAI's completions, with characters for tokens. Each request reads its prompt
/// into a fresh memory and writes a continuation; nothing is kept. Supported: `prompt` (a string, or an array
/// of one), `max_tokens`, `temperature` (0: the likeliest character every time), `top_p`, `top_k`, `stop` (up
/// to four strings, left out of the text as OpenAI does), `seed`, `stream`, `echo`; `n`, `logprobs`, `suffix`
/// and `best_of` only at the values that ask for nothing more. `model` is accepted and ignored: there is one.
extension ModelServer {
    func completion(_ request: Request) async throws -> Response {
        let fields = try RequestFields(try await body(of: request))
        let vocabulary = model.vocabulary
        let parameters = try GenerationParameters(fields, limits: limits, vocabulary: vocabulary)
        guard let prompts = try fields.strings("prompt") else { throw APIError.invalid("prompt", "missing: the text to continue") }
        guard prompts.count == 1 else { throw APIError.invalid("prompt", "give one prompt (got \(prompts.count)); send one request per prompt") }
        let prompt = try vocabulary.knownCharacters(of: prompts[0], field: "prompt")
        if let n = try fields.integer("n", in: 0...Int.max), n != 1 { throw APIError.invalid("n", "only 1 is supported (got \(n))") }
        if let bestOf = try fields.integer("best_of", in: 0...Int.max), bestOf != 1 { throw APIError.invalid("best_of", "only 1 is supported") }
        if let logprobs = try fields.integer("logprobs", in: 0...Int.max), logprobs != 0 {
            throw APIError.invalid("logprobs", "not supported; the sessions API gives each character's surprisal")
        }
        if fields.has("suffix") { throw APIError.invalid("suffix", "not supported: a character model only continues") }
        let echo = try fields.bool("echo") ?? false

        let conversation = makeConversation(seed: parameters.seed ?? UInt64.random(in: 0...UInt64.max))
        conversation.beginExchange(reading: prompt)
        let generation = GenerationRequest(input: prompt, length: parameters.length, settings: parameters.settings,
                                           stops: parameters.stops, leavesOutStop: true)
        let job = try generate(on: conversation, generation) {}
        let shape = CompletionShape(id: "cmpl-" + ServerSession.randomID(), created: Int(Date().timeIntervalSince1970),
                                    model: checkpoint.name, promptLength: prompt.count,
                                    echo: echo ? String(scalars: prompt) : nil)
        return await Answer.respond(job: job, streaming: parameters.stream, shape: shape)
    }
}

/// A completion as OpenAI shapes it: `text_completion` objects, one per streamed piece.
struct CompletionShape: AnswerShape {
    let id: String
    let created: Int
    let model: String
    let promptLength: Int
    /// The prompt, when `echo` asks for it before the continuation.
    let echo: String?

    private func object(text: String, finish: FinishReason?, usage written: Int?) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(id)), ("object", "text_completion"), ("created", .integer(created)), ("model", .string(model)),
            ("choices", [["text": .string(text), "index": 0, "logprobs": nil,
                          "finish_reason": .optional(finish) { .string($0.rawValue) }]]),
        ]
        if let written {
            members.append(("usage", ["prompt_tokens": .integer(promptLength), "completion_tokens": .integer(written),
                                      "total_tokens": .integer(promptLength + written)]))
        }
        return .object(members)
    }

    var prelude: JSONValue? { echo.map { object(text: $0, finish: nil, usage: nil) } }

    func chunk(for event: GenerationEvent) -> JSONValue? {
        switch event {
        case .read: nil
        case .written(let characters): object(text: String(scalars: characters.map(\.character)), finish: nil, usage: nil)
        case .finished(.cancelled, _, _): nil
        case .finished(let reason, let statistics, _): object(text: "", finish: reason, usage: statistics.charactersWritten)
        }
    }

    /// OpenAI's finish reasons are ours: "stop" when a stop string ended it, "length" when `max_tokens` did.
    func whole(_ answer: CollectedAnswer) -> JSONValue {
        object(text: (echo ?? "") + String(scalars: answer.text), finish: answer.finish,
               usage: answer.statistics.charactersWritten)
    }
}
