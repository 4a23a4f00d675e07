public import JSON

/// One validated message of a chat request. `raw` keeps the message as the client sent it (extra keys
/// such as `reasoning_content` reach the chat template untouched); the typed fields are what the
/// gateway itself reads.
public struct ChatMessage: Sendable {
    public enum Role: String, Sendable {
        case system, developer, user, assistant, tool
    }

    public var role: Role
    /// Text content; content parts of type `text` are joined with newlines (as vLLM does).
    public var content: String?
    public var name: String?
    public var toolCalls: [ToolCall]
    public var toolCallID: String?
    public var raw: JSONObject

    public init(role: Role, content: String?, name: String? = nil, toolCalls: [ToolCall] = [],
                toolCallID: String? = nil, raw: JSONObject)
    {
        self.role = role
        self.content = content
        self.name = name
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.raw = raw
    }
}

/// A tool call in OpenAI's wire shape: in an assistant message a client sent back, or in a response.
public struct ToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The arguments JSON text (in a request, an object sent instead of a string is accepted and written
    /// compactly).
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    public var json: JSONValue {
        ["id": .string(id), "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)]]
    }
}

extension ChatMessage {
    init(_ value: JSONValue, at path: String) throws(OpenAIError) {
        let fields = try FieldReader.element(value, at: path)
        let roleName = try fields.requiredString("role")
        guard let role = Role(rawValue: roleName) else {
            throw .invalidValue(param: fields.param("role"),
                                "'\(roleName)' is not one of 'system', 'developer', 'user', 'assistant', 'tool'.")
        }
        var toolCalls: [ToolCall] = []
        if let calls = try fields.array("tool_calls") {
            guard role == .assistant else {
                throw .invalidValue(param: fields.param("tool_calls"), "only assistant messages carry tool calls.")
            }
            for (i, call) in calls.enumerated() {
                toolCalls.append(try ToolCall(call, at: "\(fields.param("tool_calls"))[\(i)]"))
            }
        }
        let content = try Self.content(fields)
        if content == nil && toolCalls.isEmpty && role != Role.assistant {
            throw .missing(param: fields.param("content"))
        }
        let toolCallID = try fields.string("tool_call_id")
        if role == .tool && toolCallID == nil {
            throw .missing(param: fields.param("tool_call_id"))
        }
        self.init(role: role, content: content, name: try fields.string("name"), toolCalls: toolCalls,
                  toolCallID: toolCallID, raw: fields.object)
    }

    private static func content(_ fields: FieldReader) throws(OpenAIError) -> String? {
        guard let value = fields.value("content") else { return nil }
        switch value {
        case .string(let s):
            return s
        case .array(let parts):
            var texts: [String] = []
            for (i, part) in parts.enumerated() {
                let partFields = try FieldReader.element(part, at: "\(fields.param("content"))[\(i)]")
                let type = try partFields.requiredString("type")
                guard type == "text" || type == "input_text" else {
                    throw .invalidValue(param: partFields.param("type"),
                                        "content parts of type '\(type)' are not supported by a text-only model.")
                }
                texts.append(try partFields.requiredString("text"))
            }
            return texts.joined(separator: "\n")
        default:
            throw .invalidType(param: fields.param("content"), expected: "a string or an array of content parts",
                               got: value)
        }
    }
}

extension ToolCall {
    init(_ value: JSONValue, at path: String) throws(OpenAIError) {
        let fields = try FieldReader.element(value, at: path)
        if let type = try fields.string("type"), type != "function" {
            throw .invalidValue(param: fields.param("type"), "only 'function' tool calls are supported.")
        }
        guard let function = try fields.object("function") else { throw .missing(param: fields.param("function")) }
        let functionFields = FieldReader(function, path: fields.param("function"))
        let arguments: String
        switch functionFields.value("arguments") {
        case nil: arguments = "{}"
        case .string(let s)?: arguments = s
        case .object(let o)?: arguments = JSONValue.object(o).serialized()
        case let other?:
            throw .invalidType(param: functionFields.param("arguments"), expected: "a string", got: other)
        }
        self.init(id: try fields.requiredString("id"), name: try functionFields.requiredString("name"),
                  arguments: arguments)
    }
}
