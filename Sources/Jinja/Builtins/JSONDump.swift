import JSON

/// Python's `json.dumps(value, ensure_ascii, indent, separators, sort_keys)` over template values: key order
/// kept, Python float repr, tuples as arrays, and the TypeError Python raises for what JSON cannot hold.
struct JSONDump {
    var ensureASCII = false
    /// The indentation unit (`indent=4` → four spaces, `indent="\t"` → a tab); nil keeps everything on one line.
    var indent: String? = nil
    var itemSeparator = ", "
    var keySeparator = ": "
    var sortKeys = false

    /// The byte writer for these settings (the default one is made once).
    private var writer: Writer {
        if indent == nil && itemSeparator == ", " && keySeparator == ": " { return Writer.standard }
        return Writer(self)
    }

    func dumps(_ value: Value) throws(JinjaError) -> String {
        var out = ByteBuffer(capacity: 1024)
        try dump(value, to: &out)
        return out.string()
    }

    /// Appends the JSON text of `value` to `out`.
    func dump(_ value: Value, to out: inout ByteBuffer) throws(JinjaError) {
        switch value {
        case .jsonArray(let a) where !sortKeys && !ensureASCII:
            try writer.writeFast(json: .array(a), to: &out, level: 0)
        case .jsonObject(let o) where !sortKeys && !ensureASCII:
            try writer.writeFast(json: .object(o), to: &out, level: 0)
        default:
            try write(value, to: &out, level: 0)
        }
    }

    private func newline(_ out: inout ByteBuffer, level: Int) {
        guard let indent else { return }
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<level { out.append(indent) }
    }

    private func write(_ value: Value, to out: inout ByteBuffer, level: Int) throws(JinjaError) {
        guard level < Value.maxReprDepth, level & 15 != 15 || StackGuard.hasRoom() else {
            throw JinjaError(.recursion, "maximum recursion depth exceeded while encoding a JSON object")
        }
        switch value {
        case .none: out.append("null")
        case .bool(let b): out.append((b ? "true" : "false"))
        case .int(let i): out.append(String(i))
        case .bigInt(let s): out.append(s)
        case .float(let d): out.append(JSONNumber.pythonRepr(d))
        case .string(let s), .markup(let s):
            if ensureASCII { writeString(s, to: &out) } else { Writer.appendQuoted(s, to: &out) }
        case .list(let a), .tuple(let a):
            try writeArray(a.count, to: &out, level: level) { (i, out) throws(JinjaError) in
                try write(a[i], to: &out, level: level + 1)
            }
        case .jsonArray(let a):
            if sortKeys || ensureASCII {
                try write(json: .array(a), to: &out, level: level)
            } else {
                try writer.writeFast(json: .array(a), to: &out, level: level)
            }
        case .dict(let d):
            var entries: [(key: String, value: Value)] = []
            for entry in d.entries { entries.append((try key(entry.key), entry.value)) }
            if sortKeys { entries = try sortedEntries(d.entries, entries) }
            try writeObject(entries.count, to: &out, level: level) { (i, out) throws(JinjaError) in
                writeString(entries[i].key, to: &out)
                out.append(keySeparator)
                try write(entries[i].value, to: &out, level: level + 1)
            }
        case .jsonObject(let o):
            if sortKeys || ensureASCII {
                try write(json: .object(o), to: &out, level: level)
            } else {
                try writer.writeFast(json: .object(o), to: &out, level: level)
            }
        case .undefined, .object:
            throw JinjaError(.type, "Object of type \(value.typeName) is not JSON serializable")
        }
    }

    private func write(json: JSONValue, to out: inout ByteBuffer, level: Int) throws(JinjaError) {
        switch json {
        case .array(let a):
            guard level < Value.maxReprDepth else {
                throw JinjaError(.recursion, "maximum recursion depth exceeded while encoding a JSON object")
            }
            try writeArray(a.count, to: &out, level: level) { (i, out) throws(JinjaError) in
                try write(json: a[i], to: &out, level: level + 1)
            }
        case .object(let o):
            guard level < Value.maxReprDepth else {
                throw JinjaError(.recursion, "maximum recursion depth exceeded while encoding a JSON object")
            }
            var entries = Array(o)
            if sortKeys { entries.sort { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) } }
            try writeObject(entries.count, to: &out, level: level) { (i, out) throws(JinjaError) in
                writeString(entries[i].key, to: &out)
                out.append(keySeparator)
                try write(json: entries[i].value, to: &out, level: level + 1)
            }
        case .number(let n): Writer.appendNumber(n, to: &out)
        case .string(let s): writeString(s, to: &out)
        case .bool(let b): out.append((b ? "true" : "false"))
        case .null: out.append("null")
        }
    }

    private func writeArray(_ count: Int, to out: inout ByteBuffer, level: Int,
                            _ element: (Int, inout ByteBuffer) throws(JinjaError) -> Void) throws(JinjaError) {
        try writeContainer(count, open: UInt8(ascii: "["), close: UInt8(ascii: "]"), to: &out, level: level, element)
    }

    private func writeObject(_ count: Int, to out: inout ByteBuffer, level: Int,
                             _ entry: (Int, inout ByteBuffer) throws(JinjaError) -> Void) throws(JinjaError) {
        try writeContainer(count, open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), to: &out, level: level, entry)
    }

    /// `count` items between `open` and `close`, separated and indented as json.dumps does.
    private func writeContainer(_ count: Int, open: UInt8, close: UInt8, to out: inout ByteBuffer, level: Int,
                                _ item: (Int, inout ByteBuffer) throws(JinjaError) -> Void) throws(JinjaError) {
        out.append(open)
        guard count > 0 else {
            out.append(close)
            return
        }
        for i in 0..<count {
            if i > 0 { out.append(itemSeparator) }
            newline(&out, level: level + 1)
            try item(i, &out)
        }
        newline(&out, level: level)
        out.append(close)
    }

    /// json.dumps turns int, float, bool and None keys into strings; anything else is a TypeError.
    private func key(_ k: Value) throws(JinjaError) -> String {
        switch k {
        case .string(let s), .markup(let s): return s
        case .int(let i): return String(i)
        case .bigInt(let s): return s
        case .float(let d): return JSONNumber.pythonRepr(d)
        case .bool(let b): return b ? "true" : "false"
        case .none: return "null"
        default: throw JinjaError(.type, "keys must be str, int, float, bool or None, not \(k.typeName)")
        }
    }

    private func sortedEntries(_ original: [PyDict.Entry], _ converted: [(key: String, value: Value)])
        throws(JinjaError) -> [(key: String, value: Value)]
    {
        var indices = Array(converted.indices)
        var failure: JinjaError? = nil
        indices.sort { a, b in
            do {
                return try original[a].key.pythonLess(original[b].key)
            } catch {
                failure = error as? JinjaError
                return false
            }
        }
        if let failure { throw failure }
        return indices.map { converted[$0] }
    }

    private func writeString(_ s: String, to out: inout ByteBuffer) {
        if ensureASCII && s.utf8.contains(where: { $0 >= 0x7F }) {
            out.append(s.jsonQuoted(ensureASCII: true))
            return
        }
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                out.append(b)
                continue
            }
            switch b {
            case UInt8(ascii: "\""): out.append(#"\""#)
            case UInt8(ascii: "\\"): out.append(#"\\"#)
            case 0x0A: out.append(#"\n"#)
            case 0x0D: out.append(#"\r"#)
            case 0x09: out.append(#"\t"#)
            case 0x08: out.append(#"\b"#)
            case 0x0C: out.append(#"\f"#)
            default: out.append(("\\u00" + PythonRepr.hex(UInt32(b), width: 2)))
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
