import Glibc
import JSON

extension FakeBackend {
    /// Serves one connection: requests one after another (keep-alive) until the client closes, asks
    /// for `Connection: close`, or a misbehaviour ends the connection.
    func serve(_ socket: Socket, connection: Int) {
        var buffer: [UInt8] = []
        while let request = readRequest(socket, buffer: &buffer, connection: connection) {
            let keepAlive = request.header("connection")?.lowercased() != "close"
            guard answer(request, on: socket), keepAlive else { return }
        }
    }

    private func readRequest(_ socket: Socket, buffer: inout [UInt8], connection: Int) -> FakeRequest? {
        var headEnd: Int?
        while true {
            if let end = Self.headEnd(in: buffer) {
                headEnd = end
                break
            }
            guard buffer.count < 1 << 20, socket.receive(into: &buffer) != nil else { return nil }
        }
        guard let headEnd else { return nil }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).makeIterator()
        let requestLine = (lines.next() ?? "").split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [(name: String, value: String)] = []
        while let line = lines.next(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append(
                (
                    line[..<colon].lowercased(),
                    line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                ))
        }
        let length = headers.first { $0.name == "content-length" }.flatMap { Int($0.value) } ?? 0
        let bodyStart = headEnd + 4
        while buffer.count < bodyStart + length {
            guard socket.receive(into: &buffer) != nil else { return nil }
        }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeSubrange(0..<(bodyStart + length))
        let path = String(requestLine[1].split(separator: "?", maxSplits: 1).first ?? "")
        return FakeRequest(
            method: String(requestLine[0]), path: path, headers: headers, body: body,
            json: try? JSONParser().parse(body), connection: connection)
    }

    private static func headEnd(in buffer: [UInt8]) -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4)
        where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index
        }
        return nil
    }

    /// Answers one request; false when the connection must end.
    private func answer(_ request: FakeRequest, on socket: Socket) -> Bool {
        if request.method == "POST", let dialect = FakeDialect(path: request.path) {
            return complete(request, dialect: dialect, reply: reply(to: request), on: socket)
        }
        recordOnly(request)
        switch (request.method, request.path) {
        case ("GET", "/health"):
            let status = healthStatus
            let body: JSONValue =
                status == 200
                ? ["status": "ok"]
                : [
                    "error": [
                        "code": .number(JSONNumber(status)), "message": "Loading model", "type": "unavailable_error",
                    ]
                ]
            return socket.send(Self.response(status: status, body: body))
        case ("GET", "/props"):
            return socket.send(Self.response(status: 200, body: props))
        case ("GET", "/v1/models"):
            return socket.send(
                Self.response(status: 200, body: ["object": "list", "data": [["id": "fake", "object": "model"]]]))
        case ("GET", "/info"):
            return socket.send(Self.response(status: 200, body: ["model_id": "fake", "max_total_tokens": 4096]))
        case ("GET", "/api/version"):
            return socket.send(Self.response(status: 200, body: ["version": "0.0.0-fake"]))
        default:
            return socket.send(Self.response(status: 404, body: ["error": .string("no route for \(request.path)")]))
        }
    }

    private func complete(_ request: FakeRequest, dialect: FakeDialect, reply: FakeReply, on socket: Socket) -> Bool {
        switch reply.misbehaviour {
        case .closeWithoutResponse?:
            return false
        case .rawBytes(let bytes)?:
            _ = socket.send(bytes)
            return false
        case .status(let code, let body)?:
            return socket.send(Self.response(status: code, body: Array(body.utf8), contentType: "application/json"))
        case .stallBeforeResponse(let duration)?:
            if socket.waitForPeerClose(duration) {
                noteAbandoned()
                return false
            }
        default:
            break
        }
        return request.wantsStream
            ? stream(request, dialect: dialect, reply: reply, on: socket)
            : whole(request, dialect: dialect, reply: reply, on: socket)
    }

    private func whole(_ request: FakeRequest, dialect: FakeDialect, reply: FakeReply, on socket: Socket) -> Bool {
        var body = dialect.wholeBody(reply, request: request)
        switch reply.misbehaviour {
        case .garbageBody(let text)?: body = Array(text.utf8)
        case .truncatedJSON?: body = Array(body.prefix(body.count / 2))
        default: break
        }
        let head = Self.head(status: 200, contentType: "application/json", length: body.count)
        switch reply.misbehaviour {
        case .resetMidStream(let after)?:
            _ = socket.send(head + body.prefix(after == 0 ? 0 : body.count / 2))
            socket.reset()
            return false
        case .stallMidStream(_, let duration)?:
            guard socket.send(head + body.prefix(body.count / 2)) else { return abandon() }
            if socket.waitForPeerClose(duration) { return abandon() }
            return socket.send(Array(body.dropFirst(body.count / 2))) || abandon()
        default:
            return socket.send(head + body) || abandon()
        }
    }

    private func stream(_ request: FakeRequest, dialect: FakeDialect, reply: FakeReply, on socket: Socket) -> Bool {
        var (events, final) = dialect.events(reply, request: request)
        switch reply.misbehaviour {
        case .garbageBody(let text)?:
            events.insert(Array(text.utf8) + Array("\n\n".utf8), at: 0)
        case .truncatedJSON?:
            let cut = events.first ?? final[0]
            events.insert(Array(cut.prefix(cut.count / 2)) + Array("\n\n".utf8), at: 0)
        case .endWithoutFinalEvent?:
            final = []
        case .errorEvent(let after, let message)?:
            events = Array(events.prefix(after)) + [dialect.errorEvent(message)]
            final = []
        default:
            break
        }
        var head = "HTTP/1.1 200 OK\r\nContent-Type: \(dialect.streamContentType)\r\n"
        head += "Transfer-Encoding: chunked\r\nCache-Control: no-cache\r\n\r\n"
        guard socket.send(Array(head.utf8)) else { return abandon() }
        for (number, event) in (events + final).enumerated() {
            switch reply.misbehaviour {
            case .resetMidStream(let after)? where number == after:
                socket.reset()
                return false
            case .stallMidStream(let after, let duration)? where number == after:
                if socket.waitForPeerClose(duration) { return abandon() }
            default:
                break
            }
            if number > 0, let delay = reply.pieceDelay, socket.waitForPeerClose(delay) { return abandon() }
            guard sendChunk(event, on: socket, splitWrites: reply.splitWrites) else { return abandon() }
        }
        if case .resetMidStream? = reply.misbehaviour {
            socket.reset()
            return false
        }
        return socket.send(Array("0\r\n\r\n".utf8)) || abandon()
    }

    private func sendChunk(_ payload: [UInt8], on socket: Socket, splitWrites: Int?) -> Bool {
        let chunk = Array(String(payload.count, radix: 16).utf8) + [13, 10] + payload + [13, 10]
        guard let size = splitWrites, size > 0 else { return socket.send(chunk) }
        var offset = 0
        while offset < chunk.count {
            let end = min(chunk.count, offset + size)
            guard socket.send(Array(chunk[offset..<end])) else { return false }
            offset = end
            if offset < chunk.count { usleep(300) }
        }
        return true
    }

    private func abandon() -> Bool {
        noteAbandoned()
        return false
    }

    static func response(status: Int, body: JSONValue) -> [UInt8] {
        var bytes: [UInt8] = []
        body.write(to: &bytes)
        return response(status: status, body: bytes, contentType: "application/json")
    }

    static func response(status: Int, body: [UInt8], contentType: String) -> [UInt8] {
        head(status: status, contentType: contentType, length: body.count) + body
    }

    static func head(status: Int, contentType: String, length: Int) -> [UInt8] {
        let reason =
            [200: "OK", 404: "Not Found", 500: "Internal Server Error", 503: "Service Unavailable"][status]
            ?? "Status"
        return Array(
            "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(length)\r\n\r\n".utf8)
    }
}
