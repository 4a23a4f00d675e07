public import JSON

/// Turns the raw text of an untyped parameter value into a JSON value using the parameter's JSON schema,
/// the way llama.cpp and vLLM type Qwen3-Coder parameters.
///
/// A value stays a string when the schema allows only strings or is unknown. Otherwise the non-string
/// types are tried (integer, number, boolean, object, array; `null` only when the schema allows it);
/// the first that reads the text wins, and the text stays a string when none does — nothing is lost.
public enum SchemaTyping {
    /// A JSON type a schema allows.
    public enum Kind: Hashable, Sendable {
        case string, integer, number, boolean, object, array, null
    }

    static func convert(_ raw: String, schema: JSONValue?) -> JSONValue {
        let kinds = allowedKinds(schema)
        if kinds.isEmpty || kinds == [.string] { return .string(raw) }
        let text = raw.trimmingWhitespace()
        if kinds.contains(.null), text == "null" { return .null }
        if kinds.contains(.integer) || kinds.contains(.number), let number = JSONNumber(literal: text) {
            if kinds.contains(.number) || number.isInteger || !kinds.contains(.string) { return .number(number) }
        }
        if kinds.contains(.number), let number = pythonFloat(text) { return .number(number) }
        if kinds.contains(.boolean) {
            switch text.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: break
            }
        }
        if kinds.contains(.object) || kinds.contains(.array) {
            let parsed = (try? JSONParser().parse(text)) ?? PythonLiteral.parse(text) ?? unescapedJSON(text)
            switch parsed {
            case .object? where kinds.contains(.object): return parsed ?? .string(raw)
            case .array? where kinds.contains(.array): return parsed ?? .string(raw)
            default: break
            }
        }
        return .string(raw)
    }

    /// JSON written with one level of string escaping (`[{\"id\": 1}]`, as GLM 4.6 sometimes writes it),
    /// read as the JSON text it escapes.
    private static func unescapedJSON(_ text: String) -> JSONValue? {
        guard text.contains("\\\""), case .string(let inner)? = try? JSONParser().parse("\"" + text + "\"") else {
            return nil
        }
        return try? JSONParser().parse(inner)
    }

    /// The JSON types a schema allows: `type` (a name or a list), `anyOf`/`oneOf` branches, or the
    /// values of an `enum` without a type. Empty when nothing is known.
    public static func allowedKinds(_ schema: JSONValue?) -> Set<Kind> {
        guard let schema else { return [] }
        var kinds = Set<Kind>()
        switch schema["type"] {
        case .string(let name)?:
            if let kind = kind(named: name) { kinds.insert(kind) }
        case .array(let names)?:
            for case .string(let name) in names { if let kind = kind(named: name) { kinds.insert(kind) } }
        default:
            break
        }
        for key in ["anyOf", "oneOf"] {
            for branch in schema[key]?.arrayValue ?? [] { kinds.formUnion(allowedKinds(branch)) }
        }
        if kinds.isEmpty, let values = schema["enum"]?.arrayValue {
            for value in values {
                switch value {
                case .string: kinds.insert(.string)
                case .number(let n): kinds.insert(n.isInteger ? .integer : .number)
                case .bool: kinds.insert(.boolean)
                case .null: kinds.insert(.null)
                case .array: kinds.insert(.array)
                case .object: kinds.insert(.object)
                }
            }
        }
        if kinds.isEmpty, schema["properties"] != nil { kinds.insert(.object) }
        return kinds
    }

    /// Schema type names, with the non-standard spellings models' tool definitions use.
    public static func kind(named name: String) -> Kind? {
        switch name.lowercased() {
        case "string", "str", "text": return .string
        case "integer", "int": return .integer
        case "number", "float", "double": return .number
        case "boolean", "bool": return .boolean
        case "object", "dict": return .object
        case "array", "list": return .array
        case "null", "none": return .null
        default: return nil
        }
    }

    /// A float Python's `float()` reads but JSON does not (`1.`, `.5`, `+2`), as a JSON number.
    private static func pythonFloat(_ text: String) -> JSONNumber? {
        guard !text.isEmpty, text.allSatisfy({ "0123456789.eE+-".contains($0) }),
              let value = Double(text), value.isFinite else { return nil }
        return JSONNumber(value)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var bytes = Array(utf8)
        let range = bytes.withUnsafeMutableBufferPointer { Bytes.trimmed(UnsafeBufferPointer($0), 0..<$0.count) }
        if range.count == bytes.count { return self }
        bytes = Array(bytes[range])
        return String(decoding: bytes, as: UTF8.self)
    }
}
