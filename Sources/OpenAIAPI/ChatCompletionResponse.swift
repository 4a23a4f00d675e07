public import JSON

/// Why generation ended, in OpenAI's words.
public enum FinishReason: String, Sendable {
    case stop
    case length
    case toolCalls = "tool_calls"
}

/// Token counts as the backend reported them.
public struct TokenUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    public var json: JSONValue {
        ["prompt_tokens": .number(JSONNumber(promptTokens)), "completion_tokens": .number(JSONNumber(completionTokens)),
         "total_tokens": .number(JSONNumber(promptTokens + completionTokens))]
    }
}

/// The assistant message of a whole (non-streamed) response.
public struct AssistantMessage: Sendable, Equatable {
    public var content: String?
    public var reasoningContent: String?
    public var toolCalls: [ToolCall]

    public init(content: String?, reasoningContent: String? = nil, toolCalls: [ToolCall] = []) {
        self.content = content
        self.reasoningContent = reasoningContent
        self.toolCalls = toolCalls
    }

    public var json: JSONValue {
        var message: JSONObject = ["role": "assistant", "content": content.map(JSONValue.string) ?? .null]
        if let reasoningContent { message["reasoning_content"] = .string(reasoningContent) }
        if !toolCalls.isEmpty { message["tool_calls"] = .array(toolCalls.map(\.json)) }
        return .object(message)
    }
}

/// `chat.completion` bodies and `chat.completion.chunk` events for one response id.
public struct ChatCompletionWriter: Sendable {
    public let id: String
    public let created: Int
    public let model: String
    /// Streaming with `include_usage`: every chunk carries `"usage": null` and a last chunk carries the counts.
    public let includeUsage: Bool

    public init(id: String, created: Int, model: String, includeUsage: Bool = false) {
        self.id = id
        self.created = created
        self.model = model
        self.includeUsage = includeUsage
    }

    public func completion(_ message: AssistantMessage, finishReason: FinishReason, usage: TokenUsage?) -> JSONValue {
        var body: JSONObject = [
            "id": .string(id), "object": "chat.completion", "created": .number(JSONNumber(created)),
            "model": .string(model),
            "choices": [["index": 0, "message": message.json, "logprobs": nil,
                         "finish_reason": .string(finishReason.rawValue)]],
        ]
        if let usage { body["usage"] = usage.json }
        return .object(body)
    }

    /// The first chunk: the role, with empty content (what OpenAI sends first).
    public func roleChunk() -> JSONValue {
        chunk(delta: ["role": "assistant", "content": ""])
    }

    public func contentChunk(_ text: String) -> JSONValue {
        chunk(delta: ["content": .string(text)])
    }

    public func reasoningChunk(_ text: String) -> JSONValue {
        chunk(delta: ["reasoning_content": .string(text)])
    }

    /// A call's first delta: index, id, type and name, with empty arguments.
    public func toolCallStartChunk(index: Int, id: String, name: String) -> JSONValue {
        chunk(delta: ["tool_calls": [["index": .number(JSONNumber(index)), "id": .string(id), "type": "function",
                                      "function": ["name": .string(name), "arguments": ""]]]])
    }

    public func toolCallArgumentsChunk(index: Int, fragment: String) -> JSONValue {
        chunk(delta: ["tool_calls": [["index": .number(JSONNumber(index)), "function": ["arguments": .string(fragment)]]]])
    }

    public func finishChunk(_ reason: FinishReason) -> JSONValue {
        chunk(delta: [:], finishReason: reason)
    }

    /// The last chunk of a stream with `include_usage`: no choices, the counts.
    public func usageChunk(_ usage: TokenUsage) -> JSONValue {
        .object(header(object: "chat.completion.chunk", choices: [], usage: usage.json))
    }

    private func chunk(delta: JSONObject, finishReason: FinishReason? = nil) -> JSONValue {
        let choice: JSONValue = ["index": 0, "delta": .object(delta), "logprobs": nil,
                                 "finish_reason": finishReason.map { .string($0.rawValue) } ?? .null]
        return .object(header(object: "chat.completion.chunk", choices: [choice], usage: includeUsage ? .null : nil))
    }

    private func header(object: String, choices: [JSONValue], usage: JSONValue?) -> JSONObject {
        var body: JSONObject = ["id": .string(id), "object": .string(object), "created": .number(JSONNumber(created)),
                                "model": .string(model), "choices": .array(choices)]
        if let usage { body["usage"] = usage }
        return body
    }
}

/// Server-Sent Events framing.
public enum ServerSentEvents {
    /// `data: <compact JSON>\n\n`
    public static func event(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = Array("data: ".utf8)
        value.write(to: &out)
        out.append(contentsOf: [0x0A, 0x0A])
        return out
    }

    public static let done: [UInt8] = Array("data: [DONE]\n\n".utf8)
}
