public import JSON
public import Jinja

/// One conversation to render, as an OpenAI-compatible server hands it to a chat template.
public struct ChatRenderInput: Sendable {
    /// The request's messages (assistant `tool_calls[].function.arguments` may still be JSON strings, as
    /// OpenAI sends them; they are parsed here).
    public var messages: [JSONValue]
    /// OpenAI-style tools (`{"type": "function", "function": {...}}`), or nil for none.
    public var tools: [JSONValue]?
    /// RAG documents (`{"title": ..., "text": ...}`), or nil.
    public var documents: [JSONValue]?
    public var addGenerationPrompt: Bool
    /// Named special tokens in order (`bos_token`, `eos_token`, …).
    public var specialTokens: [(name: String, value: String)]
    /// Extra template variables (`enable_thinking`, `reasoning_effort`, …); they override special tokens.
    public var extra: JSONObject
    /// Frozen clock for `strftime_now`; nil reads the real local time.
    public var now: LocalDateTime?
    /// Which transformers version's message preprocessing to reproduce.
    public var compatibility: TransformersCompatibility

    public init(messages: [JSONValue], tools: [JSONValue]? = nil, documents: [JSONValue]? = nil,
                addGenerationPrompt: Bool = false, specialTokens: [(name: String, value: String)] = [],
                extra: JSONObject = JSONObject(), now: LocalDateTime? = nil,
                compatibility: TransformersCompatibility = .v5)
    {
        self.messages = messages
        self.tools = tools
        self.documents = documents
        self.addGenerationPrompt = addGenerationPrompt
        self.specialTokens = specialTokens
        self.extra = extra
        self.now = now
        self.compatibility = compatibility
    }
}

/// transformers 5.x drops `null` message keys and mirrors reasoning fields; 4.x passes messages as given.
public enum TransformersCompatibility: Sendable {
    case v4, v5
}

extension ChatRenderInput {
    /// The special tokens transformers passes by name when a tokenizer defines them, in this order.
    public static let specialTokenNames = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
                                           "cls_token", "mask_token"]

    /// Reads a render case (the format `render_reference.py` reads): `messages`, `tools`, `documents`,
    /// `add_generation_prompt`, `bos_token`…, `special_tokens`, `extra`, `now`.
    public init(case value: JSONValue) throws(ChatTemplateError) {
        guard case .object(let object) = value else { throw .invalidInput("a case must be a JSON object") }
        guard case .array(let messages)? = object["messages"], !messages.isEmpty else {
            throw .invalidInput("case needs a non-empty 'messages' list")
        }
        func list(_ key: String) throws(ChatTemplateError) -> [JSONValue]? {
            switch object[key] {
            case nil, .null?: return nil
            case .array(let items)?: return items
            default: throw .invalidInput("'\(key)' must be a list")
            }
        }
        var tokens: [(name: String, value: String)] = []
        func setToken(_ name: String, _ value: JSONValue) {
            guard !value.isNull, let text = try? Value(json: value).pythonString() else { return }
            if let i = tokens.firstIndex(where: { $0.name == name }) { tokens[i].value = text } else { tokens.append((name, text)) }
        }
        for name in ChatRenderInput.specialTokenNames {
            if let value = object[name] { setToken(name, value) }
        }
        if case .object(let more)? = object["special_tokens"] {
            for entry in more { setToken(entry.key, entry.value) }
        }
        var now: LocalDateTime? = nil
        if case .string(let text)? = object["now"] {
            guard let parsed = LocalDateTime(iso: text) else { throw .invalidInput("'now' is not an ISO date-time: \(text)") }
            now = parsed
        }
        var extra = JSONObject()
        if case .object(let e)? = object["extra"] { extra = e }
        self.init(messages: messages, tools: try list("tools"), documents: try list("documents"),
                  addGenerationPrompt: object["add_generation_prompt"].map { Value(json: $0).isTruthy } ?? false,
                  specialTokens: tokens, extra: extra, now: now)
    }
}
