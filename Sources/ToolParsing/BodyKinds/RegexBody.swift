import JSON

/// A call described by a user's PCRE2 pattern, matched against the whole call text (start and end
/// markers included): named groups `name` and `arguments` (JSON text of an object; empty or absent
/// means `{}`), or one group `call` holding a JSON object with `name` and `arguments`/`parameters`; an
/// optional group `id` supplies the call id. This is what a definition with only `start`, `end`,
/// `pattern` and `render` gets.
struct RegexBody: BodyKind {
    let regex: PCRE2Regex
    let keys: JSONCallKeys

    var kindName: String { "regex" }
    var extent: BodyExtent { .endMarker }
    var parsesWholeRegion: Bool { true }

    func recognize(_ body: UnsafeBufferPointer<UInt8>, final: Bool) -> Recognition { .yes }

    func parse(_ region: UnsafeBufferPointer<UInt8>, context: BodyContext) -> BodyParse {
        guard let match = regex.firstMatch(in: region) else {
            return .failed(reason: "the pattern does not match the call text", truncated: false)
        }
        let id = match.range(of: "id").map { Bytes.string(region, Bytes.trimmed(region, $0)) }
        if let callRange = match.range(of: "call") {
            let range = Bytes.trimmed(region, callRange)
            let object = UnsafeBufferPointer(rebasing: region[range])
            var scanner = JSONExtentScanner(from: 0, top: .object, memberDepth: 1)
            if case .failure(let failure) = JSONBodyScan.complete(&scanner, object) { return failure.parse }
            switch JSONCallObject.extract(object, members: scanner.members, keys: keys) {
            case .success(var call):
                if let id { call.id = id }
                return .calls([call], rejected: [])
            case .failure(let error):
                return .failed(reason: error.reason, truncated: false)
            }
        }
        guard let nameRange = match.range(of: "name") else {
            return .failed(reason: "the pattern matched without a 'name' group", truncated: false)
        }
        let name = Bytes.string(region, Bytes.trimmed(region, nameRange))
        guard !name.isEmpty else { return .failed(reason: "an empty function name", truncated: false) }
        var arguments = "{}"
        var note: String?
        if let argumentsRange = match.range(of: "arguments") {
            switch Self.argumentsText(region, Bytes.trimmed(region, argumentsRange)) {
            case .success(let value): (arguments, note) = value
            case .failure(let error): return .failed(reason: error.reason, truncated: false)
            }
        }
        return .calls([BodyCall(name: name, arguments: arguments, id: id, note: note)], rejected: [])
    }

    /// The arguments group as JSON text of an object: it must hold exactly one JSON value.
    static func argumentsText(_ p: UnsafeBufferPointer<UInt8>,
                              _ range: Range<Int>) -> Result<(text: String, note: String?), CallShapeError>
    {
        if range.isEmpty { return .success(("{}", nil)) }
        guard (try? JSONParser().parse(bytes: UnsafeBufferPointer(rebasing: p[range]))) != nil else {
            return .failure(CallShapeError("arguments are not one JSON value"))
        }
        return JSONCallObject.argumentsText(p, range)
    }
}
