import Foundation
import Hummingbird

/// One line on standard error per request once its response has been sent — the client, the method and path,
/// the status, the time taken — so that a stream is logged when it ends, with its whole time.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    let write: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let client = context.remoteAddress?.ipAddress ?? "-"
        let line = "\(client) \(request.method) \(APIError.shown(request.uri.path).dropFirst().dropLast())"
        let write = self.write
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            write("\(line) failed before answering: \(error) (\(Self.milliseconds(since: start)))")
            throw error
        }
        let status = response.status.code
        let original = response.body
        response.body = ResponseBody(contentLength: original.contentLength) { writer in
            do {
                try await original.write(writer)
                write("\(line) \(status) (\(Self.milliseconds(since: start)))")
            } catch {
                write("\(line) \(status), the client went away mid-answer (\(Self.milliseconds(since: start)))")
                throw error
            }
        }
        return response
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> String {
        String(format: "%.1f ms", (ContinuousClock.now - start).seconds * 1000)
    }
}

/// Answers every failure as an ``APIError``'s JSON: Hummingbird's own (no such route, a body too large) and
/// anything unexpected, which becomes a 500 with its description rather than an empty reply.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    let limits: ServerLimits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            return try APIError.notFound(request.uri.path).response(from: request, context: context)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            return try APIError.tooLarge("the request body is larger than \(limits.maxRequestBytes) bytes, the limit")
                .response(from: request, context: context)
        } catch let error as HTTPError {
            return try APIError(status: error.status, message: error.body ?? "\(error.status)", code: "http_error")
                .response(from: request, context: context)
        } catch {
            return try APIError(status: .internalServerError, message: "the server failed: \(error)", code: "server_error")
                .response(from: request, context: context)
        }
    }
}

/// With a token set, every request but the playground page must carry `Authorization: Bearer TOKEN`. The
/// comparison takes the same time however much of a wrong token matches.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/" { return try await next(request, context) }
        let given = request.headers[.authorization].flatMap { header in
            header.hasPrefix("Bearer ") ? String(header.dropFirst("Bearer ".count)) : nil
        }
        guard let given, Self.equalInConstantTime(Array(given.utf8), Array(token.utf8)) else { throw APIError.unauthorized }
        return try await next(request, context)
    }

    static func equalInConstantTime(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
