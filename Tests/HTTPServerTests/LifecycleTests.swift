import Glibc
import HTTPServer
import Testing

@Suite("HTTP server: connections, limits and lifecycle")
struct LifecycleTests {
    @Test("serves requests while 200 idle connections stay open")
    func manyIdleConnections() async throws {
        try await withServer(handler: { request in .text("ok \(request.path)") }) { server in
            var idle: [TestClient] = []
            for _ in 0..<200 { idle.append(try TestClient(port: server.port)) }
            #expect(await eventually { server.stats.openConnections == 200 })
            let active = try TestClient(port: server.port)
            for index in 0..<5 {
                try active.request("GET", "/\(index)")
                #expect(try await active.readResponse().text == "ok /\(index)")
            }
            // Every idle connection still works.
            for (index, client) in idle.enumerated() where index % 20 == 0 {
                try client.request("GET", "/late")
                #expect(try await client.readResponse().text == "ok /late")
            }
            for client in idle { client.close() }
            active.close()
            #expect(await eventually { server.stats.openConnections == 0 })
        }
    }

    @Test("closes a connection that stalls mid-request once the timeout passes")
    func stalledRequestTimesOut() async throws {
        let called = Flag()
        try await withServer(configure: { $0.connectionTimeout = .seconds(1) }, handler: { _ in
            called.raise()
            return .text("never")
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
            #expect(await client.waitForClose())
            #expect(!called.isRaised)
            #expect(await eventually { server.stats == HTTPServer.Stats() }, "\(server.stats)")
        }
    }

    @Test("does not time out a request whose handler is still working")
    func slowHandlerIsNotTimedOut() async throws {
        try await withServer(configure: { $0.connectionTimeout = .seconds(1) }, handler: { _ in
            try? await Task.sleep(for: .milliseconds(2500))
            return .text("slow but fine")
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("GET", "/")
            #expect(try await client.readResponse().text == "slow but fine")
        }
    }

    struct MalformedRequest: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: String
        var testDescription: String { name }
    }

    static let malformedCases = [
        MalformedRequest(name: "not HTTP", bytes: "HELLO\r\n\r\n"),
        MalformedRequest(name: "bad Content-Length",
                         bytes: "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n"),
        MalformedRequest(name: "header line without colon",
                         bytes: "GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n"),
        MalformedRequest(name: "unknown HTTP version", bytes: "GET / HTTP/9.9\r\nHost: x\r\n\r\n"),
        MalformedRequest(name: "bad chunk size",
                         bytes: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                             + "ZZ\r\nabc\r\n0\r\n\r\n"),
        MalformedRequest(name: "40 KB header field",
                         bytes: "GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 40000))\r\n\r\n"),
        MalformedRequest(name: "binary garbage", bytes: "\u{0}\u{1}\u{2}\r\n\r\n"),
    ]

    @Test("answers malformed requests with an error or a close (by the connection timeout at worst), and keeps serving",
          arguments: malformedCases)
    func malformedRequests(request: MalformedRequest) async throws {
        // MHD reads a line starting with NUL as empty and waits for more: the connection timeout ends that.
        try await withServer(configure: { $0.connectionTimeout = .seconds(1) }, handler: { _ in .text("fine") }) {
            server in
            let client = try TestClient(port: server.port)
            try? client.send(request.bytes)
            do {
                let response = try await client.readResponse()
                #expect((400...599).contains(response.status))
            } catch TestClient.Failure.timedOut {
                Issue.record("the server neither answered nor closed the connection")
            } catch {
                // Closed without an answer: acceptable for bytes that are not HTTP at all.
            }
            let next = try TestClient(port: server.port)
            try next.request("GET", "/")
            #expect(try await next.readResponse().text == "fine")
        }
    }

    @Test("reports a port in use, naming it")
    func portInUse() async throws {
        try await withServer(handler: { _ in .text("") }) { server in
            let second = HTTPServer(configuration: .init(host: "127.0.0.1", port: server.port, logger: quietLogger)) {
                _ in .text("")
            }
            #expect(throws: HTTPServerError.addressInUse(host: "127.0.0.1", port: server.port)) {
                try second.start()
            }
            let message = HTTPServerError.addressInUse(host: "127.0.0.1", port: server.port).description
            #expect(message.contains("127.0.0.1:\(server.port)") && message.contains("already in use"))
        }
    }

    @Test("reports an address that is not one", arguments: ["300.1.2.3", "127.0.0.1:80", "::zz"])
    func badAddress(host: String) {
        let server = HTTPServer(configuration: .init(host: host, port: 0, logger: quietLogger)) { _ in .text("") }
        do {
            try server.start()
            Issue.record("started on \(host)")
        } catch {
            guard case .invalidAddress(let reported, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(reported == host)
            #expect(error.description.contains("'\(host)'"))
        }
    }

    @Test("rejects out-of-range settings before binding")
    func invalidConfiguration() {
        var configuration = HTTPServer.Configuration(port: 0, logger: quietLogger)
        configuration.threadCount = 0
        let server = HTTPServer(configuration: configuration) { _ in .text("") }
        #expect(throws: HTTPServerError.invalidConfiguration("threadCount 0 is outside 1...256")) {
            try server.start()
        }
    }

    @Test("shutdown lets an in-flight stream finish, then stops accepting and returns", arguments: [false, true])
    func shutdownWaitsForStream(inline: Bool) async throws {
        let streaming = Flag()
        let draining = Flag()
        var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0, logger: quietLogger)
        configuration.startsHandlersOnPollingThread = inline
        configuration.threadCount = 2
        let server = HTTPServer(configuration: configuration) { _ in
            HTTPResponse(headers: ["Content-Type": "text/event-stream"], body: .stream { writer in
                writer.write("data: 0\n\n")
                streaming.raise()
                // The rest is produced only once the server drains: the stream is in flight during shutdown.
                guard await draining.wait() else { return }
                for index in 1..<5 {
                    writer.write("data: \(index)\n\n")
                    try? await Task.sleep(for: .milliseconds(40))
                }
            })
        }
        try server.start()
        let port = server.port
        let client = try TestClient(port: port)
        try client.request("GET", "/stream")
        #expect(await streaming.wait())
        // Returns as soon as the stream ends; the grace period only bounds a failure.
        let shutdown = Task { await server.shutdown(gracePeriod: patience) }
        #expect(await eventually { (try? TestClient(port: port)) == nil })
        draining.raise()
        let response = try await client.readResponse()
        #expect(response.text == (0..<5).map { "data: \($0)\n\n" }.joined())
        await shutdown.value
        #expect(throws: TestClient.Failure.self) { try TestClient(port: port) }
        #expect(server.stats == HTTPServer.Stats())
    }

    @Test("shutdown cuts a stream that outlives the grace period with a clean end of the chunked body",
          .timeLimit(.minutes(2)), arguments: [false, true])
    func shutdownCutsStream(inline: Bool) async throws {
        let streaming = Flag()
        let sawCancellation = Flag()
        var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0, logger: quietLogger)
        configuration.startsHandlersOnPollingThread = inline
        let server = HTTPServer(configuration: configuration) { _ in
            HTTPResponse(headers: ["Content-Type": "text/event-stream"], body: .stream { writer in
                writer.onCancel { sawCancellation.raise() }
                writer.write("data: first\n\n")
                streaming.raise()
                // Ignores cancellation on purpose and never ends by itself: only the server can end the response,
                // and shutdown must return all the same (a hang here is caught by the time limit).
                while writer.write(": still here\n\n") {
                    await sleepIgnoringCancellation(seconds: 0.02)
                }
            })
        }
        try server.start()
        let client = try TestClient(port: server.port)
        try client.request("GET", "/stream")
        #expect(await streaming.wait())
        await server.shutdown(gracePeriod: .milliseconds(300))
        #expect(sawCancellation.isRaised)
        let response = try await client.readResponse()
        #expect(response.status == 200)
        #expect(response.text.hasPrefix("data: first\n\n"))
    }

    @Test("shutdown answers a handler that never returns with the hook's 503 and still returns",
          .timeLimit(.minutes(2)), arguments: [false, true])
    func shutdownAnswersStuckHandler(inline: Bool) async throws {
        let started = Flag()
        let release = Flag()
        defer { release.raise() }
        var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0, logger: quietLogger)
        configuration.startsHandlersOnPollingThread = inline
        configuration.errorResponse = { failure in .text("custom \(failure.status)", status: failure.status) }
        let server = HTTPServer(configuration: configuration) { _ in
            started.raise()
            // Stuck until the test has its answer, whatever the shutdown does (a hang is caught by the time limit).
            await release.waitIgnoringCancellation()
            return .text("late")
        }
        try server.start()
        let client = try TestClient(port: server.port)
        try client.request("GET", "/")
        #expect(await started.wait())
        await server.shutdown(gracePeriod: .milliseconds(100))
        let response = try await client.readResponse()
        #expect(response.status == 503 && response.text == "custom 503")
    }

    @Test("during shutdown, answers new requests on open connections with 503 and Connection: close")
    func requestsDuringDrainAreRefused() async throws {
        let release = Flag()
        let started = Flag()
        let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, logger: quietLogger)) { request in
            if request.path == "/slow" {
                started.raise()
                _ = await release.wait()
            }
            return .text("served \(request.path)")
        }
        try server.start()
        let idle = try TestClient(port: server.port)
        try idle.request("GET", "/warm")
        #expect(try await idle.readResponse().text == "served /warm")
        let slow = try TestClient(port: server.port)
        try slow.request("GET", "/slow")
        #expect(await started.wait())
        let shutdown = Task { await server.shutdown(gracePeriod: patience) }
        #expect(await eventually { (try? TestClient(port: server.port)) == nil })
        try idle.request("GET", "/new")
        let refused = try await idle.readResponse()
        #expect(refused.status == 503)
        #expect(refused.headers["Connection"]?.lowercased() == "close")
        release.raise()
        #expect(try await slow.readResponse().text == "served /slow")
        await shutdown.value
    }
}

@Suite("HTTP server: request deadline")
struct RequestDeadlineTests {
    @Test("disconnects a client that trickles its body past the request timeout")
    func tricklingBody() async throws {
        let called = Flag()
        try await withServer(configure: {
            $0.requestTimeout = .milliseconds(300)
            $0.connectionTimeout = .seconds(5)
        }, handler: { _ in
            called.raise()
            return .text("never")
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
            var closed = false
            for _ in 0..<40 where !closed {
                try? client.send("x")
                closed = await client.waitForClose(within: .milliseconds(100))
            }
            #expect(closed)
            #expect(!called.isRaised)
            #expect(await eventually { server.stats == HTTPServer.Stats() }, "\(server.stats)")
        }
    }
}
