public import JSON

/// How to give tool calling to a template that cannot render it (a model without native tool calling).
///
/// The family-specific pieces come from outside (the gateway builds this from a parser family's `tool_prompt`
/// and `render` pattern): how to describe the tools in the system prompt, how to write an assistant's calls as
/// text, and how to wrap a tool result.
public struct ToolCallingPolyfill: Sendable {
    /// A call as the polyfill writes it back: `arguments` is the parsed JSON when the request's string parsed.
    public struct Call: Sendable {
        public var id: String?
        public var name: String
        public var arguments: JSONValue

        public init(id: String?, name: String, arguments: JSONValue) {
            self.id = id
            self.name = name
            self.arguments = arguments
        }
    }

    /// A tool message's content, with the call it answers.
    public struct Result: Sendable {
        public var toolCallID: String?
        public var name: String?
        public var content: String

        public init(toolCallID: String?, name: String?, content: String) {
            self.toolCallID = toolCallID
            self.name = name
            self.content = content
        }
    }

    /// The text added to the system prompt for the request's tools (OpenAI tool objects).
    public var toolInstructions: @Sendable ([JSONValue]) -> String
    /// An assistant turn's calls as the model would have written them.
    public var renderToolCalls: @Sendable ([Call]) -> String
    /// A tool result as the text of a `resultRole` turn.
    public var renderToolResult: @Sendable (Result) -> String
    /// The role tool results take when the template cannot render `tool` messages.
    public var resultRole: String

    public init(toolInstructions: @escaping @Sendable ([JSONValue]) -> String,
                renderToolCalls: @escaping @Sendable ([Call]) -> String,
                renderToolResult: @escaping @Sendable (Result) -> String,
                resultRole: String = "user")
    {
        self.toolInstructions = toolInstructions
        self.renderToolCalls = renderToolCalls
        self.renderToolResult = renderToolResult
        self.resultRole = resultRole
    }
}

extension ToolCallingPolyfill {
    /// The conversation rewritten for a template with `capabilities`: tool instructions in the system prompt
    /// when it cannot render tools, calls and results as text when it cannot render those, system text merged
    /// into the first user turn when it has no system role.
    func apply(to input: ChatRenderInput, capabilities: ChatTemplateCapabilities) throws(ChatTemplateError)
        -> ChatRenderInput
    {
        // Every rewrite below makes up for a missing capability: a template with all of them is rendered as sent.
        if capabilities.supportsToolCalls, capabilities.supportsToolResponses, capabilities.supportsTools,
           capabilities.supportsSystemRole {
            return input
        }
        var input = input
        var messages: [JSONValue] = []
        messages.reserveCapacity(input.messages.count + 1)
        for message in input.messages {
            guard case .object(var object) = message else {
                throw .invalidInput("chat messages must be objects, got \(message.serialized(.python))")
            }
            let role = object["role"]?.stringValue
            if role == "assistant", !capabilities.supportsToolCalls, case .array(let calls)? = object["tool_calls"],
               !calls.isEmpty {
                let text = renderToolCalls(calls.map(ToolCallingPolyfill.call(from:)))
                let existing = object["content"]?.stringValue ?? ""
                object["content"] = .string(existing.isEmpty ? text : existing + "\n" + text)
                object.removeValue(forKey: "tool_calls")
                messages.append(.object(object))
                continue
            }
            if role == "tool", !capabilities.supportsToolResponses {
                let result = Result(toolCallID: object["tool_call_id"]?.stringValue, name: object["name"]?.stringValue,
                                    content: ToolCallingPolyfill.text(of: object["content"]))
                let text = renderToolResult(result)
                // Consecutive results become one turn, so user and assistant turns keep alternating.
                if let previous = messages.last, previous["role"]?.stringValue == resultRole,
                   previous["toolgate_polyfill"] != nil, case .object(var merged) = previous {
                    merged["content"] = .string((merged["content"]?.stringValue ?? "") + "\n" + text)
                    messages[messages.count - 1] = .object(merged)
                } else {
                    messages.append(["role": .string(resultRole), "content": .string(text), "toolgate_polyfill": true])
                }
                continue
            }
            messages.append(.object(object))
        }
        messages = messages.map { message in
            guard case .object(var object) = message, object["toolgate_polyfill"] != nil else { return message }
            object.removeValue(forKey: "toolgate_polyfill")
            return .object(object)
        }
        if let tools = input.tools, !tools.isEmpty, !capabilities.supportsTools {
            messages = Self.addingSystemText(toolInstructions(tools), to: messages)
        }
        if !capabilities.supportsSystemRole {
            messages = Self.mergingSystemIntoFirstUser(messages)
        }
        input.messages = messages
        return input
    }

    static func call(from value: JSONValue) -> Call {
        let function = value["function"] ?? value
        var arguments = function["arguments"] ?? .object(JSONObject())
        if case .string(let text) = arguments, let parsed = try? JSONParser().parse(text) { arguments = parsed }
        return Call(id: value["id"]?.stringValue, name: function["name"]?.stringValue ?? "", arguments: arguments)
    }

    /// A message content as text: strings as they are, OpenAI content parts joined, anything else as JSON.
    static func text(of content: JSONValue?) -> String {
        switch content {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .array(let parts)?:
            return parts.compactMap { $0["text"]?.stringValue }.joined()
        case let other?: return other.serialized(.python)
        }
    }

    static func addingSystemText(_ instructions: String, to messages: [JSONValue]) -> [JSONValue] {
        var messages = messages
        if case .object(var first)? = messages.first, first["role"]?.stringValue == "system" {
            let existing = text(of: first["content"])
            first["content"] = .string(existing.isEmpty ? instructions : existing + "\n\n" + instructions)
            messages[0] = .object(first)
        } else {
            messages.insert(["role": "system", "content": .string(instructions)], at: 0)
        }
        return messages
    }

    static func mergingSystemIntoFirstUser(_ messages: [JSONValue]) -> [JSONValue] {
        let systemText = messages.filter { $0["role"]?.stringValue == "system" }.map { text(of: $0["content"]) }
        guard !systemText.isEmpty else { return messages }
        var rest = messages.filter { $0["role"]?.stringValue != "system" }
        let prefix = systemText.joined(separator: "\n\n")
        if let i = rest.firstIndex(where: { $0["role"]?.stringValue == "user" }), case .object(var user) = rest[i] {
            user["content"] = .string(prefix + "\n\n" + text(of: user["content"]))
            rest[i] = .object(user)
        } else {
            rest.insert(["role": "user", "content": .string(prefix)], at: 0)
        }
        return rest
    }
}
