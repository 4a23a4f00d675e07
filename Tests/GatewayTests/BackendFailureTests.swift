import FakeBackend
import Foundation
import Gateway
import JSON
import Testing

/// Backend misbehaviour, each with the exact outcome a client sees.
@Suite("Backend failures")
struct BackendFailureTests {
    /// A misbehaviour that happens before the backend has sent any output: the client gets a plain error response
    /// with a status, whether it asked for a stream or not.
    struct EarlyFailure: Sendable, CustomTestStringConvertible {
        var name: String
        var misbehaviour: FakeMisbehaviour
        var status: Int
        var code: String
        /// Words the message must contain (what went wrong, in the backend's terms).
        var mentions: String
        var testDescription: String { name }
    }

    static let earlyFailures = [
        EarlyFailure(name: "500 from the backend",
                     misbehaviour: .status(500, body: "{\"error\": \"CUDA out of memory\"}"), status: 502,
                     code: "backend_http_error", mentions: "HTTP 500"),
        EarlyFailure(name: "503 from the backend", misbehaviour: .status(503, body: "{\"error\": \"Loading model\"}"),
                     status: 502, code: "backend_http_error", mentions: "Loading model"),
        EarlyFailure(name: "garbage instead of JSON", misbehaviour: .garbageBody("<html>It works!</html>"),
                     status: 502, code: "backend_invalid_response", mentions: "It works!"),
        EarlyFailure(name: "JSON cut off", misbehaviour: .truncatedJSON,
                     status: 502, code: "backend_invalid_response", mentions: "invalid response"),
        EarlyFailure(name: "connection closed without a response", misbehaviour: .closeWithoutResponse,
                     status: 502, code: "backend_connection_reset", mentions: "closed the connection"),
        EarlyFailure(name: "connection reset before the first event", misbehaviour: .resetMidStream(afterEvents: 0),
                     status: 502, code: "backend_connection_reset", mentions: "closed the connection"),
        EarlyFailure(name: "bytes that are not HTTP", misbehaviour: .rawBytes(Array("SSH-2.0-OpenSSH_9.2\r\n".utf8)),
                     status: 502, code: "backend_invalid_response", mentions: "invalid response"),
    ]

    @Test("a backend that fails before its first byte of output gets a 502 in the OpenAI envelope",
          arguments: earlyFailures, Fixtures.dialects)
    func earlyFailure(_ failure: EarlyFailure, dialect: String) async throws {
        let model = "qwen-\(dialect)"
        try await withGateway { gateway in
            for stream in [false, true] {
                gateway.fake.enqueue(FakeReply(HermesOutput.plain, misbehaviour: failure.misbehaviour))
                let reply = try await gateway.chat(Chat.request(model: model, stream: stream))
                let message = expectError(reply, status: failure.status, type: "server_error", code: failure.code)
                #expect(message.contains(failure.mentions), "\(message)")
            }
        }
    }

    @Test("a refused connection is a 502 backend_unreachable", arguments: [false, true])
    func refused(stream: Bool) async throws {
        try await withGateway(configure: { configuration, _ in
            var profile = Fixtures.qwenProfile("llamacpp", url: "http://127.0.0.1:\(FakeBackend.unusedPort())")
            profile.name = "nobody-home"
            configuration.models.append(profile)
        }) { gateway in
            let reply = try await gateway.chat(Chat.request(model: "nobody-home", stream: stream))
            let message = expectError(reply, status: 502, type: "server_error", code: "backend_unreachable")
            #expect(message.contains("could not connect"), "\(message)")
        }
    }

    /// A streamed backend request has a first-byte deadline; a whole one only its total deadline (Backends applies
    /// `first_byte` and `stall` to streamed responses only), so both are short in these tests.
    @Test("a backend that sends nothing within its deadline is a 504", arguments: Fixtures.dialects)
    func stallBeforeFirstByte(dialect: String) async throws {
        let model = "qwen-\(dialect)"
        try await withGateway(configure: Self.timeouts(Fixtures.firstByteTimeouts)) { gateway in
            for stream in [false, true] {
                gateway.fake.enqueue(FakeReply(HermesOutput.plain, misbehaviour: .stallBeforeResponse(.seconds(20))))
                let reply = try await gateway.chat(Chat.request(model: model, stream: stream))
                let message = expectError(reply, status: 504, type: "server_error", code: "backend_timeout")
                #expect(message.contains("timed out"), "\(message)")
            }
            // The gateway hung up on the stalled backend instead of waiting it out.
            #expect(await eventually(within: .seconds(5)) { gateway.fake.abandonedResponses == 2 })
        }
    }

    /// A misbehaviour after the backend has started to answer.
    struct LateFailure: Sendable, CustomTestStringConvertible {
        var name: String
        var misbehaviour: FakeMisbehaviour
        /// The status a non-streamed request gets (the stream has already sent 200).
        var status: Int
        var code: String
        var mentions: String
        /// Short deadlines only where the failure is a stall: elsewhere a slow machine must not add a timeout.
        var timeouts = Fixtures.roomyTimeouts
        var testDescription: String { name }
    }

    static let lateFailures = [
        LateFailure(name: "connection reset mid-stream", misbehaviour: .resetMidStream(afterEvents: 3), status: 502,
                    code: "backend_connection_reset", mentions: "mid-response"),
        LateFailure(name: "stall mid-stream", misbehaviour: .stallMidStream(afterEvents: 3, .seconds(20)), status: 504,
                    code: "backend_timeout", mentions: "timed out", timeouts: Fixtures.stallTimeouts),
        LateFailure(name: "error event mid-stream", misbehaviour: .errorEvent(afterEvents: 3, message: "KV cache full"),
                    status: 502, code: "backend_error", mentions: "KV cache full"),
        LateFailure(name: "stream that ends without its final event", misbehaviour: .endWithoutFinalEvent,
                    status: 502, code: "backend_invalid_response", mentions: "invalid response from the backend"),
    ]

    @Test("a stream that fails after it started ends with an error event, [DONE] and a clean end",
          arguments: lateFailures, Fixtures.dialects)
    func lateFailureStreamed(_ failure: LateFailure, dialect: String) async throws {
        let model = "qwen-\(dialect)"
        try await withGateway(configure: Self.timeouts(failure.timeouts)) { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.plain, misbehaviour: failure.misbehaviour))
            // `send` reads the chunked body to its last chunk, so it returning at all means the stream ended cleanly.
            let reply = try await gateway.chat(Chat.request(model: model, stream: true))
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "text/event-stream")
            let events = reply.events
            #expect(events.suffix(1) == ["[DONE]"], "\(reply.text)")
            let result = ChatResult(events: events, model: model, includeUsage: false)
            #expect(result.problems.isEmpty, "\(result.problems)")
            let error = try #require(result.error, "no error event in \(reply.text)")
            let message = expectErrorEnvelope(["error": error], type: "server_error", code: failure.code)
            #expect(message.contains(failure.mentions), "\(message)")
            #expect(HermesOutput.plain.hasPrefix(result.text), "what arrived before the failure went out as content")
            #expect(result.finishReason == nil, "no finish_reason after a failure")
        }
    }

    @Test("a whole response whose backend fails mid-body gets a 502 or 504", arguments: lateFailures.prefix(2),
          Fixtures.dialects)
    func lateFailureWhole(_ failure: LateFailure, dialect: String) async throws {
        let model = "qwen-\(dialect)"
        try await withGateway(configure: Self.timeouts(failure.timeouts)) { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.plain, misbehaviour: failure.misbehaviour))
            let reply = try await gateway.chat(Chat.request(model: model))
            let message = expectError(reply, status: failure.status, type: "server_error", code: failure.code)
            #expect(message.contains(failure.mentions), "\(message)")
        }
    }

    @Test("a whole response read from a backend stream (parallel_tool_calls false) that fails gets the error status",
          arguments: lateFailures, ["llamacpp", "ollama"])
    func lateFailureSingleCall(_ failure: LateFailure, dialect: String) async throws {
        let model = "qwen-\(dialect)"
        try await withGateway(configure: Self.timeouts(failure.timeouts)) { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.plain, misbehaviour: failure.misbehaviour))
            let reply = try await gateway.chat(Chat.request(model: model, extra: ["parallel_tool_calls": false]))
            let message = expectError(reply, status: failure.status, type: "server_error", code: failure.code)
            #expect(message.contains(failure.mentions), "\(message)")
        }
    }

    static func timeouts(_ timeouts: ModelProfile.Timeouts) -> (inout GatewayConfiguration, FakeBackend) -> Void {
        { configuration, _ in
            for index in configuration.models.indices { configuration.models[index].timeouts = timeouts }
        }
    }
}
