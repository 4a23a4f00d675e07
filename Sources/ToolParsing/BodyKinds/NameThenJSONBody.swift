/// `get_weather[ARGS]{"city": "Paris"}` after `[TOOL_CALLS]` — Mistral v11+ (`get_weather{…}` when
/// the `[ARGS]` token is not printed, `get_weather[CALL_ID]a1b2c3d4e[ARGS]{…}` with a call id, which
/// then becomes the call's id). The arguments text is the model's own text of the object.
struct NameThenJSONBody: BodyKind {
    let markers: NameThenJSONScanner.Markers

    var kindName: String { "name_then_json" }
    var extent: BodyExtent { .nameThenJSON(markers) }
    var eagerShape: EagerShape { .nameThenJSON }

    func recognize(_ body: UnsafeBufferPointer<UInt8>, final: Bool) -> Recognition {
        let i = Bytes.skipWhitespace(body, from: 0, to: body.count)
        if i == body.count { return final ? .no : .needMore }
        return NameThenJSONScanner.isNameByte(body[i]) ? .yes : .no
    }

    func parse(_ body: UnsafeBufferPointer<UInt8>, context: BodyContext) -> BodyParse {
        var scanner = NameThenJSONScanner(from: 0, markers: markers)
        switch scanner.scan(body, to: body.count, final: true) {
        case .needMore:
            let reason = scanner.argumentsStart == nil ? "a function name without arguments" : "the JSON is cut off"
            return .failed(reason: reason, truncated: true)
        case .failed(let at):
            return .failed(reason: "unexpected byte at \(at) of the call body", truncated: false)
        case .complete(let end):
            guard Bytes.isAllWhitespace(body, end..<body.count) else {
                return .failed(reason: "text after the arguments object", truncated: false)
            }
            guard let nameRange = scanner.nameRange, let start = scanner.argumentsStart else {
                return .failed(reason: "no function name", truncated: false)
            }
            let id = scanner.idRange.flatMap { $0.isEmpty ? nil : Bytes.string(body, $0) }
            return .calls([BodyCall(name: Bytes.string(body, nameRange), arguments: Bytes.string(body, start..<end),
                                    id: id)], rejected: [])
        }
    }
}
