import Glibc
import HTTPServer

/// A loopback HTTP/1.1 client over a raw non-blocking socket, so tests control keep-alive, partial requests and
/// disconnects byte by byte. Waits poll with short sleeps and never block the concurrency pool the server's
/// handlers run on; every wait is bounded by `timeout` (`patience` unless told) and looks at the socket once more
/// after its deadline, since the test may have been paused past it.
final class TestClient {
    enum Failure: Error, CustomStringConvertible {
        case connect(Int32)
        case timedOut(String)
        case closedByPeer
        case malformed(String)

        var description: String {
            switch self {
            case .connect(let code): "connect failed: errno \(code)"
            case .timedOut(let what): "timed out waiting for \(what)"
            case .closedByPeer: "the server closed the connection"
            case .malformed(let what): "malformed response: \(what)"
            }
        }
    }

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    let descriptor: Int32
    let timeout: Duration
    private var buffer: [UInt8] = []

    init(port: Int, host: String = "127.0.0.1", timeout: Duration = patience) throws {
        self.timeout = timeout
        let isIPv6 = host.contains(":")
        descriptor = socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var connected: Int32
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(port).bigEndian
            _ = inet_pton(AF_INET6, host, &address.sin6_addr)
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr(host)
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard connected == 0 else {
            let code = errno
            // Through close(): a class whose init throws after every property is set still runs deinit, which
            // would close the descriptor a second time (by then perhaps another socket of this process).
            close()
            throw Failure.connect(code)
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close()
    }

    private var closed = false

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(descriptor)
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EAGAIN { usleep(1000); continue }
                throw Failure.closedByPeer
            }
            offset += sent
        }
    }

    /// Sends a request with `Content-Length` when there is a body.
    func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) throws {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        try send(Array((head + "\r\n").utf8) + body)
    }

    /// Reads one whole response (Content-Length or chunked body).
    func readResponse(method: String = "GET") async throws -> Response {
        let (status, headers) = try await readHead()
        if method == "HEAD" || status == 204 || status == 304 {
            return Response(status: status, headers: headers, body: [])
        }
        if let length = headers["Content-Length"].flatMap({ Int($0) }) {
            return Response(status: status, headers: headers, body: try await readBytes(length))
        }
        if headers["Transfer-Encoding"]?.lowercased() == "chunked" {
            var body: [UInt8] = []
            while let chunk = try await readChunk() { body += chunk }
            return Response(status: status, headers: headers, body: body)
        }
        return Response(status: status, headers: headers, body: try await readToEnd())
    }

    func readHead() async throws -> (status: Int, headers: HTTPHeaders) {
        let head = try await readThrough([13, 10, 13, 10], what: "response head")
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: true)
        guard let statusLine = lines.first else { throw Failure.malformed("empty head") }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure.malformed(String(statusLine)) }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw Failure.malformed(String(line)) }
            headers.add(name: String(line[..<colon]),
                        value: line[line.index(after: colon)...].trimmingCharacters(in: " "))
        }
        return (status, headers)
    }

    /// The next chunk of a chunked body; nil after the last (zero-length) chunk and its trailer.
    func readChunk() async throws -> [UInt8]? {
        let sizeLine = try await readThrough([13, 10], what: "chunk size")
        let sizeText = String(decoding: sizeLine.dropLast(2), as: UTF8.self)
        guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else {
            throw Failure.malformed("chunk size '\(sizeText)'")
        }
        if size == 0 {
            _ = try await readThrough([13, 10], what: "chunked trailer")
            return nil
        }
        let data = try await readBytes(size)
        let end = try await readBytes(2)
        guard end == [13, 10] else { throw Failure.malformed("chunk not followed by CRLF") }
        return data
    }

    /// True when the server closes the connection within `within`; false if it stays open.
    func waitForClose(within: Duration = patience) async -> Bool {
        let deadline = ContinuousClock.now + within
        while true {
            switch receive() {
            case .closed: return true
            case .data: continue
            case .wouldBlock:
                guard ContinuousClock.now < deadline else { return false }
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
    }

    // MARK: Reading

    private enum Received { case data, wouldBlock, closed }

    private func receive() -> Received {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer += chunk[..<count]
            return .data
        }
        if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
        return .closed
    }

    private func fill(what: String, until done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !done() {
            switch receive() {
            case .data: continue
            case .closed: throw Failure.closedByPeer
            case .wouldBlock:
                guard ContinuousClock.now < deadline else { throw Failure.timedOut(what) }
                try await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    private func readThrough(_ terminator: [UInt8], what: String) async throws -> [UInt8] {
        var end: Int?
        try await fill(what: what) {
            end = Self.find(terminator, in: buffer)
            return end != nil
        }
        let count = (end ?? 0) + terminator.count
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    private func readBytes(_ count: Int) async throws -> [UInt8] {
        try await fill(what: "\(count) body bytes") { buffer.count >= count }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    private func readToEnd() async throws -> [UInt8] {
        do {
            try await fill(what: "end of body") { false }
        } catch Failure.closedByPeer {}
        defer { buffer = [] }
        return buffer
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first {
            haystack[$0..<$0 + needle.count].elementsEqual(needle)
        }
    }
}

private extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
