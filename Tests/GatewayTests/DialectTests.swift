import FakeBackend
import Foundation
import JSON
import Testing

/// Every backend dialect, streamed and not: what the client gets for the four basic kinds of output.
@Suite("Chat completions over each backend dialect")
struct DialectTests {
    /// Each output with the content (trimmed) and the calls a reader sees in it.
    static let outputs: [(label: String, text: String, content: String, calls: [String])] = [
        ("plain answer", HermesOutput.plain, HermesOutput.plain, []),
        ("one call", HermesOutput.oneCall, "", [#"get_weather{"city":"Paris","unit":"celsius"}"#]),
        ("parallel calls", HermesOutput.twoCalls, "",
         [#"get_weather{"city":"Paris"}"#, #"get_time{"city":"Paris"}"#]),
        ("text and a call", HermesOutput.textAndCall, "Let me look that up for you.",
         [#"get_weather{"city":"Paris","unit":"celsius"}"#]),
    ]

    /// Dialects whose responses carry the prompt's token count (TGI reports only generated tokens).
    static let reportsPromptTokens: Set<String> = ["llamacpp", "openai", "ollama"]

    @Test("plain text, one call, parallel calls and text with a call come back in OpenAI's shapes",
          arguments: Fixtures.dialects, [false, true])
    func basicOutputs(dialect: String, stream: Bool) async throws {
        let model = "qwen-\(dialect)"
        let family = try Fixtures.family("hermes")
        try await withGateway { gateway in
            let profile = try gateway.profile(model)
            let expectedPrompt = try Fixtures.render(profile, messages: [Chat.question], tools: Chat.tools)
            for (number, output) in Self.outputs.enumerated() {
                gateway.fake.enqueue(FakeReply(output.text, promptTokens: 11, completionTokens: 5))
                let reply = try await gateway.chat(Chat.request(model: model, stream: stream))
                #expect(reply.status == 200, "\(output.label): \(reply.text)")
                #expect(reply.header("content-type") == (stream ? "text/event-stream" : "application/json"))
                let result = reply.chatResult(model: model)
                #expect(result.problems.isEmpty, "\(output.label): \(result.problems)")
                #expect(result.error == nil, "\(output.label)")
                let expected = family.expected(output.text)
                expectSameMessage(result, expected)
                #expect(result.text.trimmingCharacters(in: .whitespacesAndNewlines) == output.content)
                #expect(result.toolCalls.map { $0.name + ($0.argumentsValue?.serialized() ?? "?") } == output.calls)
                #expect(result.finishReason == (expected.toolCalls.isEmpty ? "stop" : "tool_calls"), "\(output.label)")
                #expect(result.toolCalls.allSatisfy { $0.id.hasPrefix("call_") && $0.id.count == 29 },
                        "\(result.toolCalls)")
                if stream {
                    #expect(result.usage == nil, "usage without stream_options.include_usage")
                } else {
                    let usage = try #require(result.usage, "\(output.label): the backend reported usage")
                    #expect(usage["completion_tokens"]?.numberValue?.intValue == 5)
                    if Self.reportsPromptTokens.contains(dialect) {
                        #expect(usage["prompt_tokens"]?.numberValue?.intValue == 11)
                    }
                }
                let sent = try #require(gateway.completionRequests.last)
                #expect(gateway.completionRequests.count == number + 1)
                // The backend streams when the client does; a whole answer is one backend response.
                #expect(sent.path == Fixtures.completionPath(dialect, stream: stream))
                #expect(sent.wantsStream == stream)
                #expect(sent.prompt == expectedPrompt)
            }
        }
    }

    @Test("the four outputs have the same names, content and argument strings streamed as whole",
          arguments: Fixtures.dialects)
    func streamedEqualsWhole(dialect: String) async throws {
        let model = "qwen-\(dialect)"
        try await withGateway { gateway in
            for output in Self.outputs {
                // One character per event, each event written in 16-byte pieces: every marker and every argument
                // is split across events, and events across reads.
                gateway.fake.enqueue(FakeReply(output.text),
                                     FakeReply(output.text, pieceCharacters: 1, splitWrites: 16))
                let whole = try await gateway.chat(Chat.request(model: model)).chatResult(model: model)
                let streamed = try await gateway.chat(Chat.request(model: model, stream: true)).chatResult(model: model)
                #expect(whole.problems.isEmpty && streamed.problems.isEmpty, "\(whole.problems) \(streamed.problems)")
                #expect(streamed.text == whole.text, "\(output.label)")
                #expect(streamed.toolCalls.map(\.name) == whole.toolCalls.map(\.name), "\(output.label)")
                #expect(streamed.toolCalls.map(\.arguments) == whole.toolCalls.map(\.arguments), "\(output.label)")
                #expect(streamed.finishReason == whole.finishReason, "\(output.label)")
            }
        }
    }

    @Test("with eager argument streaming, the assembled arguments still equal the whole response's",
          arguments: Fixtures.dialects)
    func eagerStreaming(dialect: String) async throws {
        let model = "qwen-\(dialect)"
        try await withGateway(configure: { configuration, _ in
            for index in configuration.models.indices { configuration.models[index].streamArguments = "eager" }
        }) { gateway in
            for output in Self.outputs {
                gateway.fake.enqueue(FakeReply(output.text), FakeReply(output.text, pieceCharacters: 2))
                let whole = try await gateway.chat(Chat.request(model: model)).chatResult(model: model)
                let reply = try await gateway.chat(Chat.request(model: model, stream: true))
                let streamed = reply.chatResult(model: model)
                #expect(whole.problems.isEmpty && streamed.problems.isEmpty, "\(whole.problems) \(streamed.problems)")
                #expect(streamed.text == whole.text, "\(output.label)")
                #expect(streamed.toolCalls.map(\.name) == whole.toolCalls.map(\.name), "\(output.label)")
                #expect(streamed.toolCalls.map(\.arguments) == whole.toolCalls.map(\.arguments), "\(output.label)")
                if !whole.toolCalls.isEmpty {
                    // Eager: the arguments arrive in more than one delta.
                    let argumentDeltas = reply.events.filter {
                        $0.contains("\"arguments\":\"") && !$0.contains("\"arguments\":\"\"")
                    }
                    #expect(argumentDeltas.count > whole.toolCalls.count, "\(output.label)")
                }
            }
        }
    }

    @Test("stream_options.include_usage adds a last chunk with no choices and the backend's counts",
          arguments: Fixtures.dialects)
    func includeUsage(dialect: String) async throws {
        let model = "qwen-\(dialect)"
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.textAndCall, promptTokens: 13, completionTokens: 9))
            let request = Chat.request(model: model, stream: true, extra: ["stream_options": ["include_usage": true]])
            let reply = try await gateway.chat(request)
            let result = reply.chatResult(model: model, includeUsage: true)
            #expect(result.problems.isEmpty, "\(result.problems)")
            let usage = try #require(result.usage, "no usage chunk: \(reply.text)")
            #expect(usage["completion_tokens"]?.numberValue?.intValue == 9)
            if Self.reportsPromptTokens.contains(dialect) {
                #expect(usage["prompt_tokens"]?.numberValue?.intValue == 13)
            }
            #expect(result.toolCalls.map(\.name) == ["get_weather"])
        }
    }

    @Test("a backend that stops at its token limit gives finish_reason length", arguments: Fixtures.dialects,
          [false, true])
    func lengthLimit(dialect: String, stream: Bool) async throws {
        let model = "qwen-\(dialect)"
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply("The weather in Paris is", finishReason: "length"))
            let request = Chat.request(model: model, stream: stream, extra: ["max_tokens": 8])
            let result = try await gateway.chat(request).chatResult(model: model)
            #expect(result.problems.isEmpty, "\(result.problems)")
            #expect(result.finishReason == "length")
            #expect(result.text == "The weather in Paris is")
            let sent = try #require(gateway.completionRequests.last?.json)
            let limit: JSONValue? = switch dialect {
            case "llamacpp": sent["n_predict"]
            case "openai": sent["max_tokens"]
            case "tgi": sent["parameters"]?["max_new_tokens"]
            default: sent["options"]?["num_predict"]
            }
            #expect(limit?.numberValue?.intValue == 8, "\(sent)")
        }
    }
}
