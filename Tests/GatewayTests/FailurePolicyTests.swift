import FakeBackend
import Gateway
import JSON
import Testing

/// What happens to a tool call the model wrote but that does not parse.
@Suite("Failure policy for malformed calls")
struct FailurePolicyTests {
    static func strict(_ configuration: inout GatewayConfiguration, _ fake: FakeBackend) {
        for index in configuration.models.indices { configuration.models[index].failurePolicy = .strict }
    }

    @Test("lenient (the default): the malformed call comes back as content, finish_reason stop",
          arguments: [false, true])
    func lenient(stream: Bool) async throws {
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.malformed))
            let reply = try await gateway.chat(Chat.request(model: "qwen-llamacpp", stream: stream))
            #expect(reply.status == 200)
            let result = reply.chatResult(model: "qwen-llamacpp")
            #expect(result.problems.isEmpty, "\(result.problems)")
            #expect(result.toolCalls.isEmpty)
            #expect(result.text == HermesOutput.malformed, "the raw text, nothing lost")
            #expect(result.finishReason == "stop")
            let metrics = gateway.gateway.metrics.exposition()
            #expect(metrics.contains("toolgate_malformed_tool_calls_total{family=\"hermes\"} 1"), "\(metrics)")
        }
    }

    @Test("strict: a whole response is a 502 malformed_tool_call carrying the raw text")
    func strictWhole() async throws {
        try await withGateway(configure: Self.strict) { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.malformed))
            let reply = try await gateway.chat(Chat.request(model: "qwen-llamacpp"))
            let message = expectError(reply, status: 502, type: "server_error", code: "malformed_tool_call")
            #expect(message.contains(HermesOutput.malformed), "\(message)")
        }
    }

    @Test("strict: a stream ends with the malformed_tool_call error event and [DONE]")
    func strictStream() async throws {
        try await withGateway(configure: Self.strict) { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.malformed))
            let reply = try await gateway.chat(Chat.request(model: "qwen-llamacpp", stream: true))
            #expect(reply.status == 200)
            let result = reply.chatResult(model: "qwen-llamacpp")
            #expect(result.problems.isEmpty, "\(result.problems)")
            let error = try #require(result.error, "\(reply.text)")
            let message = expectErrorEnvelope(["error": error], type: "server_error", code: "malformed_tool_call")
            #expect(message.contains(HermesOutput.malformed))
        }
    }

    @Test("strict: well-formed calls and plain answers pass untouched", arguments: [false, true])
    func strictPassesGoodOutput(stream: Bool) async throws {
        try await withGateway(configure: Self.strict) { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.textAndCall), FakeReply(HermesOutput.plain))
            let call = try await gateway.chat(Chat.request(model: "qwen-llamacpp", stream: stream))
                .chatResult(model: "qwen-llamacpp")
            #expect(call.problems.isEmpty, "\(call.problems)")
            #expect(call.toolCalls.map(\.name) == ["get_weather"])
            let plain = try await gateway.chat(Chat.request(model: "qwen-llamacpp", stream: stream))
                .chatResult(model: "qwen-llamacpp")
            #expect(plain.text == HermesOutput.plain)
        }
    }
}
