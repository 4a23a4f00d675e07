import JSON
import OpenAIAPI
import Testing

@Suite("Chat completion requests")
struct ChatCompletionRequestTests {
    static let tool = #"{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}"#

    func request(_ json: String) throws -> ChatCompletionRequest {
        try ChatCompletionRequest(json: JSONValue.parse(json))
    }

    @Test("reads every supported field")
    func fields() throws {
        let r = try request("""
        {"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}],
         "tools": [\(Self.tool)], "tool_choice": "required", "parallel_tool_calls": false, "stream": true,
         "stream_options": {"include_usage": true}, "max_completion_tokens": 64, "max_tokens": 9, "temperature": 0.5,
         "top_p": 1, "seed": 7, "stop": "END", "n": 1, "user": "u", "unknown_field": {"ignored": true},
         "chat_template_kwargs": {"enable_thinking": false}}
        """)
        #expect(r.model == "m")
        #expect(r.messages[0].content == "a\nb")
        #expect(r.toolNames == ["get_weather"])
        #expect(r.toolChoice == .required)
        #expect(!r.parallelToolCalls && r.sampling.stream && r.sampling.includeUsage)
        #expect(r.sampling.maxTokens == 64)
        #expect(r.sampling.temperature == 0.5 && r.sampling.topP == 1 && r.sampling.seed == 7)
        #expect(r.sampling.stop == ["END"])
        #expect(r.chatTemplateArguments["enable_thinking"] == false)
    }

    @Test("keeps assistant tool calls and tool results")
    func toolTurns() throws {
        let r = try request("""
        {"model": "m", "messages": [{"role": "user", "content": "hi"},
         {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
           "function": {"name": "f", "arguments": "{\\"a\\": 1}"}}, {"id": "call_2", "function": {"name": "g", "arguments": {"b": 2}}}]},
         {"role": "tool", "tool_call_id": "call_1", "content": "42"}]}
        """)
        #expect(r.messages[1].toolCalls == [ToolCall(id: "call_1", name: "f", arguments: #"{"a": 1}"#),
                                            ToolCall(id: "call_2", name: "g", arguments: #"{"b":2}"#)])
        #expect(r.messages[1].content == nil)
        #expect(r.messages[2].toolCallID == "call_1")
        #expect(r.toolChoice == .none)
    }

    @Test("a named tool choice must name an offered tool")
    func namedChoice() throws {
        let named = try request(#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [\#(Self.tool)], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}"#)
        #expect(named.toolChoice == .function("get_weather"))
    }

    @Test("rejects wrong types and values with the parameter named", arguments: [
        (#"{"messages": []}"#, "model", "missing_required_parameter"),
        (#"{"model": "m"}"#, "messages", "missing_required_parameter"),
        (#"{"model": 3, "messages": [{"role": "user", "content": "x"}]}"#, "model", "invalid_type"),
        (#"{"model": "m", "messages": []}"#, "messages", "invalid_value"),
        (#"{"model": "m", "messages": [{"role": "user", "content": 5}]}"#, "messages[0].content", "invalid_type"),
        (#"{"model": "m", "messages": [{"role": "wizard", "content": "x"}]}"#, "messages[0].role", "invalid_value"),
        (#"{"model": "m", "messages": [{"role": "user"}]}"#, "messages[0].content", "missing_required_parameter"),
        (#"{"model": "m", "messages": [{"role": "tool", "content": "x"}]}"#, "messages[0].tool_call_id", "missing_required_parameter"),
        (#"{"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]}"#, "messages[0].content[0].type", "invalid_value"),
        (#"{"model": "m", "messages": [{"role": "assistant", "tool_calls": [{"id": "c", "function": {"arguments": "{}"}}]}]}"#, "messages[0].tool_calls[0].function.name", "missing_required_parameter"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"}"#, "temperature", "invalid_type"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 3}"#, "temperature", "invalid_value"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 1.5}"#, "max_tokens", "invalid_type"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}"#, "stream", "invalid_type"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": [1]}"#, "stop[0]", "invalid_type"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "n": 2}"#, "n", "invalid_value"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "tool_choice": "required"}"#, "tool_choice", "invalid_value"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {"name": "bad name"}}]}"#, "tools[0].function.name", "invalid_value"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": {"type": "function", "function": {"name": "g"}}}"#, "tool_choice.function.name", "invalid_value"),
        (#"{"model": "m", "messages": [{"role": "user", "content": "x"}], "stream_options": {"include_usage": 1}}"#, "stream_options.include_usage", "invalid_type"),
    ])
    func invalid(json: String, param: String, code: String) throws {
        let value = try JSONValue.parse(json)
        #expect {
            try ChatCompletionRequest(json: value)
        } throws: { error in
            guard let error = error as? OpenAIError else { return false }
            return error.status == 400 && error.param == param && error.code == code
                && error.type == "invalid_request_error" && error.message.contains(param)
        }
    }

    @Test("errors travel in OpenAI's envelope")
    func envelope() throws {
        let error = OpenAIError.invalidType(param: "temperature", expected: "a number", got: "hot")
        let body = try JSONValue.parse(error.body)
        #expect(body["error"]?["message"] == "Invalid type for 'temperature': expected a number, but got string instead.")
        #expect(body["error"]?["type"] == "invalid_request_error")
        #expect(body["error"]?["param"] == "temperature")
        #expect(body["error"]?["code"] == "invalid_type")
        #expect(try JSONValue.parse(OpenAIError.invalidAPIKey.body)["error"]?["param"] == nil as JSONValue)
    }
}

@Suite("Chat completion responses")
struct ChatCompletionResponseTests {
    let writer = ChatCompletionWriter(id: "chatcmpl-1", created: 1700000000, model: "m", includeUsage: true)

    @Test("a whole response is OpenAI-shaped")
    func completion() {
        let message = AssistantMessage(content: nil, toolCalls: [ToolCall(id: "call_x", name: "f", arguments: "{}")])
        let body = writer.completion(message, finishReason: .toolCalls, usage: TokenUsage(promptTokens: 3, completionTokens: 4))
        #expect(body.serialized() == #"{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_x","type":"function","function":{"name":"f","arguments":"{}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#)
    }

    @Test("stream chunks are OpenAI-shaped, with usage null until the usage chunk")
    func chunks() {
        #expect(writer.roleChunk().serialized() == #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}"#)
        #expect(writer.toolCallStartChunk(index: 0, id: "call_x", name: "f")["choices"]?[0]?["delta"]?.serialized()
                == #"{"tool_calls":[{"index":0,"id":"call_x","type":"function","function":{"name":"f","arguments":""}}]}"#)
        #expect(writer.toolCallArgumentsChunk(index: 1, fragment: "{\"a").serialized().contains(#""delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"a"}}]}"#))
        #expect(writer.finishChunk(.stop)["choices"]?[0]?["finish_reason"] == "stop")
        #expect(writer.usageChunk(TokenUsage(promptTokens: 1, completionTokens: 2))["choices"] == [])
        #expect(String(decoding: ServerSentEvents.event(["a": 1]), as: UTF8.self) == "data: {\"a\":1}\n\n")
    }
}
