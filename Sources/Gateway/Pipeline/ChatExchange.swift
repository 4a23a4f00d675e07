import Backends
import CallTable
import JSON
import OpenAIAPI
import ToolParsing

/// backend → **parse**: one chat completion in flight. Feeds the backend's text to the family's parser,
/// keeps the raw output for the call table and the capture, and enforces `parallel_tool_calls: false`.
struct ChatExchange {
    private(set) var parser: StreamingParser
    private(set) var accumulator = DeltaAccumulator()
    /// The backend's raw output so far.
    private(set) var output = ""
    let prompt: BuiltPrompt
    /// `parallel_tool_calls: false`: keep the first call, then stop reading the backend.
    let singleCall: Bool
    /// True once the first call is complete under `singleCall`; the caller stops the backend then.
    private(set) var stopped = false
    private var scratch: [ParserDelta] = []

    init(runtime: ModelRuntime, request: ChatCompletionRequest, prompt: BuiltPrompt, commit: CommitMode) {
        let options = ParserOptions(commit: commit, tools: ToolSchemas(tools: .array(request.tools)),
                                    reasoning: runtime.reasoning, reasoningStart: prompt.reasoningStart,
                                    prefill: prompt.prefill)
        parser = StreamingParser(family: runtime.family, options: options)
        self.prompt = prompt
        singleCall = !request.parallelToolCalls
    }

    /// Feeds a piece of backend output; returns the deltas to send on.
    mutating func feed(_ text: String) -> [ParserDelta] {
        guard !stopped else { return [] }
        output += text
        scratch.removeAll(keepingCapacity: true)
        parser.feed(text, into: &scratch)
        return release(scratch)
    }

    /// Ends the output; returns the last deltas.
    mutating func finish() -> [ParserDelta] {
        scratch.removeAll(keepingCapacity: true)
        parser.finish(into: &scratch)
        return release(scratch)
    }

    /// Applies the single-call rule, then records the deltas in the accumulated message.
    private mutating func release(_ deltas: [ParserDelta]) -> [ParserDelta] {
        var kept = deltas
        if singleCall {
            // Nothing after the first call: no second call, no text the model wrote after it.
            if let cut = kept.firstIndex(where: { delta in
                if case .toolCallStart(let index, _, _) = delta { return index > 0 }
                return false
            }) {
                kept.removeSubrange(cut...)
            }
            if parser.completedCallCount > 0 {
                if let last = kept.lastIndex(where: { $0.callIndex == 0 }) { kept.removeSubrange((last + 1)...) }
                stopped = true
            }
        }
        accumulator.apply(kept)
        return kept
    }

    /// The message assembled from everything released.
    var message: ParsedMessage { accumulator.message(from: parser) }

    /// What the call table keeps for this turn: the text the model produced after the generation prompt
    /// (an opened reasoning marker and the prefill included), and where each returned call sits in it.
    func recordedTurn(_ message: ParsedMessage) -> RecordedTurn? {
        guard !message.toolCalls.isEmpty else { return nil }
        let reasoningOpener = prompt.reasoningOpener
        let lead = (reasoningOpener ?? "") + (prompt.prefill ?? "")
        let shift = (reasoningOpener ?? "").utf8.count
        var raw = lead + output
        if stopped, let end = message.toolCalls.first?.rawRange?.upperBound {
            // The backend was stopped after the first call: the turn ends with it.
            raw = String(decoding: Array(raw.utf8).prefix(end + shift), as: UTF8.self)
        }
        var calls: [RecordedTurn.Call] = []
        for call in message.toolCalls {
            let range = call.rawRange.map { ($0.lowerBound + shift)..<($0.upperBound + shift) } ?? 0..<0
            calls.append(.init(id: call.id, name: call.name, arguments: call.arguments, span: range))
        }
        let ranges = calls.map(\.span).sorted { $0.lowerBound < $1.lowerBound }
        let disjoint = zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound <= $1.lowerBound }
            && !ranges.contains { $0.isEmpty }
        return RecordedTurn(rawText: raw, content: message.content, calls: calls, callsAreBlocks: disjoint)
    }
}

extension ParserDelta {
    /// The call a delta belongs to, or nil for text.
    var callIndex: Int? {
        switch self {
        case .toolCallStart(let index, _, _), .toolCallArguments(let index, _): return index
        case .content, .reasoning: return nil
        }
    }
}
