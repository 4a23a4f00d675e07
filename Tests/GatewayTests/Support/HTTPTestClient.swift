import Foundation
import Glibc

/// A tiny blocking HTTP/1.1 client over a loopback POSIX socket, so the tests see exactly the bytes the gateway
/// sends: status line, headers, `Content-Length` or chunked bodies, chunk by chunk for SSE. Every read is bounded
/// by `timeout` (poll), so a gateway that never answers fails the test instead of hanging it.
///
/// Blocking calls must not run on the Swift concurrency pool, which also runs the gateway's handlers (two
/// threads on a 2-core machine): use ``offPool(_:)`` or the async helpers on ``GatewayHarness``.
final class HTTPTestClient: @unchecked Sendable {
    enum Failure: Error, CustomStringConvertible {
        case connect(Int32)
        case timedOut(String)
        case closedByPeer(String)
        case malformed(String)

        var description: String {
            switch self {
            case .connect(let code): "connect failed: errno \(code)"
            case .timedOut(let what): "timed out waiting for \(what)"
            case .closedByPeer(let what): "the server closed the connection while the client waited for \(what)"
            case .malformed(let what): "malformed response: \(what)"
            }
        }
    }

    struct Head: Sendable {
        var status: Int
        /// Header names lowercased, in the order received.
        var headers: [(name: String, value: String)]

        func header(_ name: String) -> String? {
            let lowered = name.lowercased()
            return headers.first { $0.name == lowered }?.value
        }
    }

    private let descriptor: Int32
    private let timeout: Duration
    private var buffer: [UInt8] = []
    private var closed = false

    init(port: Int, timeout: Duration = .seconds(20)) throws {
        self.timeout = timeout
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            // Through close(): a class whose init throws after every property is set still runs deinit, which
            // would close the descriptor a second time (by then perhaps another socket of this process).
            close()
            throw Failure.connect(code)
        }
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(descriptor)
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw Failure.closedByPeer("the request to be sent")
            }
            offset += sent
        }
    }

    /// Sends one request; `Content-Length` is always given for a body.
    func sendRequest(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) throws {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        try send(Array((head + "\r\n").utf8) + body)
    }

    func readHead() throws -> Head {
        let head = try readThrough([13, 10, 13, 10], what: "the response head")
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: true)
        guard let statusLine = lines.first else { throw Failure.malformed("empty head") }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure.malformed(String(statusLine)) }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw Failure.malformed(String(line)) }
            headers.append((line[..<colon].lowercased(),
                            line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return Head(status: status, headers: headers)
    }

    /// The body after `head`: by `Content-Length`, chunked (every chunk and the last, empty one), or to the end.
    /// A chunked body that is cut off (no last chunk) throws: the response did not end cleanly.
    func readBody(after head: Head, method: String = "GET") throws -> [UInt8] {
        if method == "HEAD" || head.status == 204 || head.status == 304 { return [] }
        if let length = head.header("content-length").flatMap({ Int($0) }) { return try readBytes(length) }
        if head.header("transfer-encoding")?.lowercased() == "chunked" {
            var body: [UInt8] = []
            while let chunk = try readChunk() { body += chunk }
            return body
        }
        return try readToEnd()
    }

    /// The next chunk of a chunked body; nil after the last (zero-length) chunk and its trailer.
    func readChunk() throws -> [UInt8]? {
        let sizeLine = try readThrough([13, 10], what: "a chunk size")
        let sizeText = String(decoding: sizeLine.dropLast(2), as: UTF8.self)
        guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else {
            throw Failure.malformed("chunk size '\(sizeText)'")
        }
        if size == 0 {
            _ = try readThrough([13, 10], what: "the chunked trailer")
            return nil
        }
        let data = try readBytes(size)
        guard try readBytes(2) == [13, 10] else { throw Failure.malformed("chunk not followed by CRLF") }
        return data
    }

    /// True when the server closes the connection within `within` (bytes that still arrive are dropped).
    func waitForClose(within: Duration) -> Bool {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            switch receive(waitingUntil: deadline) {
            case .closed: return true
            case .data, .timedOut: continue
            }
        }
        return false
    }

    // MARK: Reading

    private enum Received { case data, timedOut, closed }

    private func receive(waitingUntil deadline: ContinuousClock.Instant) -> Received {
        let left = deadline - ContinuousClock.now
        let milliseconds = max(0, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
        var descriptor = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(clamping: min(milliseconds, 100)))
        if ready == 0 || (ready < 0 && errno == EINTR) { return .timedOut }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer += chunk[..<count]
            return .data
        }
        if count < 0, errno == EINTR || errno == EAGAIN { return .timedOut }
        return .closed
    }

    private func fill(what: String, until done: () -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while !done() {
            guard ContinuousClock.now < deadline else { throw Failure.timedOut(what) }
            if case .closed = receive(waitingUntil: deadline) { throw Failure.closedByPeer(what) }
        }
    }

    private func readThrough(_ terminator: [UInt8], what: String) throws -> [UInt8] {
        var end: Int?
        try fill(what: what) {
            end = Self.find(terminator, in: buffer)
            return end != nil
        }
        let count = (end ?? 0) + terminator.count
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    private func readBytes(_ count: Int) throws -> [UInt8] {
        try fill(what: "\(count) body bytes") { buffer.count >= count }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    private func readToEnd() throws -> [UInt8] {
        do {
            try fill(what: "the end of the body") { false }
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

/// Runs blocking work on a thread of its own, never on the concurrency pool the gateway's handlers need.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.start()
    }
}
