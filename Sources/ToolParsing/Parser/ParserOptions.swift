import JSON

/// When a call's deltas are released.
public enum CommitMode: String, Sendable, CaseIterable {
    /// A call is emitted once its text is delimited and its body parsed; a malformed or cut-off call
    /// becomes content. Streaming then equals whole-text parsing for every output and every chunking.
    case validated
    /// A call's start goes out as soon as its name is known and its arguments as they arrive (JSON
    /// bodies as far as the scan shows them valid; XML parameters one by one). Equal to whole-text
    /// parsing for well-formed output; a call that later breaks keeps what was sent, and the rest of its
    /// text goes to content with a `streamed_call_broken` diagnostic.
    case eager
}

/// Reasoning block markers (`<think>` … `</think>`).
public struct ReasoningMarkers: Sendable, Equatable {
    public var start: String
    public var end: String

    public init(start: String, end: String) {
        self.start = start
        self.end = end
    }

    public static let think = ReasoningMarkers(start: "<think>", end: "</think>")
}

/// Where the output starts relative to reasoning.
public enum ReasoningStart: String, Sendable, CaseIterable {
    /// Outside reasoning: a reasoning block begins with its start marker.
    case closed
    /// Inside reasoning: the prompt ended with the start marker (thinking forced open).
    case open
    /// Unknown: the output is taken to start inside reasoning when the end marker comes before any start
    /// marker. Streaming holds text back until that is decided; the gateway knows the prompt and uses
    /// `closed` or `open` instead (see ``ReasoningStart/forPrompt(_:markers:)``).
    case detect

    /// `open` when the prompt ends with the start marker (whitespace after it allowed), else `closed`.
    public static func forPrompt(_ prompt: String, markers: ReasoningMarkers?) -> ReasoningStart {
        guard let markers else { return .closed }
        return prompt.trimmingWhitespace().hasSuffix(markers.start) ? .open : .closed
    }
}

/// How a reasoning configuration is chosen.
public enum ReasoningSetting: Sendable, Equatable {
    /// The family's markers.
    case family
    /// No reasoning markers: everything is content.
    case none
    case markers(ReasoningMarkers)
}

/// Everything a parse needs besides the family and the text.
public struct ParserOptions: Sendable {
    public var commit: CommitMode
    /// The request's tools, for schema-typed formats and unknown-tool diagnostics.
    public var tools: ToolSchemas
    public var reasoning: ReasoningSetting
    public var reasoningStart: ReasoningStart
    /// Text the gateway appended to the prompt so the model continues inside a call (`tool_choice`
    /// required or named): parsed as if the model had written it, never shown as content.
    public var prefill: String?
    public var ids: ToolCallIDGenerator
    /// False reads the output as text and reasoning only, never as calls (`tool_choice: none`).
    public var parseCalls: Bool
    /// Depth of calls parsed inside another call's body (code fences); guards recursion.
    var nesting = 0

    public init(commit: CommitMode = .validated, tools: ToolSchemas = .none, reasoning: ReasoningSetting = .family,
                reasoningStart: ReasoningStart = .closed, prefill: String? = nil,
                ids: ToolCallIDGenerator = ToolCallIDGenerator(), parseCalls: Bool = true)
    {
        self.parseCalls = parseCalls
        self.commit = commit
        self.tools = tools
        self.reasoning = reasoning
        self.reasoningStart = reasoningStart
        self.prefill = prefill
        self.ids = ids
    }
}
