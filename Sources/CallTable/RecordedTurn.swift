/// One assistant turn as the model produced it: the exact raw output and where each tool call sits in it.
///
/// The gateway records a turn when it hands out tool-call ids, so that when a client sends the turn back
/// (an assistant message with those ids) the prompt can hold the model's own bytes, not a re-serialization.
public struct RecordedTurn: Sendable, Equatable {
    /// One call of the turn, as it was returned to the client.
    public struct Call: Sendable, Equatable {
        public var id: String
        public var name: String
        /// The arguments JSON text returned to the client.
        public var arguments: String
        /// UTF-8 byte offsets of this call's text inside `rawText`.
        public var span: Range<Int>

        public init(id: String, name: String, arguments: String, span: Range<Int>) {
            self.id = id
            self.name = name
            self.arguments = arguments
            self.span = span
        }
    }

    /// The raw model output for the turn, byte for byte, from after its reasoning block (if any) on.
    public var rawText: String
    /// The turn's reasoning, kept apart: the chat template decides whether and how earlier turns' reasoning
    /// appears in a prompt (Qwen3 drops it before the last user message), so it travels as `reasoning_content`.
    public var reasoning: String?
    /// The content returned to the client (nil when none), used to tell an edited turn from an intact one.
    public var content: String?
    /// The calls in the order the model produced them; their ids are the turn's sibling ids.
    public var calls: [Call]
    /// True when each call's span is a self-contained block (`<tool_call>…</tool_call>`,
    /// `[TOOL_CALLS]name{…}`), so one call can be dropped or replaced without breaking the others;
    /// false for shapes like a JSON array of calls, where the turn can only be rebuilt whole.
    public var callsAreBlocks: Bool

    public init(rawText: String, reasoning: String? = nil, content: String?, calls: [Call], callsAreBlocks: Bool = true) {
        self.rawText = rawText
        self.reasoning = reasoning
        self.content = content
        self.calls = calls
        self.callsAreBlocks = callsAreBlocks
    }

    /// Bytes the turn is charged for in a bounded store (text plus per-call bookkeeping).
    public var cost: Int {
        calls.reduce(rawText.utf8.count + (reasoning?.utf8.count ?? 0) + (content?.utf8.count ?? 0) + 64) {
            $0 + $1.id.utf8.count + $1.name.utf8.count + $1.arguments.utf8.count + 48
        }
    }

    /// The text of one call inside the raw output.
    public func rawText(of call: Call) -> Substring {
        let utf8 = rawText.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: min(call.span.lowerBound, utf8.count))
        let upper = utf8.index(utf8.startIndex, offsetBy: min(call.span.upperBound, utf8.count))
        return rawText[lower..<upper]
    }

    /// The raw text between two UTF-8 offsets (clamped to the text).
    func rawSlice(_ from: Int, _ to: Int) -> Substring {
        let utf8 = rawText.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: max(0, min(from, utf8.count)))
        let upper = utf8.index(utf8.startIndex, offsetBy: max(0, min(max(from, to), utf8.count)))
        return rawText[lower..<upper]
    }
}
