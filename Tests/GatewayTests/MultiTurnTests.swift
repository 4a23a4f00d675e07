import FakeBackend
import JSON
import Testing

/// The call table: a tool-call turn a client sends back is put back in the prompt as the model's own bytes.
@Suite("Multi-turn conversations and the call table")
struct MultiTurnTests {
    /// The assistant message a client sends back for a result, as SDKs build it.
    static func assistantMessage(_ result: ChatResult, calls: [ClientToolCall]? = nil) -> JSONValue {
        assistantMessage(content: result.content, calls: calls ?? result.toolCalls)
    }

    static func assistantMessage(content: String?, calls: [ClientToolCall]) -> JSONValue {
        [
            "role": "assistant", "content": content.map(JSONValue.string) ?? .null,
            "tool_calls": .array(calls.map { call in
                ["id": .string(call.id), "type": "function",
                 "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
            }),
        ]
    }

    static func toolResults(_ calls: [ClientToolCall]) -> [JSONValue] {
        calls.map { ["role": "tool", "tool_call_id": .string($0.id), "content": "{\"temperature\": 18}"] }
    }

    /// Outputs whose bytes the template would not reproduce (compact or extra spaces, text before the call).
    static let rawTurns: [(model: String, text: String)] = [
        ("qwen-llamacpp", "Checking.\n" + HermesOutput.oneCall),
        ("qwen-llamacpp", HermesOutput.twoCalls),
        ("llama3", "{\"name\": \"get_weather\", \"parameters\": {\"city\":\"Paris\"}}"),
        ("mistral", "[TOOL_CALLS]get_weather[ARGS]{\"city\":\"Paris\"}"),
    ]

    @Test("the second request's prompt holds the first turn's raw output byte for byte",
          arguments: rawTurns.indices, [false, true])
    func exactTurn(turn: Int, streamFirst: Bool) async throws {
        let (model, raw) = Self.rawTurns[turn]
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply(raw))
            let first = try await gateway.chat(Chat.request(model: model, stream: streamFirst)).chatResult(model: model)
            #expect(first.problems.isEmpty, "\(first.problems)")
            #expect(!first.toolCalls.isEmpty)

            let messages = [Chat.question, Self.assistantMessage(first)] + Self.toolResults(first.toolCalls)
            let second = try await gateway.chat(Chat.request(model: model, messages: messages))
            #expect(second.status == 200, "\(second.text)")
            let prompt = try #require(gateway.completionRequests.last?.prompt)
            #expect(prompt.contains(raw))
            let profile = try gateway.profile(model)
            var asModelWrote = messages
            asModelWrote[1] = ["role": "assistant", "content": .string(raw)]
            // The turn starts where the generation prompt ended: spacing a template puts before an assistant's
            // content (Mistral's "[/INST] ") is not the model's.
            let generationPrompt = try Fixtures.render(profile, messages: [Chat.question], tools: Chat.tools)
            var expected = try Fixtures.render(profile, messages: asModelWrote, tools: Chat.tools)
            if let range = expected.range(of: generationPrompt + " " + raw) {
                expected.replaceSubrange(range, with: generationPrompt + raw)
            }
            #expect(prompt == expected)
            // The test is only sharp if the template alone would have written the turn differently.
            #expect(prompt != (try Fixtures.render(profile, messages: messages, tools: Chat.tools)))
        }
    }

    @Test("ids the table does not know are written by the family's render (for hermes, Qwen's own bytes)")
    func unknownIDs() async throws {
        try await withGateway { gateway in
            let calls = [ClientToolCall(id: "call_notFromThisGateway0000001", name: "get_weather",
                                        arguments: "{\"city\":\"Paris\"}")]
            let messages = [Chat.question, Self.assistantMessage(content: nil, calls: calls)] + Self.toolResults(calls)
            let reply = try await gateway.chat(Chat.request(model: "qwen-llamacpp", messages: messages))
            #expect(reply.status == 200, "\(reply.text)")
            let expected = try Fixtures.render(try gateway.profile("qwen-llamacpp"), messages: messages,
                                               tools: Chat.tools)
            #expect(gateway.completionRequests.last?.prompt == expected)
            #expect(expected.contains("{\"city\": \"Paris\"}"), "the family's spacing, not the client's")
        }
    }

    @Test("an edited call is re-rendered by the family while its unedited sibling keeps the model's bytes")
    func editedCall() async throws {
        let family = try Fixtures.family("hermes")
        // Both calls written in spacings the template would not produce.
        let firstCallRaw = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}\n</tool_call>"
        let secondCallRaw = "<tool_call>\n{\"name\":\"get_time\",\"arguments\":{\"city\":\"Paris\"}}\n</tool_call>"
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply(firstCallRaw + "\n" + secondCallRaw))
            let first = try await gateway.chat(Chat.request(model: "qwen-llamacpp")).chatResult(model: "qwen-llamacpp")
            try #require(first.toolCalls.count == 2)
            var edited = first.toolCalls
            edited[1].arguments = "{\"city\":\"Lyon\"}"

            let messages = [Chat.question, Self.assistantMessage(first, calls: edited)] + Self.toolResults(edited)
            #expect(try await gateway.chat(Chat.request(model: "qwen-llamacpp", messages: messages)).status == 200)
            let prompt = try #require(gateway.completionRequests.last?.prompt)

            let rerendered = family.render(calls: [(name: "get_time", arguments: "{\"city\":\"Lyon\"}",
                                                    id: Optional(edited[1].id))])
            var patched = messages
            patched[1] = ["role": "assistant", "content": .string(firstCallRaw + "\n" + rerendered)]
            let profile = try gateway.profile("qwen-llamacpp")
            #expect(prompt == (try Fixtures.render(profile, messages: patched, tools: Chat.tools)))
            #expect(prompt != (try Fixtures.render(profile, messages: messages, tools: Chat.tools)))
            #expect(!prompt.contains(secondCallRaw))
            #expect(prompt.contains("Lyon"))
        }
    }

    @Test("a turn returned without one of its calls keeps the other call's bytes and drops the missing one")
    func droppedCall() async throws {
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.twoCalls))
            let first = try await gateway.chat(Chat.request(model: "qwen-llamacpp")).chatResult(model: "qwen-llamacpp")
            try #require(first.toolCalls.count == 2)
            let kept = [first.toolCalls[1]]
            let messages = [Chat.question, Self.assistantMessage(first, calls: kept)] + Self.toolResults(kept)
            #expect(try await gateway.chat(Chat.request(model: "qwen-llamacpp", messages: messages)).status == 200)
            let prompt = try #require(gateway.completionRequests.last?.prompt)
            let secondCallRaw = "<tool_call>\n{\"name\":\"get_time\",\"arguments\":{\"city\":\"Paris\"}}\n</tool_call>"
            #expect(prompt.contains(secondCallRaw))
            #expect(!prompt.contains("get_weather\", \"arguments\""), "the dropped call is gone")
        }
    }

    @Test("a tool-call turn older than the last user message loses its reasoning, as the template drops it")
    func olderReasoningDropped() async throws {
        let reasoning = "The user wants the weather, so I call the tool."
        let call = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}\n</tool_call>"
        try await withGateway(configure: { configuration, fake in
            configuration.models.append(Fixtures.qwen3Profile(url: fake.baseURL))
        }) { gateway in
            gateway.fake.enqueue(FakeReply("<think>\n\(reasoning)\n</think>\n\n" + call))
            let first = try await gateway.chat(Chat.request(model: "qwen3")).chatResult(model: "qwen3")
            #expect(first.problems.isEmpty, "\(first.problems)")
            #expect(first.reasoningContent?.contains(reasoning) == true, "\(first.reasoningContent ?? "none")")
            try #require(first.toolCalls.count == 1)

            let messages = [Chat.question, Self.assistantMessage(first)] + Self.toolResults(first.toolCalls) + [
                ["role": "assistant", "content": "It is 18 °C in Paris."],
                ["role": "user", "content": "And in Lyon?"],
            ]
            #expect(try await gateway.chat(Chat.request(model: "qwen3", messages: messages)).status == 200)
            let prompt = try #require(gateway.completionRequests.last?.prompt)
            #expect(prompt.contains(call), "the call keeps the model's bytes")
            // What Qwen 3's template makes of the model's own text for an earlier turn: no reasoning.
            var asModelWrote = messages
            asModelWrote[1] = ["role": "assistant", "content": .string("<think>\n\(reasoning)\n</think>\n\n" + call)]
            let expected = try Fixtures.render(try gateway.profile("qwen3"), messages: asModelWrote, tools: Chat.tools)
            #expect(!expected.contains(reasoning))
            // The reasoning travels as the turn's reasoning_content, so the template's rule applies to it.
            #expect(!prompt.contains(reasoning), "\(prompt)")
            #expect(prompt == expected)
        }
    }
}
