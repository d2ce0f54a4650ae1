import CharLSTM
import Foundation
import Hummingbird

extension ModelServer {
    /// Every endpoint; README's "Serving over HTTP" documents them.
    func addRoutes(to router: Router<ServerRequestContext>) {
        router.get("/") { _, _ in self.playground() }
        router.get("/health") { _, _ in self.health() }
        router.get("/v1/models") { _, _ in self.models() }
        router.post("/v1/completions") { request, _ in try await self.completion(request) }
        router.post("/v1/sessions") { request, _ in try await self.createSession(request) }
        router.get("/v1/sessions/:id") { _, context in try self.describeSession(try Self.id(context)) }
        router.delete("/v1/sessions/:id") { _, context in try self.deleteSession(try Self.id(context)) }
        router.post("/v1/sessions/:id/continue") { request, context in try await self.continueSession(try Self.id(context), request) }
        router.post("/v1/sessions/:id/again") { request, context in try await self.againSession(try Self.id(context), request) }
        router.post("/v1/sessions/:id/undo") { _, context in try self.undoSession(try Self.id(context)) }
        router.post("/v1/sessions/:id/clear") { _, context in try self.clearSession(try Self.id(context)) }
        router.get("/v1/sessions/:id/state") { _, context in try self.downloadState(try Self.id(context)) }
        router.put("/v1/sessions/:id/state") { request, context in try await self.uploadState(try Self.id(context), request) }
    }

    private static func id(_ context: ServerRequestContext) throws -> String {
        guard let id = context.parameters.get("id") else { throw APIError.unknownSession("") }
        return id
    }

    /// `GET /`: the playground, one self-contained page (no resource from elsewhere).
    private func playground() -> Response {
        Response(status: .ok,
                 headers: [.contentType: "text/html; charset=utf-8",
                           .contentSecurityPolicy: "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"],
                 body: .init(byteBuffer: ByteBuffer(bytes: Self.playgroundPage)))
    }

    /// The page with the engine's defaults filled in where it has placeholders.
    private static let playgroundPage: [UInt8] = Array(
        String(decoding: PackageResources.playground_html, as: UTF8.self)
            .replacingOccurrences(of: "{{reading_temperature}}", with: "\(SamplingSettings.readingTemperature)").utf8)

    /// `GET /health`: whether the server answers, and how busy it is.
    private func health() -> Response {
        Answer.json(["status": "ok", "model": .string(checkpoint.name), "sessions": .integer(sessions.count),
                     "requests": .integer(engine.jobCount)])
    }

    /// `GET /v1/models`: OpenAI's model list, of the one model, with what charlstm adds: its shape and the
    /// characters it knows.
    private func models() -> Response {
        let entry: JSONValue = [
            "id": .string(checkpoint.name), "object": "model", "created": .integer(checkpoint.created), "owned_by": "charlstm",
            "charlstm": ["model": .string(model.shapeDescription),
                         "vocabulary": .array(model.vocabulary.characters.map { .string(String($0)) }),
                         "half_weights": .bool(prototype.sampler.usesHalfWeights),
                         "int8_weights": .bool(prototype.sampler.usesInt8Weights)],
        ]
        return Answer.json(["object": "list", "data": [entry]])
    }
}
