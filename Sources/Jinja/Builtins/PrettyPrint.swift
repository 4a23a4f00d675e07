/// Python's `pprint.pformat(value)` (width 80, indent 1, dicts sorted): what the `pprint` filter prints.
struct PrettyPrint {
    let width = 80

    static func format(_ value: Value) throws(JinjaError) -> String {
        var out = ""
        try PrettyPrint().format(value, into: &out, indent: 0, allowance: 0, level: 0)
        return out
    }

    /// `_safe_repr`: repr with dict entries sorted by key.
    private func repr(_ value: Value, depth: Int = 0) throws(JinjaError) -> String {
        guard depth < Value.maxReprDepth else { throw JinjaError(.recursion, "maximum recursion depth exceeded") }
        if let entries = value.mappingEntries {
            var parts: [String] = []
            for entry in try sorted(entries) {
                parts.append(try repr(entry.key, depth: depth + 1) + ": " + (try repr(entry.value, depth: depth + 1)))
            }
            return "{" + parts.joined(separator: ", ") + "}"
        }
        switch value {
        case .list, .jsonArray:
            var parts: [String] = []
            for element in value.listElements ?? ValueList([]) { parts.append(try repr(element, depth: depth + 1)) }
            return "[" + parts.joined(separator: ", ") + "]"
        case .tuple(let elements):
            var parts: [String] = []
            for element in elements { parts.append(try repr(element, depth: depth + 1)) }
            return "(" + parts.joined(separator: ", ") + (elements.count == 1 ? ",)" : ")")
        default:
            return try value.repr()
        }
    }

    private func sorted(_ entries: [PyDict.Entry]) throws(JinjaError) -> [PyDict.Entry] {
        var failed = false
        let result = entries.sorted { a, b in
            guard let less = try? a.key.pythonLess(b.key) else {
                failed = true
                return false
            }
            return less
        }
        return failed ? entries : result
    }

    private func format(_ value: Value, into out: inout String, indent: Int, allowance: Int, level: Int)
        throws(JinjaError)
    {
        let text = try repr(value)
        let maxWidth = width - indent - allowance
        guard text.unicodeScalars.count > maxWidth else {
            out += text
            return
        }
        if let entries = value.mappingEntries {
            out += "{"
            if !entries.isEmpty {
                let inner = indent + 1
                let items = try sorted(entries)
                for (i, entry) in items.enumerated() {
                    let last = i == items.count - 1
                    let key = try repr(entry.key)
                    out += key + ": "
                    try format(entry.value, into: &out, indent: inner + key.unicodeScalars.count + 2,
                               allowance: last ? allowance + 1 : 1, level: level + 1)
                    if !last { out += ",\n" + String(repeating: " ", count: inner) }
                }
            }
            out += "}"
            return
        }
        switch value {
        case .list, .jsonArray:
            out += "["
            try formatItems((value.listElements ?? ValueList([])).array, into: &out, indent: indent,
                            allowance: allowance + 1, level: level)
            out += "]"
        case .tuple(let elements):
            let end = elements.count == 1 ? ",)" : ")"
            out += "("
            try formatItems(elements, into: &out, indent: indent, allowance: allowance + end.count, level: level)
            out += end
        case .string(let s):
            formatString(s, into: &out, indent: indent, allowance: allowance, level: level + 1)
        default:
            out += text
        }
    }

    private func formatItems(_ items: [Value], into out: inout String, indent: Int, allowance: Int, level: Int)
        throws(JinjaError)
    {
        let inner = indent + 1
        for (i, item) in items.enumerated() {
            let last = i == items.count - 1
            if i > 0 { out += ",\n" + String(repeating: " ", count: inner) }
            try format(item, into: &out, indent: inner, allowance: last ? allowance : 1, level: level + 1)
        }
    }

    private func formatString(_ s: String, into out: inout String, indent: Int, allowance: Int, level: Int) {
        guard !s.isEmpty else {
            out += PythonRepr.string(s)
            return
        }
        var indent = indent
        var allowance = allowance
        if level == 1 {
            indent += 1
            allowance += 1
        }
        let lines = StringMethods.splitLines(s, keepEnds: true)
        var chunks: [String] = []
        var maxWidth1 = width - indent
        let maxWidth = width - indent
        var lastRep = ""
        for (i, line) in lines.enumerated() {
            let rep = PythonRepr.string(line)
            lastRep = rep
            if i == lines.count - 1 { maxWidth1 -= allowance }
            if rep.unicodeScalars.count <= maxWidth1 {
                chunks.append(rep)
                continue
            }
            // Alternating runs of non-space then space characters.
            var parts: [String] = []
            var part = ""
            var inSpace = false
            for scalar in line.unicodeScalars {
                let space = PythonText.isWhitespace(scalar)
                if !space && inSpace {
                    parts.append(part)
                    part = ""
                }
                inSpace = space
                part.unicodeScalars.append(scalar)
            }
            if !part.isEmpty { parts.append(part) }
            var maxWidth2 = maxWidth
            var current = ""
            for (j, piece) in parts.enumerated() {
                let candidate = current + piece
                if j == parts.count - 1 && i == lines.count - 1 { maxWidth2 -= allowance }
                if PythonRepr.string(candidate).unicodeScalars.count > maxWidth2 {
                    if !current.isEmpty { chunks.append(PythonRepr.string(current)) }
                    current = piece
                } else {
                    current = candidate
                }
            }
            if !current.isEmpty { chunks.append(PythonRepr.string(current)) }
        }
        if chunks.count == 1 {
            out += lastRep
            return
        }
        if level == 1 { out += "(" }
        for (i, chunk) in chunks.enumerated() {
            if i > 0 { out += "\n" + String(repeating: " ", count: indent) }
            out += chunk
        }
        if level == 1 { out += ")" }
    }
}
