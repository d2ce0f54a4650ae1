import CharLSTM
import Foundation
import Hummingbird

/// `/v1/sessions…`: a memory kept between requests, as the REPL keeps one — each exchange reads a text and
/// writes a continuation that the memory keeps; `undo` takes the last exchange back exactly, `again` takes it
/// back and writes a new continuation of the same text, and the state downloads and uploads as the same state
/// files `:save-state` writes. A session one request is using answers others with 409.
extension ModelServer {
    /// `POST /v1/sessions` `{"seed": N}` (optional): a new session.
    func createSession(_ request: Request) async throws -> Response {
        let fields = try RequestFields(try await body(of: request))
        let seed = try fields.seed("seed") ?? UInt64.random(in: 0...UInt64.max)
        let session = try sessions.create(seed: seed)
        return Answer.json(try session.use { info(session, conversation: $0) }, status: .created)
    }

    /// `GET /v1/sessions/ID`: where the session's memory stands.
    func describeSession(_ id: String) throws -> Response {
        let session = try sessions.session(id)
        return Answer.json(try session.use { info(session, conversation: $0) })
    }

    /// `DELETE /v1/sessions/ID`: forgets the session, cancelling what it is writing.
    func deleteSession(_ id: String) throws -> Response {
        try sessions.delete(id)
        return Answer.json(["id": .string(id), "object": "session", "deleted": true])
    }

    /// `POST /v1/sessions/ID/continue` `{"text": …, …}`: reads `text` (may be empty) and writes a continuation.
    /// With `"surprisal": true` the answer also gives the surprisal of each character read (read one at a time,
    /// a little slower). Takes the generation fields of ``GenerationParameters``.
    func continueSession(_ id: String, _ request: Request) async throws -> Response {
        let session = try sessions.session(id)
        let fields = try RequestFields(try await body(of: request))
        let parameters = try GenerationParameters(fields, limits: limits, vocabulary: model.vocabulary)
        let text = try model.vocabulary.knownCharacters(of: try fields.string("text") ?? "", field: "text")
        let measures = try fields.bool("surprisal") ?? false
        try session.claim()
        do {
            try checkRoom(session, reading: text.count, writing: parameters.length)
            return try await exchange(session, reading: text, parameters: parameters, measuresInput: measures)
        } catch {
            session.release()
            throw error
        }
    }

    /// `POST /v1/sessions/ID/again`: takes the last exchange back and writes a new continuation of the text it
    /// read, the generator going on from where it was (the same memory, another continuation).
    func againSession(_ id: String, _ request: Request) async throws -> Response {
        let session = try sessions.session(id)
        let fields = try RequestFields(try await body(of: request))
        if fields.has("text") { throw APIError.invalid("text", "again reads the last exchange's text again; to read a new one, continue") }
        let parameters = try GenerationParameters(fields, limits: limits, vocabulary: model.vocabulary)
        let measures = try fields.bool("surprisal") ?? false
        try session.claim()
        do {
            guard let text = session.conversation.takeBackForAgain() else {
                throw APIError(status: .conflict, message: "nothing to try again: the session has no exchange that read a text", code: "nothing_to_repeat")
            }
            try checkRoom(session, reading: text.count, writing: parameters.length)
            return try await exchange(session, reading: text, parameters: parameters, measuresInput: measures)
        } catch {
            session.release()
            throw error
        }
    }

    /// Starts an exchange on the claimed `session`; the engine releases it at the end.
    private func exchange(_ session: ServerSession, reading text: [Unicode.Scalar], parameters: GenerationParameters,
                          measuresInput: Bool) async throws -> Response {
        let conversation = session.conversation
        conversation.beginExchange(reading: text)
        if let seed = parameters.seed { conversation.random = RandomSource(seed: seed) }
        let generation = GenerationRequest(input: text, length: parameters.length, settings: parameters.settings,
                                           stops: parameters.stops, measuresInput: measuresInput)
        let job = try generate(on: conversation, generation) { session.release() }
        session.running(job)
        let shape = SessionShape(info: { [self] summary in info(session, summary) })
        return await Answer.respond(job: job, streaming: parameters.stream, shape: shape)
    }

    /// Refuses an exchange that would take the session past ``ServerLimits/maxSessionCharacters``.
    private func checkRoom(_ session: ServerSession, reading: Int, writing: Int) throws {
        let used = session.conversation.transcript.count
        if used + reading + writing > limits.maxSessionCharacters {
            throw APIError.tooLarge("session \(session.id) holds \(used) characters; reading \(reading) and writing up to \(writing) more would pass its limit of \(limits.maxSessionCharacters): delete it and start another")
        }
    }

    /// `POST /v1/sessions/ID/undo`: takes the last exchange back; the memory is then exactly as before it.
    func undoSession(_ id: String) throws -> Response {
        let session = try sessions.session(id)
        return Answer.json(try session.use { conversation in
            guard conversation.undo() else {
                throw APIError(status: .conflict, message: "nothing to take back", code: "nothing_to_undo")
            }
            return info(session, conversation: conversation)
        })
    }

    /// `POST /v1/sessions/ID/clear`: empties the memory (`h` and `c` back to zero), as a step undo can take back.
    func clearSession(_ id: String) throws -> Response {
        let session = try sessions.session(id)
        return Answer.json(try session.use { conversation in
            conversation.clearMemory()
            return info(session, conversation: conversation)
        })
    }

    /// `GET /v1/sessions/ID/state`: the memory as a state file, the one `:save-state` writes
    /// (`charlstm repl --state FILE` starts from it).
    func downloadState(_ id: String) throws -> Response {
        let session = try sessions.session(id)
        let bytes = try session.use { conversation in
            StateFile.encode(conversation.state(), model: model, checkpointName: checkpoint.name)
        }
        return Response(status: .ok,
                        headers: [.contentType: "application/octet-stream",
                                  .contentDisposition: "attachment; filename=\"session.state.safetensors\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `PUT /v1/sessions/ID/state` with a state file as the body: the memory becomes the file's, as a step undo
    /// can take back. A state of another model is refused, naming both.
    func uploadState(_ id: String, _ request: Request) async throws -> Response {
        let session = try sessions.session(id)
        let bytes = try await body(of: request)
        let state: ConversationState
        do {
            state = try StateFile.read(path: "the uploaded state", bytes: bytes, for: model, checkpointName: checkpoint.name)
        } catch let error as CharLSTMError {
            throw APIError(status: .badRequest, message: error.description, code: "invalid_state")
        }
        return Answer.json(try session.use { conversation in
            conversation.restore(state)
            return info(session, conversation: conversation)
        })
    }

    /// A session as its JSON describes it, its conversation as `summary` says.
    func info(_ session: ServerSession, _ summary: ConversationSummary) -> JSONValue {
        [
            "id": .string(session.id),
            "object": "session",
            "model": .string(checkpoint.name),
            "created": .integer(Int(session.created.timeIntervalSince1970)),
            "characters_read": .integer(summary.charactersRead),
            "undo_depth": .integer(summary.undoDepth),
            "can_again": .bool(summary.canAgain),
            "tail": .string(summary.tail),
            "expires_in": .integer(Int(session.secondsLeft(idleLimit: limits.sessionIdleSeconds, now: .now).rounded(.up))),
        ]
    }

    /// ``info(_:_:)`` of the conversation now (on a claimed session).
    func info(_ session: ServerSession, conversation: Conversation) -> JSONValue {
        info(session, ConversationSummary(conversation))
    }
}

/// A session's answer: what was read (with its surprisal, when measured), what was written with each
/// character's surprisal, the end and its figures, and where the session then stands.
struct SessionShape: AnswerShape, @unchecked Sendable {
    /// The session's JSON, given where its conversation stood at the end.
    let info: (ConversationSummary) -> JSONValue

    func chunk(for event: GenerationEvent) -> JSONValue? {
        switch event {
        case .read(let measured):
            ["read": .string(String(scalars: measured.map(\.character))), "surprisal": Answer.bits(measured.map(\.bits))]
        case .written(let characters):
            ["text": .string(String(scalars: characters.map(\.character))), "surprisal": .array(characters.map { Answer.bits($0.bits) })]
        case .finished(let reason, let statistics, let summary):
            ["finish_reason": .string(reason.rawValue), "statistics": Answer.statistics(statistics), "session": info(summary)]
        }
    }

    func whole(_ answer: CollectedAnswer) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("text", .string(String(scalars: answer.text))), ("surprisal", .array(answer.bits.map(Answer.bits))),
            ("finish_reason", .string(answer.finish.rawValue)), ("statistics", Answer.statistics(answer.statistics)),
            ("session", info(answer.summary)),
        ]
        if !answer.read.isEmpty {
            members.append(("read", ["text": .string(String(scalars: answer.read)), "surprisal": Answer.bits(answer.readBits)]))
        }
        return .object(members)
    }
}
