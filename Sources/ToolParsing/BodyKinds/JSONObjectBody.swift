/// `{"name": "get_weather", "arguments": {"city": "Paris"}}` — Hermes, Qwen 2.5/3, Llama 3 JSON.
///
/// The arguments text is the model's own text of the arguments value; a string holding an object
/// (Granite style) is decoded once; a missing arguments member means `{}` unless the keys say it is
/// required.
struct JSONObjectBody: BodyKind {
    let keys: JSONCallKeys

    var kindName: String { "json_object" }
    var extent: BodyExtent { .json(.object) }
    var eagerShape: EagerShape { .jsonCalls(keys: keys, depth: 1) }

    func recognize(_ body: UnsafeBufferPointer<UInt8>, final: Bool) -> Recognition {
        let i = Bytes.skipWhitespace(body, from: 0, to: body.count)
        if i == body.count { return final ? .no : .needMore }
        return body[i] == UInt8(ascii: "{") ? .yes : .no
    }

    func parse(_ body: UnsafeBufferPointer<UInt8>, context: BodyContext) -> BodyParse {
        var scanner = JSONExtentScanner(from: 0, top: .object, memberDepth: 1)
        switch JSONBodyScan.complete(&scanner, body) {
        case .failure(let failure): return failure.parse
        case .success:
            switch JSONCallObject.extract(body, members: scanner.members, keys: keys) {
            case .success(let call): return .calls([call], rejected: [])
            case .failure(let error): return .failed(reason: error.reason, truncated: false)
            }
        }
    }
}

/// Runs a scanner over a complete body and turns its verdict into a parse failure when it is not one
/// JSON value with only whitespace around it.
enum JSONBodyScan {
    static func complete(_ scanner: inout JSONExtentScanner,
                         _ body: UnsafeBufferPointer<UInt8>) -> Result<Int, BodyParseFailure>
    {
        switch scanner.scan(body, to: body.count) {
        case .needMore:
            return .failure(BodyParseFailure(.failed(reason: "the JSON is cut off", truncated: true)))
        case .failed(let at):
            return .failure(BodyParseFailure(.failed(reason: "invalid JSON at byte \(at) of the call body",
                                                     truncated: false)))
        case .complete(let end):
            guard Bytes.isAllWhitespace(body, end..<body.count) else {
                return .failure(BodyParseFailure(.failed(reason: "text after the JSON value", truncated: false)))
            }
            return .success(end)
        }
    }
}

/// A `BodyParse.failed` carried through a `Result`.
struct BodyParseFailure: Error {
    let parse: BodyParse
    init(_ parse: BodyParse) { self.parse = parse }
}
