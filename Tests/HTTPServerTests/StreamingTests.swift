import Dispatch
import HTTPServer
import Testing

@Suite("HTTP server: streamed responses")
struct StreamingTests {
    static let sseHeaders: HTTPHeaders = ["Content-Type": "text/event-stream", "Cache-Control": "no-cache"]

    @Test("sends each write before the producer makes the next one (the client gates the producer)",
          arguments: [false, true])
    func flushesEachEvent(inline: Bool) async throws {
        let clientSawFirst = Flag()
        let clientSawSecond = Flag()
        try await withServer(inline: inline, handler: { _ in
            HTTPResponse(headers: Self.sseHeaders, body: .stream { writer in
                writer.write("data: one\n\n")
                // Without a flush per write the client never sees "one" and this wait times out.
                guard await clientSawFirst.wait() else { return }
                writer.write("data: two\n\n")
                guard await clientSawSecond.wait() else { return }
                writer.write("data: [DONE]\n\n")
            })
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("POST", "/v1/chat/completions", body: Array("{}".utf8))
            let head = try await client.readHead()
            #expect(head.status == 200)
            #expect(head.headers["Transfer-Encoding"] == "chunked")
            #expect(head.headers["content-type"] == "text/event-stream")
            #expect(try await client.readChunk().map { String(decoding: $0, as: UTF8.self) } == "data: one\n\n")
            clientSawFirst.raise()
            #expect(try await client.readChunk().map { String(decoding: $0, as: UTF8.self) } == "data: two\n\n")
            clientSawSecond.raise()
            #expect(try await client.readChunk().map { String(decoding: $0, as: UTF8.self) } == "data: [DONE]\n\n")
            #expect(try await client.readChunk() == nil)
        }
    }

    @Test("batches writes made while the socket was busy and keeps them in order", arguments: [false, true])
    func manyWritesArriveInOrder(inline: Bool) async throws {
        try await withServer(inline: inline, handler: { _ in
            HTTPResponse(headers: Self.sseHeaders, body: .stream { writer in
                for index in 0..<2000 { writer.write("data: \(index)\n\n") }
            })
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("GET", "/stream")
            let response = try await client.readResponse()
            let expected = (0..<2000).map { "data: \($0)\n\n" }.joined()
            #expect(response.text == expected)
        }
    }

    @Test("keeps the connection alive after a stream ends", arguments: [false, true])
    func keepAliveAfterStream(inline: Bool) async throws {
        try await withServer(inline: inline, handler: { request in
            if request.path == "/plain" { return .text("plain") }
            return HTTPResponse(headers: Self.sseHeaders, body: .stream { writer in
                writer.write("data: a\n\n")
                try? await Task.sleep(for: .milliseconds(20))
                writer.write("data: b\n\n")
            })
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("GET", "/stream")
            let streamed = try await client.readResponse()
            #expect(streamed.text == "data: a\n\ndata: b\n\n")
            #expect(streamed.headers["Connection"]?.lowercased() != "close")
            try client.request("GET", "/plain")
            #expect(try await client.readResponse().text == "plain")
            #expect(await eventually { server.stats.isQuiet })
        }
    }

    @Test("cancels a quiet stream promptly when the client disconnects, and releases it", arguments: [false, true])
    func disconnectDuringQuietStream(inline: Bool) async throws {
        let cancelledByCallback = Flag()
        let taskCancelled = Flag()
        let streamReturned = Flag()
        try await withServer(inline: inline, handler: { _ in
            HTTPResponse(headers: Self.sseHeaders, body: .stream { writer in
                writer.onCancel { cancelledByCallback.raise() }
                writer.write("data: first\n\n")
                // A backend that has gone quiet: only cancellation ends this wait.
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                if writer.isCancelled { taskCancelled.raise() }
                #expect(writer.write("data: into the void\n\n") == false)
                streamReturned.raise()
            })
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("GET", "/stream")
            _ = try await client.readHead()
            #expect(try await client.readChunk() != nil)
            #expect(server.stats.openStreams == 1)
            client.close()
            #expect(await cancelledByCallback.wait())
            #expect(await taskCancelled.wait())
            #expect(await streamReturned.wait())
            #expect(await eventually { server.stats == HTTPServer.Stats() }, "\(server.stats)")
        }
    }

    @Test("cancels a streaming producer that keeps writing when the client disconnects", arguments: [false, true])
    func disconnectDuringBusyStream(inline: Bool) async throws {
        let stopped = Flag()
        try await withServer(inline: inline, handler: { _ in
            HTTPResponse(headers: Self.sseHeaders, body: .stream { writer in
                let chunk = String(repeating: "x", count: 1000)
                while writer.write("data: \(chunk)\n\n") {
                    try? await Task.sleep(for: .milliseconds(1))
                }
                stopped.raise()
            })
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("GET", "/stream")
            _ = try await client.readHead()
            _ = try await client.readChunk()
            client.close()
            #expect(await stopped.wait())
            #expect(await eventually { server.stats == HTTPServer.Stats() }, "\(server.stats)")
        }
    }

    @Test("cancels a handler still waiting on its backend when the client disconnects", arguments: [false, true])
    func disconnectWhileHandlerWaits(inline: Bool) async throws {
        let started = Flag()
        let sawCancellation = Flag()
        try await withServer(inline: inline, handler: { _ in
            started.raise()
            await withTaskCancellationHandler {
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
            } onCancel: {
                sawCancellation.raise()
            }
            return .text("too late")
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("POST", "/v1/chat/completions", body: Array("{}".utf8))
            #expect(await started.wait())
            #expect(server.stats.activeRequests == 1)
            client.close()
            #expect(await sawCancellation.wait())
            #expect(await eventually { server.stats == HTTPServer.Stats() }, "\(server.stats)")
        }
    }

    @Test("accepts writes from outside any task, such as a transfer library's callback thread")
    func writesFromAnotherThread() async throws {
        try await withServer(handler: { _ in
            HTTPResponse(headers: Self.sseHeaders, body: .stream { writer in
                let done = Flag()
                DispatchQueue.global().async {
                    for index in 0..<50 { writer.write("data: \(index)\n\n") }
                    done.raise()
                }
                _ = await done.wait()
            })
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("GET", "/")
            #expect(try await client.readResponse().text == (0..<50).map { "data: \($0)\n\n" }.joined())
        }
    }
}

@Suite("HTTP server: per-request memory")
struct ReleaseTests {
    @Test("frees every per-request object after whole, streamed, refused, aborted and timed-out requests",
          arguments: [false, true])
    func everyExchangeIsFreed(inline: Bool) async throws {
        try await withServer(inline: inline, configure: {
            $0.maxRequestBodyBytes = 10
            $0.connectionTimeout = .seconds(1)
        }, handler: { request in
            switch request.path {
            case "/stream":
                return HTTPResponse(body: .stream { writer in
                    writer.write("data: x\n\n")
                    while !Task.isCancelled, request.query == "forever" {
                        try? await Task.sleep(for: .milliseconds(5))
                    }
                })
            case "/wait":
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
                return .text("late")
            default:
                return .text("ok")
            }
        }) { server in
            // One connection per request: the one-second connection timeout the stalled request needs would also
            // close an idle keep-alive connection while this test is paused (see `patience`).
            let whole = try TestClient(port: server.port)
            try whole.request("GET", "/")
            #expect(try await whole.readResponse().text == "ok")
            let streamed = try TestClient(port: server.port)
            try streamed.request("GET", "/stream")
            #expect(try await streamed.readResponse().text == "data: x\n\n")
            let refused = try TestClient(port: server.port)
            try refused.request("POST", "/", body: Array(repeating: 1, count: 50))
            #expect(try await refused.readResponse().status == 413)
            let aborted = try TestClient(port: server.port)
            try aborted.request("GET", "/stream?forever")
            _ = try await aborted.readHead()
            aborted.close()
            let waiting = try TestClient(port: server.port)
            try waiting.request("GET", "/wait")
            try? await Task.sleep(for: .milliseconds(50))
            waiting.close()
            let stalled = try TestClient(port: server.port)
            try stalled.send("GET / HTTP/1.1\r\nHost: x\r\n")
            #expect(await stalled.waitForClose())
            whole.close()
            streamed.close()
            refused.close()
            #expect(await eventually { server.stats == HTTPServer.Stats() }, "\(server.stats)")
            #expect(await eventually { liveExchanges(server) == 0 })
        }
    }
}

@Suite("HTTP server: stream closure contract")
struct StreamClosureTests {
    @Test("runs the stream closure, already cancelled, when the client left before the handler returned",
          arguments: [false, true])
    func closureRunsAfterEarlyDisconnect(inline: Bool) async throws {
        let handlerStarted = Flag()
        let closureRan = Flag()
        try await withServer(inline: inline, handler: { _ in
            handlerStarted.raise()
            // Returns only once the server has noticed the client leave, however late this task runs.
            #expect(await eventually { Task.isCancelled })
            return HTTPResponse(body: .stream { writer in
                if writer.isCancelled, !writer.write("data: x\n\n") { closureRan.raise() }
            })
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("GET", "/")
            #expect(await handlerStarted.wait())
            client.close()
            #expect(await closureRan.wait())
            #expect(await eventually { server.stats == HTTPServer.Stats() && liveExchanges(server) == 0 })
        }
    }
}
