/// The assistant message parsed out of a model's raw output.
public struct ParsedMessage: Sendable, Equatable {
    /// Text outside calls and reasoning, without leading and trailing whitespace; nil when empty.
    public var content: String?
    /// Text of reasoning blocks (`<think>…</think>`), trimmed; nil when there was none.
    public var reasoningContent: String?
    public var toolCalls: [ParsedToolCall]
    /// Why parts of the output were not calls (malformed, cut off, unknown tool, …).
    public var diagnostics: [ParseDiagnostic]

    public init(content: String? = nil, reasoningContent: String? = nil, toolCalls: [ParsedToolCall] = [],
                diagnostics: [ParseDiagnostic] = [])
    {
        self.content = content
        self.reasoningContent = reasoningContent
        self.toolCalls = toolCalls
        self.diagnostics = diagnostics
    }

    /// `tool_calls` when the message has calls, else `stop` (OpenAI's `finish_reason`).
    public var finishReason: String { toolCalls.isEmpty ? "stop" : "tool_calls" }
}

/// One call: `arguments` is JSON text of an object — the model's own text for JSON formats (key order,
/// number spelling and escapes as written), compact JSON for formats that are built (XML parameters,
/// Python calls).
public struct ParsedToolCall: Sendable, Equatable {
    public var index: Int
    public var id: String
    public var name: String
    public var arguments: String
    /// The UTF-8 byte range of the call's text (markers included) in the output, counting a prefill as
    /// part of the output. Calls read from one block (a Mistral array) share it. Nil when the message
    /// was assembled from deltas without the parser's records.
    public var rawRange: Range<Int>?

    public init(index: Int, id: String, name: String, arguments: String, rawRange: Range<Int>? = nil) {
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments
        self.rawRange = rawRange
    }
}

/// Why some output did not become what it looked like. Parsing never throws; it reports.
public struct ParseDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// A call's text could not be read; it stayed in content verbatim.
        case malformedCall = "malformed_call"
        /// A call was cut off by the end of the output; it stayed in content verbatim.
        case truncatedCall = "truncated_call"
        /// Part of a call block (a list element) was not a call; it went to content.
        case rejectedPart = "rejected_part"
        /// A call's arguments are not a JSON object (the call is still returned, arguments as written).
        case unusualArguments = "unusual_arguments"
        /// A call names a tool the request did not offer (the call is still returned).
        case unknownTool = "unknown_tool"
        /// Eager mode: a call already streamed turned out malformed; the rest of its text went to content.
        case streamedCallBroken = "streamed_call_broken"
        /// The output ended inside a reasoning block.
        case unterminatedReasoning = "unterminated_reasoning"
    }

    public let kind: Kind
    public let message: String
    /// The bytes concerned, as offsets in the output.
    public let range: Range<Int>

    public init(kind: Kind, message: String, range: Range<Int>) {
        self.kind = kind
        self.message = message
        self.range = range
    }

    public var description: String { "\(kind.rawValue) at bytes \(range.lowerBound)..<\(range.upperBound): \(message)" }
}
