/// THE parser: one state machine that turns a model's output, fed in chunks of any size, into OpenAI
/// deltas. Whole-text parsing is this machine fed one chunk and finished (``Family/parse(_:options:)``).
///
/// Outside calls it searches for the family's start markers and the reasoning markers in one pass
/// over the new bytes; text that could be the beginning of a marker is held back (at most a marker's
/// length), everything else is released as content or reasoning at once. Inside a call it follows the
/// body kind's extent (a JSON scan, bracket matching, a closing tag or the end marker) over new bytes
/// only, so the whole run is linear in the output. When a call's text is complete, its body kind
/// parses it once: a call is emitted, or its text becomes content verbatim with a diagnostic (never
/// thrown, never lost). ``CommitMode`` decides whether a call's deltas wait for that (validated, the
/// default) or stream as the call is written (eager).
///
/// Content and reasoning are trimmed at the message's edges (``TextChannel``), so whitespace between
/// calls or after the last one is not content.
public struct StreamingParser: Sendable {
    public let family: Family
    let commit: CommitMode
    let tools: ToolSchemas
    let triggers: Triggers
    let nesting: Int
    var ids: ToolCallIDGenerator

    /// Unreleased output; `buffer[0]` is at output offset `base`.
    var buffer: [UInt8] = []
    var base = 0
    /// Bytes of the prefill at the start of the output: parsed, never released as content.
    let prefixLength: Int
    /// Outside calls: bytes before this offset have been released.
    var cursor = 0
    /// Outside calls: where the marker search goes on (after a demoted tentative marker, which is still
    /// unreleased text between `cursor` and here).
    var scanFrom = 0
    var finished = false
    var state: State
    /// The call being read while `state` is `.call`.
    var call = CallAttempt()
    var inReasoning = false
    var content = TextChannel()
    var reasoningText = TextChannel()
    var nextIndex = 0
    var out: [ParserDelta] = []
    /// The string being fed, and its output offsets, while it is read in place.
    private var chunkText: String?
    private var chunkRange = 0..<0

    /// Why parts of the output did not become calls, so far.
    public internal(set) var diagnostics: [ParseDiagnostic] = []
    /// Calls whose text is complete, in order.
    public internal(set) var completedCalls: [CompletedCall] = []

    /// A call whose text is complete (for the call table: id → raw text, and for stopping the backend
    /// after the first call when `parallel_tool_calls` is false).
    public struct CompletedCall: Sendable, Equatable {
        public let index: Int
        public let id: String
        public let name: String
        /// UTF-8 byte range of the call's text, markers included, in the output (prefill counted).
        public let rawRange: Range<Int>
    }

    enum State {
        /// `ReasoningStart.detect`: text is held until a reasoning marker or the end decides.
        case detecting(scanFrom: Int)
        case text
        case call
        /// After a self-delimited body: swallow the optional end marker if it follows.
        case optionalEnd(syntax: Int, from: Int)
    }

    public init(family: Family, options: ParserOptions = ParserOptions()) {
        self.family = family
        commit = options.commit
        tools = options.tools
        nesting = options.nesting
        ids = options.ids
        // With calls off, call markers and the structure around calls are plain text.
        let syntaxes = options.parseCalls ? family.syntaxes : []
        let dropped = options.parseCalls ? family.dropped : []
        switch options.reasoning {
        case .family where options.parseCalls: triggers = family.defaultTriggers
        case .family: triggers = Triggers(syntaxes: [], reasoning: family.reasoning, dropped: [])
        case .none: triggers = Triggers(syntaxes: syntaxes, reasoning: nil, dropped: dropped)
        case .markers(let markers): triggers = Triggers(syntaxes: syntaxes, reasoning: markers, dropped: dropped)
        }
        switch triggers.reasoning == nil ? .closed : options.reasoningStart {
        case .closed: state = .text
        case .open:
            state = .text
            inReasoning = true
        case .detect: state = .detecting(scanFrom: 0)
        }
        let prefill = Array((options.prefill ?? "").utf8)
        prefixLength = prefill.count
        buffer = prefill
    }

    /// The number of calls complete so far: with `parallel_tool_calls: false` the gateway stops the
    /// backend once this is 1 (the family's ``Family/stopStrings`` do it on the backend's side).
    public var completedCallCount: Int { completedCalls.count }

    /// Feeds the next piece of output; returns the deltas it releases.
    public mutating func feed(_ text: String) -> [ParserDelta] {
        var deltas: [ParserDelta] = []
        feed(text, into: &deltas)
        return deltas
    }

    /// Feeds the next piece of output, appending the deltas it releases to `deltas` (no allocation per
    /// chunk when the caller reuses the array).
    public mutating func feed(_ text: String, into deltas: inout [ParserDelta]) {
        var bytes = text
        bytes.withUTF8 { chunk in
            if passThrough(chunk, text, into: &deltas) { return }
            // Text (content, reasoning, streamed arguments) that is exactly this chunk is passed on as the
            // string that came in.
            chunkText = text
            chunkRange = (base + buffer.count)..<(base + buffer.count + chunk.count)
            feed(chunk: chunk, into: &deltas)
            chunkText = nil
        }
    }

    /// The streaming fast path, one step of the text state: a chunk with no marker (nor the start of one)
    /// goes straight to the text channel, and when it is released whole, as the string that came in.
    private mutating func passThrough(_ chunk: UnsafeBufferPointer<UInt8>, _ text: String,
                                      into deltas: inout [ParserDelta]) -> Bool
    {
        guard case .text = state, !finished, buffer.isEmpty, cursor == base, scanFrom <= base, base >= prefixLength,
              !chunk.isEmpty
        else { return false }
        let reasoning = inReasoning
        guard (reasoning ? triggers.reasoningEnd : triggers.text).first(in: chunk, from: 0, to: chunk.count,
                                                                          final: false) == .none
        else { return false }
        let output = reasoning ? reasoningText.append(chunk, 0..<chunk.count) : content.append(chunk, 0..<chunk.count)
        if let prefix = output.prefix { deltas.append(reasoning ? .reasoning(prefix) : .content(prefix)) }
        if let range = output.range {
            let released = range.count == chunk.count ? text : Bytes.string(chunk, range)
            deltas.append(reasoning ? .reasoning(released) : .content(released))
        }
        base += chunk.count
        cursor = base
        return true
    }

    public mutating func feed<Chunk: Collection>(bytes: Chunk) -> [ParserDelta] where Chunk.Element == UInt8 {
        var deltas: [ParserDelta] = []
        let contiguous = bytes.withContiguousStorageIfAvailable { chunk -> Bool in
            feed(chunk: chunk, into: &deltas)
            return true
        }
        if contiguous == nil { Array(bytes).withUnsafeBufferPointer { feed(chunk: $0, into: &deltas) } }
        return deltas
    }

    /// Ends the output: whatever was held back is decided (a marker prefix is text, an unclosed call is
    /// complete if its body is, else content).
    public mutating func finish() -> [ParserDelta] {
        var deltas: [ParserDelta] = []
        finish(into: &deltas)
        return deltas
    }

    public mutating func finish(into deltas: inout [ParserDelta]) {
        guard !finished else { return }
        finished = true
        swap(&out, &deltas)
        defer { swap(&out, &deltas) }
        let pending = buffer
        pending.withUnsafeBufferPointer { run(ByteWindow(p: $0, base: base)) }
        if let text = content.finish() { out.append(.content(text)) }
        if let text = reasoningText.finish() { out.append(.reasoning(text)) }
        if inReasoning {
            diagnostics.append(ParseDiagnostic(kind: .unterminatedReasoning, message: "the output ended inside reasoning",
                                               range: base + buffer.count..<base + buffer.count))
        }
    }

    /// Runs the machine over a chunk. When nothing is pending (the usual case between calls) it works
    /// on the chunk's bytes in place and keeps only what it still needs.
    private mutating func feed(chunk: UnsafeBufferPointer<UInt8>, into deltas: inout [ParserDelta]) {
        guard !finished else { return }
        swap(&out, &deltas)
        defer { swap(&out, &deltas) }
        if buffer.isEmpty {
            let start = base
            run(ByteWindow(p: chunk, base: start))
            let keep = min(max(neededFrom(), start), start + chunk.count)
            if keep < start + chunk.count {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[(keep - start)...]))
            }
            base = keep
            return
        }
        buffer.append(contentsOf: chunk)
        do {
            // A second reference for the run (the machine mutates self); gone before compacting.
            let pending = buffer
            pending.withUnsafeBufferPointer { run(ByteWindow(p: $0, base: base)) }
        }
        compact()
    }

    private mutating func run(_ window: ByteWindow) {
        while step(window) {}
    }

    /// One transition; false when the machine needs more output to go on.
    private mutating func step(_ w: ByteWindow) -> Bool {
        switch state {
        case .detecting(let scanFrom): return stepDetecting(w, scanFrom: scanFrom)
        case .text: return stepText(w)
        case .call:
            switch advanceCall(w) {
            case .again, .ended: return true
            case .wait: return false
            }
        case .optionalEnd(let syntax, let from): return stepOptionalEnd(w, syntax: syntax, from: from)
        }
    }

    private mutating func stepText(_ w: ByteWindow) -> Bool {
        let markers = inReasoning ? triggers.reasoningEnd : triggers.text
        switch w.first(markers, from: max(cursor, scanFrom), final: finished) {
        case .none:
            release(w, cursor..<w.end)
            cursor = w.end
            return false
        case .partial(let at):
            release(w, cursor..<at)
            cursor = at
            return false
        case .marker(let index, let at):
            let marker = markers.markers[index]
            // Text before a tentative start stays unreleased until the call is decided: if it is not a
            // call, the marker is text and the content goes out in one piece.
            if marker.tag < 0 || !family.syntaxes[marker.tag].tentative {
                release(w, cursor..<at)
                cursor = at
            }
            switch marker.tag {
            case Triggers.reasoningStartTag where content.started || nextIndex > 0:
                // Models reason before they answer: a start marker after content or a call is text.
                release(w, at..<at + marker.bytes.count)
                cursor = at + marker.bytes.count
            case Triggers.reasoningStartTag:
                inReasoning = true
                cursor = at + marker.bytes.count
            case Triggers.reasoningEndTag:
                inReasoning = false
                cursor = at + marker.bytes.count
            case Triggers.droppedTag:
                cursor = at + marker.bytes.count
            default:
                startCall(syntax: marker.tag, at: at, markerLength: marker.bytes.count)
            }
            return true
        }
    }

    private mutating func stepDetecting(_ w: ByteWindow, scanFrom: Int) -> Bool {
        switch w.first(triggers.detect, from: scanFrom, final: finished) {
        case .marker(let index, let at):
            let marker = triggers.detect.markers[index]
            if marker.tag == Triggers.reasoningEndTag {
                // The end marker came first: the output started inside reasoning.
                releaseReasoning(w, cursor..<at)
                cursor = at + marker.bytes.count
            }
            state = .text
            return true
        case .partial(let at):
            state = .detecting(scanFrom: at)
            return false
        case .none:
            if finished {
                state = .text
                return true
            }
            state = .detecting(scanFrom: w.end)
            return false
        }
    }

    private mutating func stepOptionalEnd(_ w: ByteWindow, syntax: Int, from: Int) -> Bool {
        let j = w.skipWhitespace(from: from)
        if j == w.end && !finished { return false }
        switch w.match(family.regionMarkers[syntax].ends, at: j, final: finished) {
        case .marker(let index, _)?:
            cursor = j + family.regionMarkers[syntax].ends.markers[index].bytes.count
        case .partial?:
            return false
        case .none?, nil:
            cursor = from
        }
        state = .text
        return true
    }

    /// Releases output text to content or reasoning, whichever the machine is in.
    mutating func release(_ w: ByteWindow, _ range: Range<Int>) {
        if inReasoning {
            releaseReasoning(w, range)
        } else {
            releaseContent(w, range)
        }
    }

    mutating func releaseContent(_ w: ByteWindow, _ range: Range<Int>) {
        let lower = max(range.lowerBound, prefixLength)
        guard lower < range.upperBound else { return }
        let output = content.append(w.p, (lower - w.base)..<(range.upperBound - w.base))
        if let prefix = output.prefix { out.append(.content(prefix)) }
        if let released = output.range { out.append(.content(text(w, released))) }
    }

    mutating func releaseReasoning(_ w: ByteWindow, _ range: Range<Int>) {
        let lower = max(range.lowerBound, prefixLength)
        guard lower < range.upperBound else { return }
        let output = reasoningText.append(w.p, (lower - w.base)..<(range.upperBound - w.base))
        if let prefix = output.prefix { out.append(.reasoning(prefix)) }
        if let released = output.range { out.append(.reasoning(text(w, released))) }
    }

    /// The text of `range` (offsets into the window's buffer): the chunk's own string when the range is
    /// the whole chunk (the usual case for streamed prose), a new string otherwise.
    func text(_ w: ByteWindow, _ range: Range<Int>) -> String {
        if let chunkText, range.lowerBound + w.base == chunkRange.lowerBound,
           range.upperBound + w.base == chunkRange.upperBound
        {
            return chunkText
        }
        return Bytes.string(w.p, range)
    }

    /// The first output offset the machine may still look at.
    private func neededFrom() -> Int {
        switch state {
        case .detecting: return cursor
        case .text: return cursor
        case .call: return min(cursor, call.regionStart)
        case .optionalEnd(_, let from): return from
        }
    }

    /// Drops released bytes from the front of the buffer: all of them when nothing is pending (so the
    /// next chunk is read in place), else once they are many, at amortized O(1) per byte.
    private mutating func compact() {
        let keepFrom = neededFrom()
        let drop = keepFrom - base
        if keepFrom >= base + buffer.count {
            buffer.removeAll(keepingCapacity: true)
            base += drop
            return
        }
        guard drop >= 4096, drop * 2 >= buffer.count else { return }
        buffer.removeFirst(drop)
        base = keepFrom
    }

    mutating func diagnose(_ kind: ParseDiagnostic.Kind, _ message: String, _ range: Range<Int>) {
        diagnostics.append(ParseDiagnostic(kind: kind, message: message, range: range))
    }
}
