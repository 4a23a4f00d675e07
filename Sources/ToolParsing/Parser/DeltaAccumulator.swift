/// Assembles deltas into the message they describe — what an OpenAI client does with a stream. Used by
/// `replay --stream`, by the tests that check streaming equals whole-text parsing, and by the gateway.
public struct DeltaAccumulator: Sendable {
    private var content = ""
    private var reasoning = ""
    private var hasReasoning = false
    private var calls: [ParsedToolCall] = []

    public init() {}

    public mutating func apply(_ delta: ParserDelta) {
        switch delta {
        case .content(let text):
            content += text
        case .reasoning(let text):
            reasoning += text
            hasReasoning = true
        case .toolCallStart(let index, let id, let name):
            calls.append(ParsedToolCall(index: index, id: id, name: name, arguments: ""))
        case .toolCallArguments(let index, let fragment):
            if let i = calls.lastIndex(where: { $0.index == index }) { calls[i].arguments += fragment }
        }
    }

    public mutating func apply(_ deltas: [ParserDelta]) {
        for delta in deltas { apply(delta) }
    }

    /// The message so far; with `parser`, its diagnostics and the calls' raw ranges are added.
    public func message(from parser: StreamingParser? = nil) -> ParsedMessage {
        var calls = self.calls
        if let parser {
            for record in parser.completedCalls {
                if let i = calls.firstIndex(where: { $0.index == record.index }) { calls[i].rawRange = record.rawRange }
            }
        }
        return ParsedMessage(content: content.isEmpty ? nil : content,
                             reasoningContent: hasReasoning && !reasoning.isEmpty ? reasoning : nil,
                             toolCalls: calls, diagnostics: parser?.diagnostics ?? [])
    }
}
