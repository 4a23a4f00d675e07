import FakeBackend
import JSON
import Testing

/// `parallel_tool_calls: false`: at most one call, and the backend is asked to stop after it.
@Suite("parallel_tool_calls: false")
struct ParallelToolCallsTests {
    /// The stop strings a request carries, wherever its dialect puts them.
    static func stopStrings(_ request: FakeRequest) -> [String] {
        let value = request.json?["stop"] ?? request.json?["parameters"]?["stop"] ?? request.json?["options"]?["stop"]
        if let single = value?.stringValue { return [single] }
        return value?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// A backend that honours stop strings as servers do: the output ends before the first one, which is not sent.
    static func honouringStops(_ text: String) -> @Sendable (FakeRequest) -> FakeReply {
        { request in
            let first = stopStrings(request).compactMap { text.range(of: $0) }.min { $0.lowerBound < $1.lowerBound }
            return FakeReply(first.map { String(text[..<$0.lowerBound]) } ?? text)
        }
    }

    static let singleCall: JSONObject = ["parallel_tool_calls": false]

    @Test("one call comes back, the family's end marker went as a stop string, and the backend streamed",
          arguments: Fixtures.dialects, [false, true])
    func oneCallWithStop(dialect: String, stream: Bool) async throws {
        let model = "qwen-\(dialect)"
        try await withGateway { gateway in
            gateway.fake.respond(with: Self.honouringStops(HermesOutput.twoCalls))
            let reply = try await gateway.chat(Chat.request(model: model, stream: stream, extra: Self.singleCall))
            let result = reply.chatResult(model: model)
            #expect(result.problems.isEmpty, "\(result.problems)")
            #expect(result.toolCalls.map(\.name) == ["get_weather"])
            #expect(result.toolCalls.first?.argumentsValue == ["city": "Paris"])
            #expect(result.finishReason == "tool_calls")
            let sent = try #require(gateway.completionRequests.last)
            #expect(Self.stopStrings(sent).contains("</tool_call>"), "\(Self.stopStrings(sent))")
            #expect(sent.wantsStream, "the backend streams so the gateway can stop reading after the call")
        }
    }

    @Test("with stream_options.include_usage, the single-call stream still ends with the usage chunk")
    func usageAfterSingleCall() async throws {
        try await withGateway { gateway in
            gateway.fake.respond { request in
                var reply = Self.honouringStops(HermesOutput.twoCalls)(request)
                reply.promptTokens = 31
                reply.completionTokens = 12
                return reply
            }
            var extra = Self.singleCall
            extra["stream_options"] = ["include_usage": true]
            let reply = try await gateway.chat(Chat.request(model: "qwen-llamacpp", stream: true, extra: extra))
            let result = reply.chatResult(model: "qwen-llamacpp", includeUsage: true)
            #expect(result.problems.isEmpty, "\(result.problems)")
            #expect(result.toolCalls.map(\.name) == ["get_weather"])
            #expect(result.usage?["prompt_tokens"]?.numberValue?.intValue == 31, "\(reply.text)")
        }
    }

    @Test("a backend that ignores the stop strings still yields only the first call", arguments: [false, true])
    func backendIgnoresStop(stream: Bool) async throws {
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.textAndCall + "\n" + HermesOutput.twoCalls + "\nDone."))
            let reply = try await gateway.chat(Chat.request(model: "qwen-openai", stream: stream,
                                                            extra: Self.singleCall))
            let result = reply.chatResult(model: "qwen-openai")
            #expect(result.problems.isEmpty, "\(result.problems)")
            #expect(result.toolCalls.map(\.name) == ["get_weather"])
            #expect(result.toolCalls.first?.argumentsValue == ["city": "Paris", "unit": "celsius"])
            #expect(!result.text.contains("Done."), "nothing the model wrote after the call")
        }
    }

    @Test("without tools to call, parallel_tool_calls false sends no stop strings of the family")
    func noToolsNoStops() async throws {
        try await withGateway { gateway in
            let request = Chat.request(model: "qwen-llamacpp", extra: ["parallel_tool_calls": false,
                                                                       "tool_choice": "none"])
            #expect(try await gateway.chat(request).status == 200)
            let sent = try #require(gateway.completionRequests.last)
            #expect(!Self.stopStrings(sent).contains("</tool_call>"))
        }
    }

    @Test("an answer with a code block is not cut by the family's stop strings", arguments: [false, true])
    func codeBlockSurvives(stream: Bool) async throws {
        let answer = "Use this:\n```python\nprint(\"weather\")\n```\nThat prints it."
        try await withGateway { gateway in
            gateway.fake.respond(with: Self.honouringStops(answer))
            let reply = try await gateway.chat(Chat.request(model: "qwen-llamacpp", stream: stream,
                                                            extra: Self.singleCall))
            let result = reply.chatResult(model: "qwen-llamacpp")
            #expect(result.problems.isEmpty, "\(result.problems)")
            let sent = try #require(gateway.completionRequests.last)
            #expect(!Self.stopStrings(sent).contains("```"), "\(Self.stopStrings(sent))")
            #expect(result.text == answer)
        }
    }

    @Test("the next prompt holds the single call as the model wrote it, end marker included")
    func stoppedTurnInNextPrompt() async throws {
        try await withGateway { gateway in
            gateway.fake.respond(with: Self.honouringStops(HermesOutput.twoCalls))
            let first = try await gateway.chat(Chat.request(model: "qwen-llamacpp", extra: Self.singleCall))
                .chatResult(model: "qwen-llamacpp")
            try #require(first.toolCalls.count == 1)
            let messages = [Chat.question, MultiTurnTests.assistantMessage(first)]
                + MultiTurnTests.toolResults(first.toolCalls)
            #expect(try await gateway.chat(Chat.request(model: "qwen-llamacpp", messages: messages)).status == 200)
            let prompt = try #require(gateway.completionRequests.last?.prompt)
            let call = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"
            #expect(prompt.contains(call + "<|im_end|>"), "\(prompt)")
        }
    }
}
