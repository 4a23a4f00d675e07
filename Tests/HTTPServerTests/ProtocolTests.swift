import Glibc
import HTTPServer
import Testing

@Suite("HTTP server: protocol details")
struct ProtocolTests {
    @Test("answers pipelined requests in order", arguments: [false, true])
    func pipelining(inline: Bool) async throws {
        try await withServer(inline: inline, handler: { request in
            if request.path == "/first" { try? await Task.sleep(for: .milliseconds(30)) }
            return .text("answer \(request.path)")
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().text == "answer /first")
            #expect(try await client.readResponse().text == "answer /second")
        }
    }

    @Test("sends 100 Continue to a client that expects it, then takes the body")
    func expectContinue() async throws {
        try await withServer(handler: { request in .text("got \(request.body.count) bytes") }) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\nExpect: 100-continue\r\n\r\n")
            let interim = try await client.readHead()
            #expect(interim.status == 100)
            try client.send(Array(repeating: 120, count: 2000))
            #expect(try await client.readResponse().text == "got 2000 bytes")
        }
    }

    @Test("refuses a body over the limit without asking for it when the client expects 100 Continue")
    func expectContinueOverLimit() async throws {
        try await withServer(configure: { $0.maxRequestBodyBytes = 100 }, handler: { _ in .text("no") }) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\nExpect: 100-continue\r\n\r\n")
            #expect(try await client.readResponse().status == 413)
        }
    }

    @Test("holds connections beyond the limit in the backlog until a slot frees")
    func connectionLimit() async throws {
        try await withServer(configure: { $0.connectionLimit = 3 }, handler: { _ in .text("in") }) { server in
            var admitted = try (0..<3).map { _ in try TestClient(port: server.port) }
            #expect(await eventually { server.stats.openConnections == 3 })
            let waiting = try TestClient(port: server.port)
            try waiting.request("GET", "/")
            try? await Task.sleep(for: .milliseconds(200))
            #expect(server.stats.openConnections == 3)
            for client in admitted {
                try client.request("GET", "/")
                #expect(try await client.readResponse().text == "in")
            }
            admitted.removeFirst().close()
            #expect(try await waiting.readResponse().text == "in")
        }
    }

    @Test("listens on IPv6 loopback and reports the peer in brackets")
    func ipv6() async throws {
        try await withServer(configure: { $0.host = "::1" }, handler: { request in .text(request.remoteAddress) }) {
            server in
            let client = try TestClient(port: server.port, host: "::1")
            try client.request("GET", "/")
            #expect(try await client.readResponse().text.hasPrefix("[::1]:"))
        }
    }

    @Test("turns a caught signal into the value next() returns, without ending the process")
    func shutdownSignals() async {
        let signals = ShutdownSignals(signals: [SIGUSR2])
        kill(getpid(), SIGUSR2)
        #expect(await signals.next() == SIGUSR2)
        #expect(await signals.next() == SIGUSR2)
    }
}

@Suite("HTTP server: stream head")
struct StreamHeadTests {
    @Test("sends a stream's status and headers before its first write")
    func headBeforeFirstWrite() async throws {
        let headSeen = Flag()
        try await withServer(handler: { _ in
            HTTPResponse(headers: ["Content-Type": "text/event-stream"], body: .stream { writer in
                // A backend still thinking: the client must already have the head.
                guard await headSeen.wait() else { return }
                writer.write("data: late\n\n")
            })
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("GET", "/")
            let head = try await client.readHead()
            #expect(head.status == 200)
            headSeen.raise()
            #expect(try await client.readChunk().map { String(decoding: $0, as: UTF8.self) } == "data: late\n\n")
        }
    }
}

@Suite("HTTP server: header size limit")
struct HeaderLimitTests {
    @Test("accepts header fields within maxHeaderBytes and answers 431 beyond it, through the hook when it can",
          arguments: [(2000, 200, "2000"), (7000, 200, "7000"), (9000, 431, "custom 431"), (30000, 431, nil)])
    func headerLimit(size: Int, status: Int, body: String?) async throws {
        try await withServer(configure: {
            $0.maxHeaderBytes = 8192
            $0.errorResponse = { .text("custom \($0.status)", status: $0.status) }
        }, handler: { request in
            .text("\(request.headers["X-Filler"]?.count ?? 0)")
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("GET", "/", headers: [("X-Filler", String(repeating: "f", count: size))])
            let response = try await client.readResponse()
            #expect(response.status == status)
            if let body { #expect(response.text == body) }
        }
    }
}
