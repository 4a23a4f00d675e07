import JSON

/// `[get_weather(city='Paris'), search(q="x")]` — Llama 3.2/4 pythonic, LFM2; or one call without the
/// list (`python.call(code="…")` after Llama 3.1's `<|python_tag|>`, with `name_suffix: ".call"`).
///
/// Arguments are Python literals (`True`, `None`, dicts, lists, tuples); the arguments text is the
/// compact JSON of the built object. In a list, a call that cannot be read (a bytes literal, a
/// positional argument) goes to content while its siblings are still returned.
struct PythonicBody: BodyKind {
    /// True for `[call, …]`, false for a single call.
    let list: Bool
    /// Removed from the end of the function name (and then required), e.g. `.call`.
    let nameSuffix: String?

    var kindName: String { "pythonic" }
    var extent: BodyExtent { .python }

    func recognize(_ body: UnsafeBufferPointer<UInt8>, final: Bool) -> Recognition {
        var i = Bytes.skipWhitespace(body, from: 0, to: body.count)
        if list {
            guard i < body.count else { return final ? .no : .needMore }
            guard body[i] == UInt8(ascii: "[") else { return .no }
            i = Bytes.skipWhitespace(body, from: i + 1, to: body.count)
        }
        guard i < body.count else { return final ? .no : .needMore }
        guard Bytes.isIdentifierStart(body[i]) else { return .no }
        let limit = min(body.count, i + 256)
        while i < limit, Bytes.isIdentifierByte(body[i]) || body[i] == UInt8(ascii: ".") { i += 1 }
        i = Bytes.skipWhitespace(body, from: i, to: limit)
        guard i < limit else { return final || limit < body.count ? .no : .needMore }
        return body[i] == UInt8(ascii: "(") ? .yes : .no
    }

    func parse(_ body: UnsafeBufferPointer<UInt8>, context: BodyContext) -> BodyParse {
        var reader = PythonLiteral.Reader(body, from: 0, to: body.count)
        if !list {
            do throws(PythonLiteral.SyntaxError) {
                let call = try reader.call()
                guard reader.atEnd() else { return .failed(reason: "text after the call", truncated: false) }
                guard let name = strippingSuffix(call.name) else {
                    return .failed(reason: "the function name does not end with '\(nameSuffix ?? "")'", truncated: false)
                }
                return .calls([BodyCall(name: name, arguments: JSONValue.object(call.arguments).serialized())],
                              rejected: [])
            } catch {
                return .failed(reason: error.reason, truncated: reader.i >= body.count)
            }
        }
        guard reader.peek() == UInt8(ascii: "[") else { return .failed(reason: "no '['", truncated: false) }
        reader.i += 1
        var calls: [BodyCall] = []
        var rejected: [RejectedPart] = []
        while true {
            guard let b = reader.peek() else { return .failed(reason: "the call list is cut off", truncated: true) }
            if b == UInt8(ascii: "]") {
                reader.i += 1
                break
            }
            let start = reader.i
            do throws(PythonLiteral.SyntaxError) {
                let call = try reader.call()
                if let name = strippingSuffix(call.name) {
                    calls.append(BodyCall(name: name, arguments: JSONValue.object(call.arguments).serialized()))
                } else {
                    rejected.append(RejectedPart(range: start..<reader.i, reason: "unexpected function name"))
                }
            } catch {
                // Skip the unreadable call by its brackets so the siblings can still be read.
                var scanner = PythonExtentScanner(from: start)
                guard case .complete(let end) = scanner.scan(body, to: body.count, final: true) else {
                    return .failed(reason: error.reason, truncated: false)
                }
                rejected.append(RejectedPart(range: start..<end, reason: error.reason))
                reader.i = end
            }
            guard let next = reader.peek() else { return .failed(reason: "the call list is cut off", truncated: true) }
            if next == UInt8(ascii: ",") {
                reader.i += 1
            } else if next != UInt8(ascii: "]") {
                return .failed(reason: "expected ',' or ']' after a call", truncated: false)
            }
        }
        guard reader.atEnd() else { return .failed(reason: "text after the call list", truncated: false) }
        return .calls(calls, rejected: rejected)
    }

    private func strippingSuffix(_ name: String) -> String? {
        guard let nameSuffix else { return name }
        guard name.hasSuffix(nameSuffix), name.count > nameSuffix.count else { return nil }
        return String(name.dropLast(nameSuffix.count))
    }
}
