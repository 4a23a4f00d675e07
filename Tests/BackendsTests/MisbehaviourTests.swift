import Foundation
import FakeBackend
import JSON
import Testing

@testable import Backends

/// Short deadlines so timeout tests take a fraction of a second.
let quickTimeouts = BackendTimeouts(
    connect: .seconds(2), firstByte: .milliseconds(300), stall: .milliseconds(300),
    total: .seconds(5))

@Suite("Backend failures, each with its exact client-visible outcome")
struct MisbehaviourTests {
    func run(
        dialect: String = "llamacpp", stream: Bool = true, timeouts: BackendTimeouts = quickTimeouts,
        _ reply: FakeReply
    ) async throws -> (Outcome, FakeBackend) {
        let (fake, backend) = try makePair(dialect, timeouts: timeouts)
        fake.enqueue(reply)
        let outcome = await collect(backend.complete(CompletionRequest(prompt: "p", model: "m", stream: stream)))
        return (outcome, fake)
    }

    @Test("a refused connection is connectFailed (502)")
    func refused() async throws {
        let transport = try CurlTransport(logger: testLogger)
        let url = "http://127.0.0.1:\(FakeBackend.unusedPort())"
        let backend = try Backend(dialect: "llamacpp", url: url, transport: transport, logger: testLogger)
        let outcome = await collect(backend.complete(CompletionRequest(prompt: "p", stream: true)))
        guard case .connectFailed(let failedURL, _)? = outcome.error else {
            Issue.record("got \(String(describing: outcome.error))")
            return
        }
        #expect(failedURL == url + "/completion")
        #expect(outcome.error?.httpStatus == 502)
        #expect(outcome.pieces.isEmpty && outcome.finish == nil)
    }

    @Test("a connection closed without a response is connectionReset with 0 bytes (502)", arguments: [false, true])
    func closedWithoutResponse(stream: Bool) async throws {
        let (outcome, fake) = try await run(stream: stream, .failing(.closeWithoutResponse))
        defer { fake.stop() }
        guard case .connectionReset(0, _)? = outcome.error else {
            Issue.record("got \(String(describing: outcome.error))")
            return
        }
        #expect(outcome.error?.httpStatus == 502)
    }

    @Test(
        "a reset mid-stream delivers the text so far, then connectionReset (502)",
        arguments: ["llamacpp", "openai", "tgi", "ollama"])
    func resetMidStream(dialect: String) async throws {
        let (outcome, fake) = try await run(
            dialect: dialect,
            FakeReply(
                "abcdefghijkl", pieceCharacters: 3,
                misbehaviour: .resetMidStream(afterEvents: 2)))
        defer { fake.stop() }
        #expect(outcome.text == "abcdef")
        #expect(outcome.finish == nil)
        guard case .connectionReset(let received, _)? = outcome.error else {
            Issue.record("got \(String(describing: outcome.error))")
            return
        }
        #expect(received > 0)
    }

    @Test("a reset in the middle of a whole body is connectionReset (502)")
    func resetWholeBody() async throws {
        let (outcome, fake) = try await run(
            stream: false, FakeReply("abc", misbehaviour: .resetMidStream(afterEvents: 1)))
        defer { fake.stop() }
        guard case .connectionReset? = outcome.error else {
            Issue.record("got \(String(describing: outcome.error))")
            return
        }
        #expect(outcome.pieces.isEmpty)
    }

    @Test("a 500 is httpStatus with the body (502)", arguments: [false, true])
    func serverError(stream: Bool) async throws {
        let body = #"{"error":{"code":500,"message":"CUDA out of memory"}}"#
        let (outcome, fake) = try await run(stream: stream, .failing(.status(500, body: body)))
        defer { fake.stop() }
        #expect(outcome.error == .httpStatus(code: 500, body: body))
        #expect(outcome.error?.httpStatus == 502)
        #expect(outcome.error?.description == "the backend answered HTTP 500: \(body)")
    }

    @Test("no first byte within the first-byte timeout is timedOut(firstByte) (504), and the backend sees the close")
    func stallBeforeFirstByte() async throws {
        let (outcome, fake) = try await run(.failing(.stallBeforeResponse(.seconds(20))))
        defer { fake.stop() }
        #expect(outcome.error == .timedOut(phase: .firstByte, after: .milliseconds(300)))
        #expect(outcome.error?.httpStatus == 504)
        #expect(await eventually { fake.abandonedResponses == 1 })
    }

    @Test("a whole response slower than the total timeout is timedOut(total) (504)")
    func totalTimeout() async throws {
        var timeouts = quickTimeouts
        timeouts.total = .milliseconds(400)
        let (outcome, fake) = try await run(
            stream: false, timeouts: timeouts, .failing(.stallBeforeResponse(.seconds(20))))
        defer { fake.stop() }
        #expect(outcome.error == .timedOut(phase: .total, after: .milliseconds(400)))
    }

    @Test("a stream that stops sending mid-way is timedOut(stall) (504) after the text so far")
    func stallMidStream() async throws {
        let (outcome, fake) = try await run(
            FakeReply(
                "abcdefghi", pieceCharacters: 3,
                misbehaviour: .stallMidStream(afterEvents: 2, .seconds(20))))
        defer { fake.stop() }
        #expect(outcome.text == "abcdef")
        #expect(outcome.error == .timedOut(phase: .stall, after: .milliseconds(300)))
        #expect(await eventually { fake.abandonedResponses == 1 })
    }

    @Test("a stall shorter than the stall timeout is only a slow stream")
    func shortStall() async throws {
        let (outcome, fake) = try await run(
            FakeReply(
                "abcdefghi", pieceCharacters: 3,
                misbehaviour: .stallMidStream(afterEvents: 1, .milliseconds(100))))
        defer { fake.stop() }
        #expect(outcome.error == nil)
        #expect(outcome.text == "abcdefghi")
    }

    @Test("bytes that are not HTTP are invalidResponse (502)")
    func notHTTP() async throws {
        let (outcome, fake) = try await run(.failing(.rawBytes(Array("SSH-2.0-OpenSSH_9.2\r\n\r\n".utf8))))
        defer { fake.stop() }
        guard case .invalidResponse(let what, _)? = outcome.error else {
            Issue.record("got \(String(describing: outcome.error))")
            return
        }
        #expect(what == "not an HTTP response")
    }

    @Test("a garbage body is invalidResponse with an excerpt (502)", arguments: [false, true])
    func garbageBody(stream: Bool) async throws {
        let (outcome, fake) = try await run(stream: stream, .failing(.garbageBody("<html>Bad Gateway</html>")))
        defer { fake.stop() }
        guard case .invalidResponse(_, let excerpt)? = outcome.error else {
            Issue.record("got \(String(describing: outcome.error))")
            return
        }
        #expect(excerpt == "<html>Bad Gateway</html>")
        #expect(outcome.error?.httpStatus == 502)
    }

    @Test("cut-off JSON is invalidResponse (502)", arguments: [false, true])
    func truncatedJSON(stream: Bool) async throws {
        let (outcome, fake) = try await run(stream: stream, .failing(.truncatedJSON))
        defer { fake.stop() }
        guard case .invalidResponse(let what, _)? = outcome.error else {
            Issue.record("got \(String(describing: outcome.error))")
            return
        }
        #expect(what.hasPrefix("not JSON"))
    }

    @Test(
        "a stream that ends cleanly without its final event is invalidResponse after the text",
        arguments: ["llamacpp", "openai", "tgi", "ollama"])
    func endWithoutFinalEvent(dialect: String) async throws {
        let (outcome, fake) = try await run(dialect: dialect, FakeReply("abcdef", misbehaviour: .endWithoutFinalEvent))
        defer { fake.stop() }
        #expect(outcome.text == "abcdef")
        guard case .invalidResponse(let what, _)? = outcome.error else {
            Issue.record("got \(String(describing: outcome.error))")
            return
        }
        #expect(what.contains("ended before"))
    }

    @Test(
        "an error event mid-stream is backendReported with the server's message (502)",
        arguments: ["llamacpp", "openai", "tgi", "ollama"])
    func errorEvent(dialect: String) async throws {
        let (outcome, fake) = try await run(
            dialect: dialect,
            FakeReply(
                "abcdef", pieceCharacters: 3,
                misbehaviour: .errorEvent(afterEvents: 1, message: "slot crashed")))
        defer { fake.stop() }
        #expect(outcome.text == "abc")
        #expect(outcome.error == .backendReported(message: "slot crashed"))
    }

    @Test("a failed request leaves the backend usable for the next one")
    func recovers() async throws {
        let (fake, backend) = try makePair("llamacpp", timeouts: quickTimeouts)
        defer { fake.stop() }
        fake.enqueue(
            .failing(.resetMidStream(afterEvents: 1)), .failing(.garbageBody("x")),
            .failing(.status(503, body: "busy")), FakeReply("fine"))
        var errors = 0
        for _ in 0..<3 {
            if await collect(backend.complete(CompletionRequest(prompt: "p", stream: true))).error != nil {
                errors += 1
            }
        }
        #expect(errors == 3)
        let outcome = await collect(backend.complete(CompletionRequest(prompt: "p", stream: true)))
        #expect(outcome.text == "fine")
        #expect(outcome.finish == .stop)
    }
}

@Suite("Cancellation")
struct CancellationTests {
    @Test("cancelling the consuming task aborts the transfer and the backend sees the connection close")
    func cancelTask() async throws {
        let (fake, backend) = try makePair("llamacpp")
        defer { fake.stop() }
        fake.enqueue(
            FakeReply("abcdef", pieceCharacters: 3, misbehaviour: .stallMidStream(afterEvents: 1, .seconds(30))))
        let firstPiece = AsyncStream<String>.makeStream()
        let consumer = Task {
            var sawFirst = false
            do {
                for try await event in backend.complete(CompletionRequest(prompt: "p", stream: true)) {
                    if case .text(let piece) = event, !sawFirst {
                        sawFirst = true
                        firstPiece.continuation.yield(piece)
                    }
                }
            } catch {}
        }
        var pieces = firstPiece.stream.makeAsyncIterator()
        #expect(await pieces.next() == "abc")
        let clock = ContinuousClock()
        let start = clock.now
        consumer.cancel()
        await consumer.value
        #expect(await eventually(within: 2) { fake.abandonedResponses == 1 })
        #expect(clock.now - start < .seconds(2), "the abort is prompt")
    }

    @Test("dropping the stream after the first piece aborts the transfer")
    func dropStream() async throws {
        let (fake, backend) = try makePair("openai")
        defer { fake.stop() }
        // 500 pieces 20 ms apart: the whole answer takes 10 s, so an abort seen within 5 s (a loaded machine
        // is slow to notice) cannot be the answer's normal end.
        fake.enqueue(FakeReply(String(repeating: "x", count: 500), pieceCharacters: 1, pieceDelay: .milliseconds(20)))
        for try await event in backend.complete(CompletionRequest(prompt: "p", model: "m", stream: true)) {
            if case .text = event { break }
        }
        #expect(await eventually(within: 5) { fake.abandonedResponses == 1 })
    }

    @Test("the call's cancel aborts the transfer while its events are held but not read, and ends them cancelled",
          arguments: ["llamacpp", "openai"])
    func cancelFromAnotherThread(dialect: String) async throws {
        let (fake, backend) = try makePair(dialect)
        defer { fake.stop() }
        fake.enqueue(FakeReply(String(repeating: "x", count: 500), pieceCharacters: 1, pieceDelay: .milliseconds(20)))
        let call = backend.start(CompletionRequest(prompt: "p", model: "m", stream: true))
        var events = call.events.makeAsyncIterator()
        guard case .text? = try await events.next() else {
            Issue.record("no first piece")
            return
        }
        // From a thread of its own, as the server's disconnect watcher does, with nobody waiting on the events.
        Thread { call.cancel() }.start()
        #expect(await eventually(within: 5) { fake.abandonedResponses == 1 })
        var ending: (any Error)?
        do {
            while try await events.next() != nil {}
        } catch {
            ending = error
        }
        #expect(ending as? BackendError == .cancelled)
    }
}

@Suite("Connect timeout")
struct ConnectTimeoutTests {
    @Test("a listener whose accept queue is full never completes the handshake: timedOut(connect) (504)")
    func connectTimeout() async throws {
        let listener = try #require(FullListener.make(), "no loopback listener held a handshake")
        defer { listener.close() }
        var timeouts = quickTimeouts
        timeouts.connect = .milliseconds(300)
        let transport = try CurlTransport(logger: testLogger)
        let backend = try Backend(
            dialect: "llamacpp", url: "http://127.0.0.1:\(listener.port)", timeouts: timeouts, transport: transport,
            logger: testLogger)
        let outcome = await collect(backend.complete(CompletionRequest(prompt: "p", stream: true)))
        #expect(outcome.error == .timedOut(phase: .connect, after: .milliseconds(300)))
        #expect(outcome.error?.httpStatus == 504)
    }
}
