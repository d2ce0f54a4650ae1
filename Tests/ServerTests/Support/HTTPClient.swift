import Foundation

/// A plain HTTP/1.1 client over a blocking loopback socket: one connection per request (`Connection: close`),
/// so that a test can also send what no library would — broken bytes, half a request, a client that stops
/// reading or hangs up mid-answer.
struct HTTPClient: Sendable {
    let port: Int

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as a JSON object.
        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw Failure("not a JSON object: \(text.prefix(300))")
            }
            return object
        }

        /// The code of a JSON error reply, nil for anything else.
        var errorCode: String? { ((try? json())?["error"] as? [String: Any])?["code"] as? String }

        /// The `data:` payloads of a server-sent event stream, `[DONE]` included.
        var events: [String] {
            text.components(separatedBy: "\n\n").compactMap { $0.hasPrefix("data: ") ? String($0.dropFirst(6)) : nil }
        }

        /// The events' JSON objects (without `[DONE]`).
        func eventObjects() throws -> [[String: Any]] {
            try events.filter { $0 != "[DONE]" }.map {
                guard let object = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] else { throw Failure("event \($0)") }
                return object
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Sends a request with a JSON (or any) body and reads the whole reply.
    func request(_ method: String, _ path: String, json: String? = nil, body: [UInt8]? = nil,
                 headers: [String: String] = [:]) throws -> Reply {
        let connection = try Connection(port: port)
        try connection.send(Self.head(method, path, body: body ?? json.map { Array($0.utf8) }, headers: headers))
        return try connection.readReply()
    }

    /// The request's bytes.
    static func head(_ method: String, _ path: String, body: [UInt8]?, headers: [String: String] = [:]) -> [UInt8] {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let body { text += "Content-Length: \(body.count)\r\nContent-Type: application/json\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return Array((text + "\r\n").utf8) + (body ?? [])
    }

    /// POST with a JSON body; the reply's JSON object, after checking its status.
    func post(_ path: String, _ json: String, expecting status: Int = 200) throws -> [String: Any] {
        let reply = try request("POST", path, json: json)
        guard reply.status == status else { throw Failure("\(path): status \(reply.status), expected \(status): \(reply.text)") }
        return try reply.json()
    }

    /// A new session's id.
    func newSession(seed: UInt64 = 1) throws -> String {
        try post("/v1/sessions", "{\"seed\": \(seed)}", expecting: 201)["id"] as! String
    }
}

/// One blocking socket to the server.
final class Connection {
    let socket: Int32

    /// A connection to the server on `port`; `receiveBuffer` (bytes) makes the socket's buffer small, for a client
    /// that reads slowly or not at all.
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw HTTPClient.Failure("socket: \(errno)") }
        if var size = receiveBuffer {
            setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw HTTPClient.Failure("connect to port \(port): errno \(errno)")
        }
    }

    deinit { close(socket) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Foundation.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HTTPClient.Failure("send: errno \(errno)") }
            offset += n
        }
    }

    /// Up to `count` bytes, or nothing at the end of the stream.
    func receive(_ count: Int = 65536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, count, 0) }
        guard n >= 0 else { throw HTTPClient.Failure("recv: errno \(errno) (a reply that never came?)") }
        return Array(buffer[..<n])
    }

    /// Hangs up at once, with a reset rather than an orderly close, as a crashed client would.
    func abort() {
        var linger = Foundation.linger(l_onoff: 1, l_linger: 0)
        setsockopt(socket, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Foundation.linger>.size))
        shutdown(socket, Int32(SHUT_RDWR))
    }

    /// Reads until the server closes, then parses the reply (decoding a chunked body).
    func readReply() throws -> HTTPClient.Reply {
        var data: [UInt8] = []
        while true {
            let piece = try receive()
            if piece.isEmpty { break }
            data += piece
        }
        return try Self.parse(data)
    }

    /// Reads until the received bytes contain `marker` (or the stream ends); returns everything so far.
    func readUntil(_ marker: String, into data: inout [UInt8]) throws -> Bool {
        let needle = Array(marker.utf8)
        while !contains(data, needle) {
            let piece = try receive()
            if piece.isEmpty { return false }
            data += piece
        }
        return true
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    static func parse(_ data: [UInt8]) throws -> HTTPClient.Reply {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = (0..<max(0, data.count - 3)).first(where: { data[$0..<($0 + 4)].elementsEqual(separator) }) else {
            throw HTTPClient.Failure("no complete reply head in \(data.count) bytes: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        let lines = String(decoding: data[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw HTTPClient.Failure("status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(data[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = try dechunk(body) }
        return HTTPClient.Reply(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ data: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = [], at = 0
        while at < data.count {
            guard let lineEnd = (at..<(data.count - 1)).first(where: { data[$0] == 13 && data[$0 + 1] == 10 }),
                  let size = Int(String(decoding: data[at..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) else {
                throw HTTPClient.Failure("a broken chunk at byte \(at)")
            }
            if size == 0 { break }
            out += data[(lineEnd + 2)..<min(data.count, lineEnd + 2 + size)]
            at = lineEnd + 2 + size + 2
        }
        return out
    }
}
