public import JSON

/// A parser family: how one group of models writes tool calls, loaded from a definition file in
/// `parsers/`. The same definition drives whole-text parsing, streaming parsing (``StreamingParser``)
/// and writing calls back as text (``render(calls:)``).
public struct Family: Sendable {
    /// The name used everywhere: file stem, `--parser` value, vectors file stem.
    public let name: String
    public let aliases: [String]
    /// Where the definition came from (a file path).
    public let source: String
    /// The family's exact wire format, as its file documents it.
    public let format: String
    /// The family's reasoning markers, if its models think out loud.
    public let reasoning: ReasoningMarkers?
    public let idStyle: ToolCallIDStyle

    let syntaxes: [CallSyntax]
    let renderTemplate: RenderTemplate
    let prefillAny: TextTemplate?
    let prefillNamed: TextTemplate?
    let toolPromptTemplate: TextTemplate?
    let toolResultTemplate: TextTemplate?
    let extraStops: [String]
    /// Markers that are structure, not text (`<|tool_calls_section_begin|>`): dropped outside calls.
    let dropped: [String]
    /// Whether a call to a tool the request did not offer is text rather than a call (with a diagnostic
    /// either way).
    let unknownToolsAreText: Bool
    /// Start markers of strict (non-tentative) syntaxes: any of them ends a call that lacks its end marker.
    let strictStarts: MarkerSet
    let defaultTriggers: Triggers
    /// Per syntax: markers that close a call region (see ``RegionMarkers``).
    let regionMarkers: [RegionMarkers]

    init(name: String, aliases: [String], source: String, format: String, reasoning: ReasoningMarkers?,
         idStyle: ToolCallIDStyle, syntaxes: [CallSyntax], render: RenderTemplate, prefillAny: TextTemplate?,
         prefillNamed: TextTemplate?, toolPrompt: TextTemplate?, toolResult: TextTemplate?, extraStops: [String],
         dropped: [String] = [], unknownToolsAreText: Bool = false)
    {
        self.name = name
        self.aliases = aliases
        self.source = source
        self.format = format
        self.reasoning = reasoning
        self.idStyle = idStyle
        self.syntaxes = syntaxes
        self.renderTemplate = render
        self.prefillAny = prefillAny
        self.prefillNamed = prefillNamed
        self.toolPromptTemplate = toolPrompt
        self.toolResultTemplate = toolResult
        self.extraStops = extraStops
        self.dropped = dropped
        self.unknownToolsAreText = unknownToolsAreText
        var strict: [MarkerSet.Marker] = []
        for (index, syntax) in syntaxes.enumerated() where !syntax.tentative {
            strict += syntax.starts.map { MarkerSet.Marker(bytes: $0, tag: index) }
        }
        strictStarts = MarkerSet(strict)
        defaultTriggers = Triggers(syntaxes: syntaxes, reasoning: reasoning, dropped: dropped)
        regionMarkers = syntaxes.map { RegionMarkers(syntax: $0, strictStarts: strict) }
    }

    /// The body kinds the family uses, for listings.
    public var bodyKindNames: [String] {
        var names: [String] = []
        for syntax in syntaxes {
            for body in syntax.bodies where !names.contains(body.kindName) { names.append(body.kindName) }
        }
        return names
    }

    /// Parses a whole output: the streaming machine fed one chunk, then finished.
    public func parse(_ text: String, options: ParserOptions = ParserOptions()) -> ParsedMessage {
        var parser = StreamingParser(family: self, options: options)
        var accumulator = DeltaAccumulator()
        accumulator.apply(parser.feed(text))
        accumulator.apply(parser.finish())
        return accumulator.message(from: parser)
    }

    /// `calls` written the way a model of this family writes them; used to rebuild an assistant turn
    /// whose raw text is not in the call table. `arguments` is JSON text of an object.
    public func render(calls: [(name: String, arguments: String)]) -> String {
        renderTemplate.render(calls.map { ($0.name, $0.arguments, nil) })
    }

    /// `render(calls:)` with call ids, for formats that print them (`{id}` in the template).
    public func render(calls: [(name: String, arguments: String, id: String?)]) -> String {
        renderTemplate.render(calls)
    }

    /// Text to append to the prompt so the model's continuation starts inside a call: any call (`tool_choice:
    /// required`) when `functionName` is nil, that function's call otherwise. Nil when the family cannot
    /// be prefilled that way. Start a ``StreamingParser`` with the same text as `ParserOptions.prefill`.
    public func prefill(functionName: String?) -> String? {
        guard let functionName else { return prefillAny?.render { _, _ in "" } }
        return prefillNamed?.render { _, _ in functionName }
    }

    /// Strings that end a call: a backend stop on one of these ends the output after the first call
    /// (`parallel_tool_calls: false`); the parser accepts the call without its end marker. Only strict
    /// syntaxes' end markers: a tentative syntax's end (a code fence) also ends ordinary text.
    public var stopStrings: [String] {
        var stops: [String] = []
        for syntax in syntaxes where !syntax.tentative {
            for end in syntax.ends {
                let text = String(decoding: end, as: UTF8.self)
                if !stops.contains(text) { stops.append(text) }
            }
        }
        for stop in extraStops where !stops.contains(stop) { stops.append(stop) }
        return stops
    }

    /// The special tokens the parser must see in the output (strict syntaxes' start and end markers,
    /// reasoning markers, dropped markers): backends that strip special tokens (llama.cpp) are asked to
    /// keep these.
    public var markerTokens: [String] {
        var tokens: [String] = []
        func add(_ bytes: [UInt8]) {
            let text = String(decoding: bytes, as: UTF8.self)
            if !text.isEmpty, !tokens.contains(text) { tokens.append(text) }
        }
        for syntax in syntaxes where !syntax.tentative {
            syntax.starts.forEach(add)
            syntax.ends.forEach(add)
        }
        if let reasoning { [reasoning.start, reasoning.end].forEach { add(Array($0.utf8)) } }
        dropped.forEach { add(Array($0.utf8)) }
        extraStops.forEach { add(Array($0.utf8)) }
        return tokens
    }

    /// The system-prompt text that teaches a model whose chat template cannot render tools the tools
    /// (their JSON) and the call format; nil when the family has none.
    public func toolPrompt(tools: JSONValue) -> String? {
        guard let toolPromptTemplate else { return nil }
        let spaced = JSONFormat(itemSeparator: ", ", keySeparator: ": ")
        let list = (tools.arrayValue ?? []).map { $0.serialized(spaced) }
        // `{tools}`: one tool per line; `{tools:array}`: one JSON array.
        return toolPromptTemplate.render { _, format in
            format == "array" ? JSONValue.array(tools.arrayValue ?? []).serialized(spaced) : list.joined(separator: "\n")
        }
    }

    /// A tool result written the way the family's models expect it, for templates that cannot render
    /// tool messages; nil when the family has none.
    public func toolResult(content: String, name: String?, id: String?) -> String? {
        toolResultTemplate?.render { slot, _ in
            switch slot {
            case "name": return name ?? ""
            case "id": return id ?? ""
            default: return content
            }
        }
    }
}

/// The markers the machine looks for outside calls, for one reasoning configuration.
final class Triggers: Sendable {
    static let reasoningStartTag = -1
    static let reasoningEndTag = -2
    static let droppedTag = -3

    /// Call start markers (tag = syntax index) and the reasoning start marker.
    let text: MarkerSet
    /// The reasoning end marker, looked for inside reasoning.
    let reasoningEnd: MarkerSet
    /// Both reasoning markers, for `ReasoningStart.detect`.
    let detect: MarkerSet
    let reasoning: ReasoningMarkers?

    init(syntaxes: [CallSyntax], reasoning: ReasoningMarkers?, dropped: [String] = []) {
        var text: [MarkerSet.Marker] = []
        for (index, syntax) in syntaxes.enumerated() {
            text += syntax.starts.map { MarkerSet.Marker(bytes: $0, tag: index) }
        }
        text += dropped.map { MarkerSet.Marker(bytes: Array($0.utf8), tag: Triggers.droppedTag) }
        var end: [MarkerSet.Marker] = []
        var detect: [MarkerSet.Marker] = []
        if let reasoning {
            let start = MarkerSet.Marker(bytes: Array(reasoning.start.utf8), tag: Triggers.reasoningStartTag)
            let stop = MarkerSet.Marker(bytes: Array(reasoning.end.utf8), tag: Triggers.reasoningEndTag)
            text.append(start)
            end.append(stop)
            detect = [start, stop]
        }
        self.text = MarkerSet(text)
        reasoningEnd = MarkerSet(end)
        self.detect = MarkerSet(detect)
        self.reasoning = reasoning
    }
}

/// The markers that can close one syntax's call region, tagged by what they mean.
final class RegionMarkers: Sendable {
    static let closingTag = 0
    static let end = 1
    static let nextCall = 2

    /// The syntax's end markers.
    let ends: MarkerSet
    /// End markers and the start markers of strict syntaxes (a new call ends one missing its end marker).
    let endOrNextCall: MarkerSet
    /// Per body alternative with a `closingTag` extent: that tag, end markers and next-call starts.
    let closing: [MarkerSet?]

    init(syntax: CallSyntax, strictStarts: [MarkerSet.Marker]) {
        let ends = syntax.ends.map { MarkerSet.Marker(bytes: $0, tag: RegionMarkers.end) }
        let next = strictStarts.map { MarkerSet.Marker(bytes: $0.bytes, tag: RegionMarkers.nextCall) }
        self.ends = MarkerSet(ends)
        endOrNextCall = MarkerSet(ends + next)
        closing = syntax.bodies.map { body in
            guard case .closingTag(let tag) = body.extent else { return nil }
            return MarkerSet([MarkerSet.Marker(bytes: tag, tag: RegionMarkers.closingTag)] + ends + next)
        }
    }
}
