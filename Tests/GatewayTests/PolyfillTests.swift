import FakeBackend
import Gateway
import JSON
import Testing

/// Tool calling for a model whose chat template knows nothing of tools: the family's prompt, calls and results.
@Suite("Tool calling for templates without it")
struct PolyfillTests {
    /// ChatML for system, user and assistant turns only (many fine-tunes): no tools, calls or tool messages.
    static let chatML = "{% for message in messages %}{% if message['role'] in ['system', 'user', 'assistant'] %}"
        + "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endif %}{% endfor %}"
        + "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"

    static func configure(_ configuration: inout GatewayConfiguration, _ fake: FakeBackend) {
        var profile = ModelProfile(name: "chatml", backendURL: fake.baseURL, dialect: "llamacpp",
                                   template: .inline(chatML), parser: "hermes")
        profile.timeouts = Fixtures.roomyTimeouts
        configuration.models.append(profile)
    }

    @Test("the tools go into the system prompt in the family's words, and the answer parses as calls",
          arguments: [false, true])
    func toolPrompt(stream: Bool) async throws {
        try await withGateway(configure: Self.configure) { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.oneCall))
            let messages: [JSONValue] = [["role": "system", "content": "Be brief."], Chat.question]
            let result = try await gateway.chat(Chat.request(model: "chatml", messages: messages, stream: stream))
                .chatResult(model: "chatml")
            #expect(result.problems.isEmpty, "\(result.problems)")
            #expect(result.toolCalls.map(\.name) == ["get_weather"])
            let prompt = try #require(gateway.completionRequests.last?.prompt)
            let family = try Fixtures.family("hermes")
            let instructions = try #require(family.toolPrompt(tools: .array(Chat.tools)))
            #expect(prompt == "<|im_start|>system\nBe brief.\n\n\(instructions)<|im_end|>\n"
                + "<|im_start|>user\nWhat's the weather and the time in Paris?<|im_end|>\n<|im_start|>assistant\n")
        }
    }

    @Test("a later turn holds the model's call bytes and the result in the family's tool_result wrapper")
    func roundTrip() async throws {
        try await withGateway(configure: Self.configure) { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.oneCall))
            let first = try await gateway.chat(Chat.request(model: "chatml")).chatResult(model: "chatml")
            let messages = [Chat.question, MultiTurnTests.assistantMessage(first)]
                + MultiTurnTests.toolResults(first.toolCalls)
            gateway.fake.enqueue(FakeReply(HermesOutput.plain))
            let second = try await gateway.chat(Chat.request(model: "chatml", messages: messages))
                .chatResult(model: "chatml")
            #expect(second.content == HermesOutput.plain)
            let prompt = try #require(gateway.completionRequests.last?.prompt)
            #expect(prompt.hasSuffix("<|im_start|>assistant\n\(HermesOutput.oneCall)<|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n{\"temperature\": 18}\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n"))
        }
    }

    @Test("without tools the template renders the conversation untouched")
    func noTools() async throws {
        try await withGateway(configure: Self.configure) { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.plain))
            let reply = try await gateway.chat(Chat.request(model: "chatml", tools: nil))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(gateway.completionRequests.last?.prompt
                == "<|im_start|>user\nWhat's the weather and the time in Paris?<|im_end|>\n<|im_start|>assistant\n")
        }
    }
}
