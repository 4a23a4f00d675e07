import JSON

/// `<function=NAME><parameter=KEY>VALUE</parameter>…</function>` — Qwen3-Coder (inside `<tool_call>`),
/// Seed-OSS (inside `<seed:tool_call>`).
///
/// Values are raw text typed by the tool's JSON schema (``SchemaTyping``). With `trim: "newline"` one
/// structural newline after `<parameter=KEY>` and one before the closing tag are removed, nothing more
/// (indentation and a value's own trailing newline survive). A parameter without its closing tag ends
/// at the next `<parameter=` or `</function>`. The arguments text is the compact JSON of the typed
/// object, keys in the order written.
struct XMLParametersBody: BodyKind {
    struct Tags: Sendable {
        var functionOpen = Array("<function=".utf8)
        var functionClose = Array("</function>".utf8)
        var parameterOpen = Array("<parameter=".utf8)
        var parameterClose = Array("</parameter>".utf8)
        /// Closes the name in `<function=NAME>` and the key in `<parameter=KEY>`.
        var nameEnd = UInt8(ascii: ">")
    }

    enum Trim: String, Sendable {
        case newline
        case none
    }

    let tags: Tags
    let trim: Trim
    /// Finds whichever of `</parameter>`, `<parameter=`, `</function>` comes first.
    private let valueEnds: MarkerSet

    init(tags: Tags = Tags(), trim: Trim = .newline) {
        self.tags = tags
        self.trim = trim
        valueEnds = MarkerSet([.init(bytes: tags.parameterClose, tag: 0), .init(bytes: tags.parameterOpen, tag: 1),
                               .init(bytes: tags.functionClose, tag: 2)])
    }

    var kindName: String { "xml_parameters" }
    var extent: BodyExtent { .closingTag(tags.functionClose) }
    var eagerShape: EagerShape { .xmlParameters }

    func recognize(_ body: UnsafeBufferPointer<UInt8>, final: Bool) -> Recognition {
        let i = Bytes.skipWhitespace(body, from: 0, to: body.count)
        switch Bytes.compare(body, at: i, end: body.count, tags.functionOpen) {
        case .full: return .yes
        case .partial: return final ? .no : .needMore
        case .none: return .no
        }
    }

    func parse(_ body: UnsafeBufferPointer<UInt8>, context: BodyContext) -> BodyParse {
        let name: String
        var i: Int
        switch header(body, end: body.count, final: true) {
        case .needMore, .parameter, .end: return .failed(reason: "no <function=NAME> header", truncated: true)
        case .failed(let reason): return .failed(reason: reason, truncated: false)
        case .header(let n, let next):
            name = n
            i = next
        }
        var arguments = JSONObject()
        while true {
            switch step(body, from: i, end: body.count, final: true, closed: context.closedByEndMarker,
                        tool: name, tools: context.tools)
            {
            case .parameter(let key, let value, let next):
                arguments[key] = value
                i = next
            case .end(let next):
                guard Bytes.isAllWhitespace(body, next..<body.count) else {
                    return .failed(reason: "text after </function>", truncated: false)
                }
                return .calls([BodyCall(name: name, arguments: JSONValue.object(arguments).serialized(.compact))],
                              rejected: [])
            case .needMore:
                return .failed(reason: "the function body is cut off", truncated: true)
            case .failed(let reason):
                return .failed(reason: reason, truncated: false)
            case .header:
                return .failed(reason: "unexpected header", truncated: false)
            }
        }
    }

    enum Step: Equatable {
        case header(name: String, next: Int)
        case parameter(key: String, value: JSONValue, next: Int)
        /// `</function>` (or the end of a body closed by the syntax's end marker).
        case end(next: Int)
        /// More bytes are needed; a value's end was looked for up to `valueSearchFrom` (pass it back so a
        /// long value streamed in pieces is read once).
        case needMore(valueSearchFrom: Int?)
        case failed(String)
    }

    /// Reads `<function=NAME>` at the start of `p[..<end]`.
    func header(_ p: UnsafeBufferPointer<UInt8>, end: Int, final: Bool) -> Step {
        let i = Bytes.skipWhitespace(p, from: 0, to: end)
        switch Bytes.compare(p, at: i, end: end, tags.functionOpen) {
        case .none: return .failed("no \(String(decoding: tags.functionOpen, as: UTF8.self)) header")
        case .partial: return final ? .failed("the function header is cut off") : .needMore(valueSearchFrom: nil)
        case .full: break
        }
        switch tagName(p, from: i + tags.functionOpen.count, end: end, final: final) {
        case .success(let (name, next))?: return .header(name: name, next: next)
        case .failure(let error)?: return .failed(error.reason)
        case nil: return .needMore(valueSearchFrom: nil)
        }
    }

    /// Reads the next parameter (or the function's end) from `from`.
    func step(_ p: UnsafeBufferPointer<UInt8>, from: Int, end: Int, final: Bool, closed: Bool,
              tool: String, tools: ToolSchemas, valueSearchFrom: Int? = nil) -> Step
    {
        let i = Bytes.skipWhitespace(p, from: from, to: end)
        if i == end {
            if final { return closed ? .end(next: end) : .failed("</function> is missing") }
            return .needMore(valueSearchFrom: nil)
        }
        if case .full = Bytes.compare(p, at: i, end: end, tags.functionClose) {
            return .end(next: i + tags.functionClose.count)
        }
        switch Bytes.compare(p, at: i, end: end, tags.parameterOpen) {
        case .none:
            if case .partial = Bytes.compare(p, at: i, end: end, tags.functionClose), !final { return .needMore(valueSearchFrom: nil) }
            return .failed("unexpected text between parameters")
        case .partial:
            return final ? .failed("a parameter tag is cut off") : .needMore(valueSearchFrom: nil)
        case .full:
            break
        }
        let key: String
        let valueStart: Int
        switch tagName(p, from: i + tags.parameterOpen.count, end: end, final: final) {
        case .success(let (k, next))?: (key, valueStart) = (k, next)
        case .failure(let error)?: return .failed(error.reason)
        case nil: return .needMore(valueSearchFrom: nil)
        }
        let valueEnd: Int
        let next: Int
        switch valueEnds.first(in: p, from: max(valueStart, valueSearchFrom ?? valueStart), to: end, final: final) {
        case .marker(let index, let at):
            valueEnd = at
            next = valueEnds.markers[index].tag == 0 ? at + tags.parameterClose.count : at
        case .partial(let at) where !final:
            return .needMore(valueSearchFrom: at)
        case .partial, .none:
            guard final else { return .needMore(valueSearchFrom: end) }
            guard closed else { return .failed("the value of '\(key)' is cut off") }
            (valueEnd, next) = (end, end)
        }
        var range = valueStart..<valueEnd
        if trim == .newline {
            if !range.isEmpty, p[range.lowerBound] == 0x0A { range = (range.lowerBound + 1)..<range.upperBound }
            if !range.isEmpty, p[range.upperBound - 1] == 0x0A { range = range.lowerBound..<(range.upperBound - 1) }
        }
        let raw = Bytes.string(p, range)
        let value = SchemaTyping.convert(raw, schema: tools.parameterSchema(tool: tool, parameter: key))
        return .parameter(key: key, value: value, next: next)
    }

    /// The text up to `>` in `<function=NAME>` / `<parameter=KEY>`: nil when `>` has not arrived yet.
    private func tagName(_ p: UnsafeBufferPointer<UInt8>, from: Int, end: Int,
                         final: Bool) -> Result<(String, Int), TagError>?
    {
        var j = from
        while j < end, p[j] != tags.nameEnd {
            if p[j] == 0x0A || p[j] == UInt8(ascii: "<") { return .failure(TagError("a tag name is not closed by '>'")) }
            j += 1
        }
        guard j < end else { return final ? .failure(TagError("a tag name is cut off")) : nil }
        let range = Bytes.trimmed(p, from..<j)
        guard !range.isEmpty else { return .failure(TagError("an empty tag name")) }
        return .success((Bytes.string(p, range), j + 1))
    }
}

struct TagError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
