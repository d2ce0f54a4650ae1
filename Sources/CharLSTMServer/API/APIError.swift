import Foundation
import Hummingbird

/// A request the server cannot serve, answered as OpenAI's API answers one: the status code and
/// `{"error": {"message": …, "type": …, "param": …, "code": …}}`, so existing clients show the message.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String
    /// The request field at fault, if one is.
    var param: String?
    /// A short machine-readable name for the failure.
    let code: String

    var headers: HTTPFields { [.contentType: "application/json"] }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: body.buffer))
    }

    /// The JSON body.
    var body: JSONValue {
        ["error": ["message": .string(message), "type": .string(type), "param": .optional(param) { .string($0) },
                   "code": .string(code)]]
    }

    /// OpenAI's error type for the status.
    private var type: String {
        switch status.code {
        case 401: "authentication_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        case 500...: "server_error"
        default: "invalid_request_error"
        }
    }

    // MARK: The failures

    static func badJSON(_ reason: String) -> APIError {
        APIError(status: .badRequest, message: "the request body is not valid JSON: \(reason)", code: "invalid_json")
    }

    static func invalid(_ param: String, _ message: String) -> APIError {
        APIError(status: .badRequest, message: "\(param): \(message)", param: param, code: "invalid_value")
    }

    static func unknownCharacters(_ param: String, _ description: String) -> APIError {
        APIError(status: .badRequest, message: "\(param): \(description)", param: param, code: "unknown_characters")
    }

    static func tooLarge(_ what: String) -> APIError {
        APIError(status: .contentTooLarge, message: what, code: "too_large")
    }

    static let unauthorized = APIError(
        status: .unauthorized, message: "this server needs a token: send the header \"Authorization: Bearer TOKEN\"",
        code: "invalid_token")

    static func unknownSession(_ id: String) -> APIError {
        APIError(status: .notFound, message: "no session \(shown(id)) (it was deleted, it expired, or it never existed)",
                 code: "unknown_session")
    }

    static func busy(_ id: String) -> APIError {
        APIError(status: .conflict, message: "session \(shown(id)) is still answering another request; wait for it to end",
                 code: "session_busy")
    }

    static func tooManySessions(_ limit: Int) -> APIError {
        APIError(status: .tooManyRequests,
                 message: "the server holds \(limit) sessions, its limit: delete one, or wait for idle ones to expire",
                 code: "too_many_sessions")
    }

    static func tooManyRequests(_ limit: Int) -> APIError {
        APIError(status: .serviceUnavailable,
                 message: "the server is already answering \(limit) requests, its limit: try again shortly",
                 code: "server_busy")
    }

    static let stopping = APIError(status: .serviceUnavailable, message: "the server is stopping", code: "stopping")

    static func notFound(_ path: String) -> APIError {
        APIError(status: .notFound, message: "no such endpoint: \(shown(path)) (see GET / for the playground, README for the API)",
                 code: "not_found")
    }

    /// A client's text as a message shows it: at most 80 characters, control characters as U+FFFD.
    static func shown(_ text: String) -> String {
        let scalars = text.unicodeScalars.prefix(80).map { $0.properties.generalCategory == .control ? "\u{FFFD}" : $0 }
        return "\"" + String(String.UnicodeScalarView(scalars)) + (text.unicodeScalars.count > 80 ? "…\"" : "\"")
    }
}
