import JSON

/// Reads typed fields out of a JSON object and turns every type mistake into the OpenAI 400 that
/// names the parameter (`messages[2].content`), the way OpenAI's own API words it.
struct FieldReader {
    let object: JSONObject
    let path: String

    init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    func param(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value, or nil when absent or JSON null (OpenAI treats null as "not given").
    func value(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    func string(_ key: String) throws(OpenAIError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let s) = value else { throw .invalidType(param: param(key), expected: "a string", got: value) }
        return s
    }

    func requiredString(_ key: String) throws(OpenAIError) -> String {
        guard let s = try string(key) else { throw .missing(param: param(key)) }
        return s
    }

    func bool(_ key: String) throws(OpenAIError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let b) = value else { throw .invalidType(param: param(key), expected: "a boolean", got: value) }
        return b
    }

    func integer(_ key: String, range: ClosedRange<Int>? = nil) throws(OpenAIError) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .number(let n) = value, let i = n.intValue else {
            throw .invalidType(param: param(key), expected: "an integer", got: value)
        }
        if let range, !range.contains(i) {
            throw .invalidValue(param: param(key), "\(i) is not between \(range.lowerBound) and \(range.upperBound).")
        }
        return i
    }

    func number(_ key: String, range: ClosedRange<Double>? = nil) throws(OpenAIError) -> Double? {
        guard let value = value(key) else { return nil }
        guard case .number(let n) = value, n.doubleValue.isFinite else {
            throw .invalidType(param: param(key), expected: "a number", got: value)
        }
        let d = n.doubleValue
        if let range, !range.contains(d) {
            throw .invalidValue(param: param(key), "\(n.literal) is not between \(range.lowerBound) and \(range.upperBound).")
        }
        return d
    }

    func object(_ key: String) throws(OpenAIError) -> JSONObject? {
        guard let value = value(key) else { return nil }
        guard case .object(let o) = value else { throw .invalidType(param: param(key), expected: "an object", got: value) }
        return o
    }

    func array(_ key: String) throws(OpenAIError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case .array(let a) = value else { throw .invalidType(param: param(key), expected: "an array", got: value) }
        return a
    }

    /// `stop`-style fields: a string or an array of strings.
    func strings(_ key: String) throws(OpenAIError) -> [String]? {
        guard let value = value(key) else { return nil }
        switch value {
        case .string(let s): return [s]
        case .array(let items):
            var out: [String] = []
            for (i, item) in items.enumerated() {
                guard case .string(let s) = item else {
                    throw .invalidType(param: "\(param(key))[\(i)]", expected: "a string", got: item)
                }
                out.append(s)
            }
            return out
        default:
            throw .invalidType(param: param(key), expected: "a string or an array of strings", got: value)
        }
    }

    /// A reader for an element that must be an object (`messages[3]`).
    static func element(_ value: JSONValue, at path: String) throws(OpenAIError) -> FieldReader {
        guard case .object(let o) = value else { throw .invalidType(param: path, expected: "an object", got: value) }
        return FieldReader(o, path: path)
    }
}
