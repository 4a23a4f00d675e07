import JSON

/// Which members of a JSON call object hold what (`{"name": …, "arguments": …}` for Hermes,
/// `{"tool_name": …, "parameters": …}` for Command R7B).
struct JSONCallKeys: Sendable, Equatable {
    var name: [String] = ["name"]
    var arguments: [String] = ["arguments", "parameters"]
    var id: [String] = ["id"]
    /// When true an object without an arguments member is not a call (vLLM's llama3_json rule, which
    /// keeps `{"name": "x"}` in prose from becoming a call).
    var argumentsRequired = false

    var nameBytes: [[UInt8]] { name.map { Array($0.utf8) } }
}

/// Reads a call out of a JSON object whose member spans a ``JSONExtentScanner`` recorded.
enum JSONCallObject {
    /// The call held by the members of one object, or why it is not a call.
    static func extract(_ p: UnsafeBufferPointer<UInt8>, members: some Collection<JSONExtentScanner.Member>,
                        keys: JSONCallKeys) -> Result<BodyCall, CallShapeError>
    {
        var nameRange: Range<Int>?
        var argumentsRange: Range<Int>?
        var argumentsRank = Int.max
        var idRange: Range<Int>?
        for member in members {
            guard let end = member.valueEnd else { continue }
            let value = member.valueStart..<end
            if nameRange == nil, keyMatches(p, member.key, keys.name) {
                nameRange = value
            } else if let rank = keyRank(p, member.key, keys.arguments), rank < argumentsRank {
                argumentsRange = value
                argumentsRank = rank
            } else if idRange == nil, keyMatches(p, member.key, keys.id) {
                idRange = value
            }
        }
        guard let nameRange else { return .failure(CallShapeError("no \"\(keys.name[0])\" member")) }
        guard let name = decodeString(p, nameRange), !name.isEmpty else {
            return .failure(CallShapeError("\"\(keys.name[0])\" is not a non-empty string"))
        }
        var arguments: String
        var note: String?
        if let argumentsRange {
            switch argumentsText(p, argumentsRange) {
            case .success(let value): (arguments, note) = value
            case .failure(let error): return .failure(error)
            }
        } else if keys.argumentsRequired {
            return .failure(CallShapeError("no \(keys.arguments.map { "\"\($0)\"" }.joined(separator: " or ")) member"))
        } else {
            arguments = "{}"
        }
        let id = idRange.flatMap { decodeString(p, $0) }
        return .success(BodyCall(name: name, arguments: arguments, id: id, note: note))
    }

    /// The arguments as JSON text: the model's own text for an object; for a string that holds exactly
    /// one JSON object (Granite style), that string's text; `{}` for null. Any other value (a bare string,
    /// a number, an array) is kept as the model's JSON text, with a note: the call is still a call (an
    /// agent can report bad arguments back to the model; a call hidden in content is lost to it).
    static func argumentsText(_ p: UnsafeBufferPointer<UInt8>,
                              _ range: Range<Int>) -> Result<(text: String, note: String?), CallShapeError>
    {
        guard !range.isEmpty else { return .success(("{}", nil)) }
        switch p[range.lowerBound] {
        case UInt8(ascii: "{"):
            return .success((Bytes.string(p, range), nil))
        case UInt8(ascii: "n"):
            return .success(("{}", nil))
        case UInt8(ascii: "\""):
            guard let inner = decodeString(p, range) else {
                return .failure(CallShapeError("arguments string is not valid"))
            }
            if case .object? = try? JSONParser().parse(inner) {
                return .success((inner.trimmingWhitespace(), nil))
            }
            return .success((Bytes.string(p, range), "arguments is a string that does not hold a JSON object"))
        default:
            return .success((Bytes.string(p, range), "arguments is not a JSON object"))
        }
    }

    /// Decodes a JSON string literal (quotes included in `range`).
    static func decodeString(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        guard range.count >= 2, p[range.lowerBound] == UInt8(ascii: "\"") else { return nil }
        let inner = (range.lowerBound + 1)..<(range.upperBound - 1)
        if !p[inner].contains(UInt8(ascii: "\\")) {
            return String(validating: UnsafeBufferPointer(rebasing: p[inner]), as: UTF8.self)
                ?? Bytes.string(p, inner)
        }
        guard case .string(let s)? = try? JSONParser().parse(bytes: UnsafeBufferPointer(rebasing: p[range])) else {
            return nil
        }
        return s
    }

    static func keyMatches(_ p: UnsafeBufferPointer<UInt8>, _ key: Range<Int>, _ names: [String]) -> Bool {
        keyRank(p, key, names) != nil
    }

    /// The position of the key in `names`, comparing bytes when the key has no escapes.
    static func keyRank(_ p: UnsafeBufferPointer<UInt8>, _ key: Range<Int>, _ names: [String]) -> Int? {
        guard key.count >= 2 else { return nil }
        let inner = UnsafeBufferPointer(rebasing: p[(key.lowerBound + 1)..<(key.upperBound - 1)])
        if inner.contains(UInt8(ascii: "\\")) {
            guard let decoded = decodeString(p, key) else { return nil }
            return names.firstIndex(of: decoded)
        }
        for (rank, name) in names.enumerated() where name.utf8.elementsEqual(inner) { return rank }
        return nil
    }
}

/// Why a JSON object is not a call.
struct CallShapeError: Error, Sendable, Equatable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
