import JSON

/// Python literal text of JSON values, for the constants of pythonic calls (`'celsius'`, `True`, `None`).
enum PythonText {
    /// What Python's `repr` prints for the value `json.loads` gives (strings in single quotes).
    static func repr(_ value: JSONValue) -> String {
        switch value {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .number(let n): return n.literal
        case .string(let s): return singleQuoted(s)
        case .array(let elements): return "[" + elements.map(repr).joined(separator: ", ") + "]"
        case .object(let object):
            return "{" + object.map { singleQuoted($0.key) + ": " + repr($0.value) }.joined(separator: ", ") + "}"
        }
    }

    static func singleQuoted(_ s: String) -> String {
        var out = "'"
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "'"
    }

    /// The string in double quotes when it needs no escape there, else nil.
    static func doubleQuoted(_ s: String) -> String? {
        guard !s.unicodeScalars.contains(where: { $0 == "\"" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F })
        else { return nil }
        return "\"" + s + "\""
    }

    /// Whether `name` can be a keyword argument (`name=value`) as the pythonic parser reads one: ASCII
    /// letters, digits and `_`, not starting with a digit (Python keywords such as `from` are read too).
    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || ("a"..."z").contains(first)
                || ("A"..."Z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        }
    }
}
