import JSON

/// `NAME<arg_key>KEY</arg_key><arg_value>VALUE</arg_value>…` inside `<tool_call>` — GLM 4.5 / 4.6 / 4.7
/// (with or without newlines between the parts). Values are raw text typed by the tool's JSON schema
/// (``SchemaTyping``), kept exactly as written; the arguments text is the compact JSON of the typed object.
struct ArgTagsBody: BodyKind {
    struct Tags: Sendable {
        var keyOpen = Array("<arg_key>".utf8)
        var keyClose = Array("</arg_key>".utf8)
        var valueOpen = Array("<arg_value>".utf8)
        var valueClose = Array("</arg_value>".utf8)
    }

    let tags: Tags

    var kindName: String { "arg_tags" }
    var extent: BodyExtent { .endMarker }

    func recognize(_ body: UnsafeBufferPointer<UInt8>, final: Bool) -> Recognition {
        let i = Bytes.skipWhitespace(body, from: 0, to: body.count)
        if i == body.count { return final ? .no : .needMore }
        return NameThenJSONScanner.isNameByte(body[i]) ? .yes : .no
    }

    func parse(_ body: UnsafeBufferPointer<UInt8>, context: BodyContext) -> BodyParse {
        let firstKey = Bytes.find(tags.keyOpen, in: body, from: 0, to: body.count) ?? body.count
        let nameRange = Self.trimmedSeparators(body, 0..<firstKey)
        guard !nameRange.isEmpty, !body[nameRange].contains(where: { $0 == UInt8(ascii: "<") || Bytes.isWhitespace($0) })
        else { return .failed(reason: "no function name before the arguments", truncated: false) }
        let name = Bytes.string(body, nameRange)
        var arguments = JSONObject()
        var i = firstKey
        while true {
            i = Self.trimmedSeparators(body, i..<body.count).lowerBound
            if i == body.count { break }
            guard Bytes.matches(body, at: i, end: body.count, tags.keyOpen) else {
                return .failed(reason: "unexpected text between arguments", truncated: false)
            }
            let keyStart = i + tags.keyOpen.count
            guard let keyEnd = Bytes.find(tags.keyClose, in: body, from: keyStart, to: body.count) else {
                return .failed(reason: "an argument key is not closed", truncated: !context.closedByEndMarker)
            }
            let key = Bytes.string(body, Bytes.trimmed(body, keyStart..<keyEnd))
            i = Self.trimmedSeparators(body, (keyEnd + tags.keyClose.count)..<body.count).lowerBound
            guard Bytes.matches(body, at: i, end: body.count, tags.valueOpen) else {
                return .failed(reason: "the key '\(key)' has no value", truncated: i == body.count)
            }
            let valueStart = i + tags.valueOpen.count
            guard let valueEnd = Bytes.find(tags.valueClose, in: body, from: valueStart, to: body.count) else {
                return .failed(reason: "the value of '\(key)' is not closed", truncated: !context.closedByEndMarker)
            }
            let raw = Bytes.string(body, valueStart..<valueEnd)
            arguments[key] = SchemaTyping.convert(raw, schema: context.tools.parameterSchema(tool: name, parameter: key))
            i = valueEnd + tags.valueClose.count
        }
        return .calls([BodyCall(name: name, arguments: JSONValue.object(arguments).serialized())], rejected: [])
    }

    /// `range` without whitespace and without the two characters `\n`, which GLM 4.6 sometimes writes for
    /// a newline between the parts.
    static func trimmedSeparators(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while true {
            let before = (lower, upper)
            let trimmed = Bytes.trimmed(p, lower..<upper)
            (lower, upper) = (trimmed.lowerBound, trimmed.upperBound)
            if upper - lower >= 2, p[lower] == UInt8(ascii: "\\"), p[lower + 1] == UInt8(ascii: "n") { lower += 2 }
            if upper - lower >= 2, p[upper - 2] == UInt8(ascii: "\\"), p[upper - 1] == UInt8(ascii: "n") { upper -= 2 }
            if before == (lower, upper) { return lower..<upper }
        }
    }
}
