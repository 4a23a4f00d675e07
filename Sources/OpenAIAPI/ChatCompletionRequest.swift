public import JSON

/// A validated `POST /v1/chat/completions` body. Unknown fields are ignored; a known field of the
/// wrong type is a 400 naming it.
public struct ChatCompletionRequest: Sendable {
    public var model: String
    public var messages: [ChatMessage]
    /// The `tools` array as sent (OpenAI shape), for the chat template and schema-typed parsers.
    public var tools: [JSONValue]
    public var toolNames: [String]
    public var toolChoice: ToolChoice
    public var parallelToolCalls: Bool
    public var responseFormat: ResponseFormat
    public var sampling: Sampling
    public var user: String?
    /// Extra variables for the chat template (`chat_template_kwargs`, as vLLM and SGLang accept),
    /// e.g. `{"enable_thinking": false}`.
    public var chatTemplateArguments: JSONObject

    public init(json: JSONValue) throws(OpenAIError) {
        guard case .object(let object) = json else {
            throw .invalidRequest("The request body must be a JSON object.")
        }
        let fields = FieldReader(object)
        model = try fields.requiredString("model")
        guard let messageValues = try fields.array("messages") else { throw .missing(param: "messages") }
        guard !messageValues.isEmpty else { throw .invalidValue(param: "messages", "the list of messages is empty.") }
        var messages: [ChatMessage] = []
        messages.reserveCapacity(messageValues.count)
        for (i, message) in messageValues.enumerated() {
            messages.append(try ChatMessage(message, at: "messages[\(i)]"))
        }
        self.messages = messages

        tools = try fields.array("tools") ?? []
        var names: [String] = []
        for (i, tool) in tools.enumerated() {
            names.append(try Self.toolName(tool, at: "tools[\(i)]"))
        }
        toolNames = names
        toolChoice = try ToolChoice(fields.value("tool_choice"), toolNames: names, hasTools: !tools.isEmpty)
        parallelToolCalls = try fields.bool("parallel_tool_calls") ?? true
        responseFormat = try ResponseFormat(fields.value("response_format"))
        sampling = try Sampling(fields, maxTokenKeys: ["max_completion_tokens", "max_tokens"])
        user = try fields.string("user")
        chatTemplateArguments = try fields.object("chat_template_kwargs") ?? [:]
    }

    private static func toolName(_ tool: JSONValue, at path: String) throws(OpenAIError) -> String {
        let fields = try FieldReader.element(tool, at: path)
        let type = try fields.string("type") ?? "function"
        guard type == "function" else {
            throw .invalidValue(param: fields.param("type"), "only tools of type 'function' are supported.")
        }
        guard let function = try fields.object("function") else { throw .missing(param: fields.param("function")) }
        let functionFields = FieldReader(function, path: fields.param("function"))
        let name = try functionFields.requiredString("name")
        guard !name.isEmpty, name.utf8.count <= 64, name.utf8.allSatisfy(Self.isNameByte) else {
            throw .invalidValue(param: functionFields.param("name"),
                                "'\(name)' must be 1 to 64 letters, digits, underscores, dots or dashes.")
        }
        if let parameters = functionFields.value("parameters"), parameters.objectValue == nil {
            throw .invalidType(param: functionFields.param("parameters"), expected: "an object", got: parameters)
        }
        return name
    }
}

extension ChatCompletionRequest {
    /// Letters, digits, `_`, `-` and `.`: what OpenAI accepts in a function name.
    static func isNameByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }
}

/// `tool_choice`: whether and which tool the model must call.
public enum ToolChoice: Sendable, Equatable {
    case auto
    case none
    case required
    case function(String)

    init(_ value: JSONValue?, toolNames: [String], hasTools: Bool) throws(OpenAIError) {
        switch value {
        case nil:
            self = hasTools ? .auto : .none
        case .string("auto")?:
            self = hasTools ? .auto : .none
        case .string("none")?:
            self = .none
        case .string("required")?:
            guard hasTools else { throw .invalidValue(param: "tool_choice", "'required' needs at least one tool in 'tools'.") }
            self = .required
        case .string(let other)?:
            throw .invalidValue(param: "tool_choice", "'\(other)' is not one of 'none', 'auto', 'required'.")
        case .object(let object)?:
            let fields = FieldReader(object, path: "tool_choice")
            guard let function = try fields.object("function") else { throw .missing(param: "tool_choice.function") }
            let name = try FieldReader(function, path: "tool_choice.function").requiredString("name")
            guard toolNames.contains(name) else {
                throw .invalidValue(param: "tool_choice.function.name", "'\(name)' is not one of the tools given in 'tools'.")
            }
            self = .function(name)
        case let other?:
            throw .invalidType(param: "tool_choice", expected: "a string or an object", got: other)
        }
    }
}
