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
        // tool_choice none: the prompt offered no tools, and the output is read as text (and reasoning) only.
        let options = ParserOptions(commit: commit, tools: ToolSchemas(tools: .array(request.tools)),
                                    reasoning: runtime.reasoning, reasoningStart: prompt.reasoningStart,
                                    prefill: prompt.prefill, parseCalls: request.toolChoice != .none)
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
        return release(scratch, atEnd: false)
    }

    /// Ends the output; returns the last deltas.
    mutating func finish() -> [ParserDelta] {
        scratch.removeAll(keepingCapacity: true)
        parser.finish(into: &scratch)
        return release(scratch, atEnd: true)
    }

    /// Applies the single-call rule, then records the deltas in the accumulated message.
    private mutating func release(_ deltas: [ParserDelta], atEnd: Bool) -> [ParserDelta] {
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
                // Only a cut before the output's end stops the backend early.
                if !atEnd { stopped = true }
            }
        }
        accumulator.apply(kept)
        return kept
    }

    /// The message assembled from everything released.
    var message: ParsedMessage { accumulator.message(from: parser) }

    /// What the call table keeps for this turn: the text the model produced after the generation prompt
    /// (prefill included), from after its reasoning block on, and where each returned call sits in it.
    func recordedTurn(_ message: ParsedMessage, reasoningMarkers: ReasoningMarkers?) -> RecordedTurn? {
        guard !message.toolCalls.isEmpty else { return nil }
        // Offsets from the parser count from the start of prefill + output.
        var raw = Array(((prompt.prefill ?? "") + output).utf8)
        let family = parser.family
        if singleCall, let range = message.toolCalls[0].rawRange {
            if stopped {
                // The backend was cut off after the first call: the turn ends with it.
                raw.removeSubrange(min(range.upperBound, raw.count)...)
            } else if let marker = family.stopStrings.first, range.upperBound >= raw.count - Self.trailingWhitespace(raw),
                      !String(decoding: raw[..<min(range.upperBound, raw.count)], as: UTF8.self).hasSuffix(marker)
            {
                // The backend stopped on the call's end marker (sent as a stop string) and, as backends do,
                // left it out: the model did write it.
                raw += Array(marker.utf8)
            }
        }
        // Reasoning is kept apart (the template places it); the raw text starts after its end marker.
        var cut = 0
        if message.reasoningContent != nil, let end = reasoningMarkers?.end,
           let found = Self.firstRange(of: Array(end.utf8), in: raw)
        {
            cut = found.upperBound
            while cut < raw.count, raw[cut] == UInt8(ascii: "\n") || raw[cut] == UInt8(ascii: " ") { cut += 1 }
        }
        var calls: [RecordedTurn.Call] = []
        for call in message.toolCalls {
            let range = call.rawRange.map { max(0, $0.lowerBound - cut)..<max(0, min($0.upperBound, raw.count) - cut) }
            calls.append(.init(id: call.id, name: call.name, arguments: call.arguments, span: range ?? 0..<0))
        }
        let ranges = calls.map(\.span).sorted { $0.lowerBound < $1.lowerBound }
        let disjoint = zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound <= $1.lowerBound }
            && !ranges.contains { $0.isEmpty }
        return RecordedTurn(rawText: String(decoding: raw[cut...], as: UTF8.self), reasoning: message.reasoningContent,
                            content: message.content, calls: calls, callsAreBlocks: disjoint)
    }

    private static func trailingWhitespace(_ bytes: [UInt8]) -> Int {
        var n = 0
        while n < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[bytes.count - 1 - n]) { n += 1 }
        return n
    }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i..<(i + needle.count) }
        }
        return nil
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
